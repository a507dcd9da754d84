import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withFileLock, type FileLockOptions } from '../../adapters/storage/fileLock';
import { createRecordingLogger, createTempDir, expectAppError, type TempDir } from './storageTestSupport';

describe('withFileLock', () => {
  let temp: TempDir;
  let lockPath: string;
  beforeEach(async () => {
    temp = await createTempDir();
    lockPath = join(temp.path, '.thing.lock');
  });
  afterEach(async () => {
    await temp.remove();
  });

  function createOptions(overrides: Partial<FileLockOptions> = {}): FileLockOptions {
    return { staleAfterMs: 10_000, timeoutMs: 5_000, now: Date.now, logger: createRecordingLogger().logger, ...overrides };
  }

  describe('holding', () => {
    it('never runs two critical sections of one lock at the same time', async () => {
      let inside = 0;
      let mostInside = 0;
      const section = async () => {
        inside += 1;
        mostInside = Math.max(mostInside, inside);
        await new Promise((resolve) => setImmediate(resolve));
        inside -= 1;
      };
      await Promise.all(Array.from({ length: 10 }, () => withFileLock(lockPath, createOptions(), section)));
      assert.equal(mostInside, 1);
    });

    it('removes its lock file afterwards, also when the section throws', async () => {
      await withFileLock(lockPath, createOptions(), async () => assert.deepEqual(await readdir(temp.path), ['.thing.lock']));
      await assert.rejects(
        withFileLock(lockPath, createOptions(), async () => {
          throw new Error('section failed');
        }),
        /section failed/,
      );
      assert.deepEqual(await readdir(temp.path), []);
    });

    it('keeps a lock another writer took over after breaking ours as stale, and warns', async () => {
      const { logger, records } = createRecordingLogger();
      let offsetMs = 0;
      const now = () => Date.now() + offsetMs;
      await withFileLock(lockPath, createOptions({ logger, now }), async () => {
        // This holder overstays the stale bound; a breaker removes its lock and takes a new one (a new file).
        offsetMs = 60_000;
        await unlink(lockPath);
        await writeFile(lockPath, '4242:someone-else');
      });
      assert.equal(await readFile(lockPath, 'utf8'), '4242:someone-else');
      assert.ok(records.some((record) => record.level === 'warn' && record.message === 'lock was taken over while held'));
    });

    it('removes its own lock after a hold longer than the stale bound when nobody broke it', async () => {
      const { logger, records } = createRecordingLogger();
      let offsetMs = 0;
      const now = () => Date.now() + offsetMs;
      await withFileLock(lockPath, createOptions({ logger, now }), async () => {
        offsetMs = 60_000;
      });
      assert.deepEqual(await readdir(temp.path), []);
      assert.equal(records.filter((record) => record.level === 'warn').length, 0);
    });

    it('makes a missing folder through createFolder and then takes the lock', async () => {
      const nested = join(temp.path, 'gone', 'records', '.thing.lock');
      let created = 0;
      const createFolder = async () => {
        created += 1;
        await mkdir(join(temp.path, 'gone', 'records'), { recursive: true });
      };
      assert.equal(await withFileLock(nested, createOptions({ createFolder }), async () => 'ran'), 'ran');
      assert.equal(created, 1);
      assert.deepEqual(await readdir(join(temp.path, 'gone', 'records')), []);
    });

    it('fails with STORAGE_UNAVAILABLE on a missing folder when it may not make one', async () => {
      await expectAppError(
        withFileLock(join(temp.path, 'gone', '.thing.lock'), createOptions(), async () => 'ran'),
        'STORAGE_UNAVAILABLE',
      );
    });
  });

  describe('waiting', () => {
    it('waits while the lock is fresh and breaks it once the clock says it is stale', async () => {
      await writeFile(lockPath, '99999:crashed');
      let calls = 0;
      // The first few looks see a fresh lock; later ones see it a minute old.
      const now = () => Date.now() + (++calls > 3 ? 60_000 : 0);
      const result = await withFileLock(lockPath, createOptions({ now }), async () => 'ran');
      assert.equal(result, 'ran');
      assert.ok(calls > 3);
    });

    it('fails with STORAGE_UNAVAILABLE after the timeout while the lock stays fresh', async () => {
      await writeFile(lockPath, '99999:alive');
      await expectAppError(
        withFileLock(lockPath, createOptions({ timeoutMs: 30 }), async () => 'ran'),
        'STORAGE_UNAVAILABLE',
      );
      assert.equal(await readFile(lockPath, 'utf8'), '99999:alive');
    });
  });
});
