/**
 * The reference schemas live next to the project (../shared/schemas, never copied into the tree). Where they are
 * absent the tests that need them skip, loudly; with REQUIRE_SHARED_SCHEMAS=1 (set by .ci/run) they fail instead,
 * so CI never passes with the schema checks silently off.
 */
import type { Context } from 'mocha';

const announced = new Set<string>();

/** Skips the current test or hook (or fails it in CI) when `present` is false; `what` names the missing schema. */
export function requireSharedSchema(
  context: Pick<Context, 'skip'>,
  present: boolean,
  what: string,
  required = process.env.REQUIRE_SHARED_SCHEMAS === '1',
): void {
  if (present) return;
  const message = `${what} is missing (../shared/schemas): its schema tests are SKIPPED`;
  if (required) throw new Error(`${message}, and REQUIRE_SHARED_SCHEMAS=1 (CI) does not allow that.`);
  if (!announced.has(what)) {
    announced.add(what);
    process.stderr.write(`\n  WARNING: ${message}. Set REQUIRE_SHARED_SCHEMAS=1 to make this a failure.\n`);
  }
  context.skip();
}
