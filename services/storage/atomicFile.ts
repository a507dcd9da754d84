import { randomUUID } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Logger } from '../logger';

/**
 * Writes `data` to `path` so a reader sees the old content or the new, never a torn file: write a temp file in
 * the same directory (rename is atomic only within one file system), flush it to disk, then rename over `path`.
 * Temp names start with a dot so directory listings can skip them.
 */
export async function writeFileAtomic(path: string, data: string, logger: Logger): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`);
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch((cleanupError: unknown) => {
      logger.warn('could not remove a temp file', { path: temp, error: cleanupError });
    });
    throw error;
  }
}
