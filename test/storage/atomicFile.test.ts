import assert from 'node:assert/strict';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { silentLogger } from '../../services/logger';
import { readWholeFile, STALE_TEMP_FILE_MS, sweepStaleTempFiles, writeFileAtomic } from '../../adapters/storage/atomicFile';
import { createTempDir, type TempDir } from './storageTestSupport';

const NOW = new Date('2026-12-01T09:00:00Z');
const TEMP_NAME = '.cr_0123.json.5f0c6d0e-8a54-4c43-9a1e-2b7f0c9d1e2a.tmp';

describe('temp files left by atomic writes', () => {
  let temp: TempDir;
  beforeEach(async () => {
    temp = await createTempDir();
  });
  afterEach(async () => {
    await temp.remove();
  });

  async function leaveTempFile(dir: string, ageMs: number): Promise<string> {
    await mkdir(dir, { recursive: true });
    const file = join(dir, TEMP_NAME);
    // What a process killed between write and rename leaves: a whole record, personal data included.
    await writeFile(file, JSON.stringify({ upn: 'kim@tailspin.example' }));
    const at = new Date(NOW.getTime() - ageMs);
    await utimes(file, at, at);
    return file;
  }

  it('sweeps a stale temp file in any sub-folder at start-up, and leaves the records alone', async () => {
    const records = join(temp.path, 'records', 'closureRequests');
    await leaveTempFile(records, STALE_TEMP_FILE_MS + 1000);
    await writeFileAtomic(join(records, 'cr_0123.json'), '{}', silentLogger);
    assert.equal(await sweepStaleTempFiles(temp.path, NOW, silentLogger), 1);
    assert.deepEqual(await readdir(records), ['cr_0123.json']);
  });

  it('keeps a fresh temp file: another live process may be writing it', async () => {
    await leaveTempFile(temp.path, 1000);
    assert.equal(await sweepStaleTempFiles(temp.path, NOW, silentLogger), 0);
    assert.deepEqual(await readdir(temp.path), [TEMP_NAME]);
  });

  it('finds nothing to do in a data folder that does not exist yet', async () => {
    assert.equal(await sweepStaleTempFiles(join(temp.path, 'missing'), NOW, silentLogger), 0);
  });
});

describe('readWholeFile', () => {
  let temp: TempDir;
  beforeEach(async () => {
    temp = await createTempDir();
  });
  afterEach(async () => {
    await temp.remove();
  });

  it('reads files of any size whole, around the size of its first read too', async () => {
    for (const size of [0, 1, 16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1, 100_003]) {
      const bytes = Buffer.alloc(size);
      for (let i = 0; i < size; i++) bytes[i] = (i * 7 + size) % 251;
      const file = join(temp.path, `f${size}`);
      await writeFile(file, bytes);
      assert.ok((await readWholeFile(file)).equals(bytes), `${size} bytes`);
    }
  });

  it('reads back what writeFileAtomic wrote, multi-byte characters included', async () => {
    const file = join(temp.path, 'r.json');
    const text = JSON.stringify({ name: 'Jürgen Ø. 日本語', pad: 'é'.repeat(9_000) });
    await writeFileAtomic(file, text, silentLogger);
    assert.equal((await readWholeFile(file)).toString('utf8'), text);
  });

  it('fails with the file system error for a missing file', async () => {
    await assert.rejects(readWholeFile(join(temp.path, 'missing.json')), { code: 'ENOENT' });
  });
});
