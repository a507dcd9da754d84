import { randomUUID } from 'node:crypto';
import type { Dir } from 'node:fs';
import { open, opendir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Logger } from '../../services/logger';

/**
 * Writes `data` to `path` so a reader sees the old content or the new, never a torn file: write a temp file in
 * the same directory (rename is atomic only within one file system), then rename over `path`. Temp names start with
 * a dot so directory listings can skip them.
 * `durable` (the default) flushes the temp file to disk before the rename (`flush: true` is `filehandle.sync()` after
 * the write, Node 20.10 / 21, nodejs/node#50009), so a power loss after the rename cannot leave an empty or partly
 * written file behind the new name. Without it the rename is as atomic for every process (a process crash, kill -9
 * included, loses nothing: the data is in the kernel's page cache, which outlives the process); only a power loss or
 * a kernel crash before the kernel writes it back (seconds) can lose it or leave the file empty (rename(2), fsync(2)).
 */
export async function writeFileAtomic(path: string, data: string, logger: Logger, options: { durable?: boolean } = {}): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`);
  try {
    await writeFile(temp, data, { encoding: 'utf8', flag: 'wx', flush: options.durable ?? true });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch((cleanupError: unknown) => {
      logger.warn('could not remove a temp file', { path: temp, error: cleanupError });
    });
    throw error;
  }
}

/** The first read's size: a record or a conversation's state fits in one read. */
const FIRST_READ_BYTES = 16 * 1024;

/**
 * The whole content of `path` in `open` + `read` + `close`, where `readFile` first spends an fstat on the size
 * (issue 14 counted the operations). A read that returns less than it asked for is the end of a regular file on a
 * local file system (read(2)); and the files read here are only ever replaced by rename, never changed in place, so
 * an open descriptor's content does not change under it. Errors are the file system's own (ENOENT when missing).
 */
export async function readWholeFile(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    let buffer = Buffer.allocUnsafe(FIRST_READ_BYTES);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      length += bytesRead;
      if (bytesRead === 0 || length < buffer.length) return buffer.subarray(0, length);
      const larger = Buffer.allocUnsafe(buffer.length * 2);
      buffer.copy(larger, 0, 0, length);
      buffer = larger;
    }
  } finally {
    await handle.close();
  }
}

/** A temp file is stale once no write can still be using it; a write takes milliseconds, this leaves a wide margin. */
export const STALE_TEMP_FILE_MS = 10 * 60_000;

const TEMP_FILE = /^\..+\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.tmp$/;

/**
 * Removes temp files that `writeFileAtomic` left under `dir` when its process died between writing and renaming
 * (kill -9, power loss). They hold a record's content (personal data among it), and nothing else removes them.
 * Only files older than `STALE_TEMP_FILE_MS` go: another live process on the same folder may be writing one now.
 * Returns how many were removed.
 */
export async function sweepStaleTempFiles(dir: string, now: Date, logger: Logger): Promise<number> {
  let removed = 0;
  let entries: Dir;
  try {
    // Streamed: a folder of 100,000 records is read in batches, never listed at once (issue 22).
    entries = await opendir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  for await (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      removed += await sweepStaleTempFiles(path, now, logger);
    } else if (entry.isFile() && TEMP_FILE.test(entry.name)) {
      const mtimeMs = await stat(path).then(
        (stats) => stats.mtimeMs,
        // Renamed into place or removed since it was listed: nothing left to sweep.
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return undefined;
          throw error;
        },
      );
      if (mtimeMs === undefined || now.getTime() - mtimeMs < STALE_TEMP_FILE_MS) continue;
      await rm(path, { force: true });
      removed += 1;
    }
  }
  if (removed > 0) logger.info('removed temp files a crash left behind', { dir, removed });
  return removed;
}
