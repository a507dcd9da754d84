import { randomUUID } from 'node:crypto';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import { errnoCode, unavailable } from './fsErrors';

export interface FileLockOptions {
  /** A lock file older than this was left by a crashed process and may be broken. */
  readonly staleAfterMs: number;
  /** How long to wait for a held lock before failing with `STORAGE_UNAVAILABLE`; longer than `staleAfterMs`. */
  readonly timeoutMs: number;
  readonly now: () => number;
  readonly logger: Logger;
}

/** Writers in this process queue here first, so they do not poll a lock file held by their neighbour. */
const inProcessQueues = new Map<string, Promise<unknown>>();

/**
 * Runs `fn` while holding `lockPath`: a file created with `wx` (O_CREAT|O_EXCL), which exactly one process on
 * a host can create. Local file systems only: O_EXCL is not reliable on every network share.
 */
export async function withFileLock<R>(lockPath: string, options: FileLockOptions, fn: () => Promise<R>): Promise<R> {
  const previous = inProcessQueues.get(lockPath) ?? Promise.resolve();
  const run = previous.then(
    () => holdingFileLock(lockPath, options, fn),
    () => holdingFileLock(lockPath, options, fn),
  );
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  inProcessQueues.set(lockPath, settled);
  try {
    return await run;
  } finally {
    if (inProcessQueues.get(lockPath) === settled) inProcessQueues.delete(lockPath);
  }
}

async function holdingFileLock<R>(lockPath: string, options: FileLockOptions, fn: () => Promise<R>): Promise<R> {
  const owner = await acquire(lockPath, options);
  try {
    return await fn();
  } finally {
    await release(lockPath, owner, options.logger);
  }
}

async function acquire(lockPath: string, options: FileLockOptions): Promise<string> {
  const owner = `${process.pid}:${randomUUID()}`;
  const deadline = options.now() + options.timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(lockPath, 'wx');
      try {
        await handle.writeFile(owner);
      } finally {
        await handle.close();
      }
      return owner;
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST') throw unavailable(`cannot create lock "${lockPath}"`, error);
    }
    if (await breakIfStale(lockPath, options)) continue;
    if (options.now() > deadline) {
      throw new AppError('STORAGE_UNAVAILABLE', `lock "${lockPath}" still held after ${options.timeoutMs} ms`);
    }
    // Jittered backoff so racing processes do not retry in lockstep.
    await delay(Math.min(50, 2 ** Math.min(attempt, 5)) + Math.random() * 5);
  }
}

/** Returns true when the lock is gone (broken here or released meanwhile) and acquiring should be retried at once. */
async function breakIfStale(lockPath: string, options: FileLockOptions): Promise<boolean> {
  const seen = await statOrUndefined(lockPath);
  if (!seen) return true;
  if (options.now() - seen.mtimeMs < options.staleAfterMs) return false;
  // Breaking goes through a second lock so two breakers cannot each remove a lock the other has just taken.
  const breakerPath = `${lockPath}.break`;
  try {
    await (await open(breakerPath, 'wx')).close();
  } catch (error) {
    if (errnoCode(error) !== 'EEXIST') throw unavailable(`cannot create "${breakerPath}"`, error);
    const breaker = await statOrUndefined(breakerPath);
    if (breaker && options.now() - breaker.mtimeMs >= options.staleAfterMs) {
      options.logger.warn('removing a stale lock breaker', { path: breakerPath });
      await unlink(breakerPath).catch((unlinkError: unknown) => ignoreMissing(unlinkError, breakerPath));
    }
    return false;
  }
  try {
    const again = await statOrUndefined(lockPath);
    if (again && again.ino === seen.ino && again.mtimeMs === seen.mtimeMs) {
      options.logger.warn('breaking a stale lock', { path: lockPath, ageMs: Math.round(options.now() - seen.mtimeMs) });
      await unlink(lockPath).catch((unlinkError: unknown) => ignoreMissing(unlinkError, lockPath));
    }
    return true;
  } finally {
    await unlink(breakerPath).catch((unlinkError: unknown) => ignoreMissing(unlinkError, breakerPath));
  }
}

async function release(lockPath: string, owner: string, logger: Logger): Promise<void> {
  const holder = await readFile(lockPath, 'utf8').catch((error: unknown) => {
    ignoreMissing(error, lockPath);
    return undefined;
  });
  if (holder !== owner) {
    // Our lock was broken as stale while we held it: the other holder's lock is not ours to remove.
    logger.warn('lock was taken over while held', { path: lockPath });
    return;
  }
  await unlink(lockPath).catch((error: unknown) => ignoreMissing(error, lockPath));
}

async function statOrUndefined(path: string): Promise<{ ino: number; mtimeMs: number } | undefined> {
  try {
    return await stat(path);
  } catch (error) {
    ignoreMissing(error, path);
    return undefined;
  }
}

function ignoreMissing(error: unknown, path: string): void {
  if (errnoCode(error) !== 'ENOENT') throw unavailable(`file operation on "${path}" failed`, error);
}
