import { strict as assert } from 'node:assert';
import { requireSharedSchema } from './sharedSchemas';

describe('requireSharedSchema (the schema tests without ../shared/schemas)', () => {
  const recordingContext = () => {
    const calls: string[] = [];
    return {
      calls,
      context: {
        skip: (): never => {
          calls.push('skip');
          throw new Error('skipped');
        },
      },
    };
  };

  it('lets the test run when the schema is present', () => {
    const { calls, context } = recordingContext();
    requireSharedSchema(context, true, 'The test schema', true);
    assert.deepEqual(calls, []);
  });

  it('skips, and says so on stderr, when the schema is missing outside CI', () => {
    const { calls, context } = recordingContext();
    const written: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = (chunk: string) => written.push(chunk) > 0;
    try {
      assert.throws(() => requireSharedSchema(context, false, 'The missing test schema', false), /skipped/);
    } finally {
      process.stderr.write = write;
    }
    assert.deepEqual(calls, ['skip']);
    assert.match(written.join(''), /WARNING: The missing test schema is missing .* SKIPPED/);
  });

  it('fails instead of skipping when REQUIRE_SHARED_SCHEMAS=1 (CI)', () => {
    const { calls, context } = recordingContext();
    assert.throws(() => requireSharedSchema(context, false, 'The test schema', true), /REQUIRE_SHARED_SCHEMAS=1/);
    assert.deepEqual(calls, []);
  });
});
