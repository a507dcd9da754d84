import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, keylen: number, options: ScryptOptions) => Promise<Buffer>;

/**
 * scrypt's cost for the sandbox's passwords. Node runs scrypt on libuv's small thread pool, which the embedded bot
 * shares for its file I/O, so a stream of sign-in attempts slowed the bot's turns (8 ms to 2 s measured). The
 * sandbox holds demo passwords only, so a cheap N is enough (Node's default is 16384; hashes without a cost field
 * were made with it and still verify). Hashes also run one at a time (`oneAtATime`), leaving the pool to the bot.
 */
export const SANDBOX_SCRYPT_COST = 1024;
const LEGACY_SCRYPT_COST = 16384;

/** `scrypt$<salt>$<hash>$<N>`. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await oneAtATime(() => scrypt(password, salt, 32, { N: SANDBOX_SCRYPT_COST }));
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}$${SANDBOX_SCRYPT_COST}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash, cost] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const N = cost ? Number(cost) : LEGACY_SCRYPT_COST;
  if (!Number.isInteger(N) || N < 2 || N > LEGACY_SCRYPT_COST) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await oneAtATime(() => scrypt(password, Buffer.from(salt, 'base64'), expected.length, { N }));
  return timingSafeEqual(actual, expected);
}

let scryptQueue: Promise<unknown> = Promise.resolve();

/** Runs hashes in turn, so they occupy one thread of the pool at most. */
function oneAtATime<T>(work: () => Promise<T>): Promise<T> {
  const run = scryptQueue.then(work, work);
  // The next hash waits for this one either way; this one's failure is its caller's, through `run`.
  scryptQueue = run.catch(() => undefined);
  return run;
}
