import * as dotenv from 'dotenv';

/**
 * The process environment with `.env` applied (real variables win), for the entry points that are not
 * `index.ts` (ops, the benchmark's bot server): only config/ and the composition roots read the environment.
 */
export function readEnvironment(): Readonly<Record<string, string | undefined>> {
  dotenv.config({ quiet: true });
  return process.env;
}
