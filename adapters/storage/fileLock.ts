import { open, stat, unlink, type FileHandle } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { AppError } from '../../services/errors';
import type { Logger } from '../../services/logger';
import { errnoCode, unavailable } from './fsErrors';

export interface FileLockOptions {
  /** A lock file older than this was left by a crashed process and may be broken. */
  readonly staleAfterMs: number;
  /** How long to wait for a held lock before failing with `STORAGE_UNAVAILABLE`; longer than `staleAfterMs`. */
  readonly timeoutMs: number;
  readonly now: () => number;
  readonly logger: Logger;
  /**
   * Makes the lock's folder when creating the lock finds it missing (not made yet, or deleted while the bot runs);
   * the lock is then tried again. Without it a missing folder fails like any other error.
   */
  readonly createFolder?: () => Promise<void>;
}

/** A lock this process holds: the open lock file (its inode is the proof of ownership) and when it was taken. */
interface HeldLock {
  readonly handle: FileHandle;
  /** `now()` read just before the lock file was created: its mtime is not older, less the timestamps' granularity. */
  readonly takenAt: number;
}

/** Writers in this process queue here first, so they do not poll a lock file held by their neighbour. */
const inProcessQueues = new Map<string, Promise<unknown>>();

/**
 * Runs `fn` while holding `lockPath`: a file created with `wx` (O_CREAT|O_EXCL), which exactly one process on
 * a host can create. Local file systems only: O_EXCL is not reliable on every network share.
 *
 * Cost (issue 14 counted the threadpool operations of every state write): taking the lock is one `open`; giving it
 * back is `close` + `unlink`. The file stays empty; it is kept open while held, so its inode cannot be reused and
 * identifies it.
 */
export function withFileLock<R>(lockPath: string, options: FileLockOptions, fn: () => Promise<R>): Promise<R> {
  return queuedInProcess(lockPath, () => holdingFileLock(lockPath, options, fn));
}

/**
 * Runs `fn` after every earlier call for `lockPath` in this process has settled, without a lock file: for writes
 * that need no exclusion from other processes but should land in call order here (FileRecordStore.overwrite).
 */
export async function queuedInProcess<R>(lockPath: string, fn: () => Promise<R>): Promise<R> {
  const previous = inProcessQueues.get(lockPath) ?? Promise.resolve();
  const run = previous.then(fn, fn);
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
  const held = await acquire(lockPath, options);
  try {
    return await fn();
  } finally {
    await release(lockPath, held, options);
  }
}

async function acquire(lockPath: string, options: FileLockOptions): Promise<HeldLock> {
  const deadline = options.now() + options.timeoutMs;
  let folderCreated = false;
  for (let attempt = 0; ; attempt++) {
    // One clock read per attempt: it dates the lock if this attempt takes it and is judged against the deadline.
    const takenAt = options.now();
    try {
      return { handle: await open(lockPath, 'wx'), takenAt };
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOENT' && options.createFolder && !folderCreated) {
        // Once per acquire: a folder that is missing again right after it was made is an error worth reporting.
        folderCreated = true;
        await options.createFolder();
        continue;
      }
      if (code !== 'EEXIST') throw unavailable(`cannot create lock "${lockPath}"`, error);
    }
    if (await breakIfStale(lockPath, options)) continue;
    if (takenAt > deadline) {
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

/**
 * A hold shorter than half the stale bound cannot have been broken: a breaker needs the file's mtime (stamped at
 * creation, after `takenAt`) to be `staleAfterMs` old on the same host's clock, and the half left over covers a
 * file system's coarse timestamps (FAT: 2 s, against the default bound of 10 s) and the kernel's clock tick. Such a
 * hold gives the lock back without looking (issue 14: reading the owner back cost four operations per write). A
 * longer one first checks that the file at `lockPath` is still the inode it holds open.
 */
async function release(lockPath: string, held: HeldLock, options: FileLockOptions): Promise<void> {
  let ours = true;
  try {
    if (options.now() - held.takenAt >= options.staleAfterMs / 2) ours = await stillHeld(lockPath, held.handle);
  } finally {
    // Closed before the unlink: on Windows a file still open when it is deleted keeps its name until it is closed.
    await held.handle.close().catch((error: unknown) => {
      throw unavailable(`cannot close lock "${lockPath}"`, error);
    });
  }
  if (!ours) {
    // Our lock was broken as stale while we held it: the other holder's lock is not ours to remove.
    options.logger.warn('lock was taken over while held', { path: lockPath });
    return;
  }
  await unlink(lockPath).catch((error: unknown) => ignoreMissing(error, lockPath));
}

async function stillHeld(lockPath: string, handle: FileHandle): Promise<boolean> {
  const [mine, current] = await Promise.all([
    handle.stat().catch((error: unknown) => {
      throw unavailable(`cannot stat lock "${lockPath}"`, error);
    }),
    statOrUndefined(lockPath),
  ]);
  return current !== undefined && current.ino === mine.ino && current.dev === mine.dev;
}

async function statOrUndefined(path: string): Promise<{ ino: number; dev: number; mtimeMs: number } | undefined> {
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
