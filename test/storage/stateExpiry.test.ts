import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { BlobsStorage } from 'botbuilder-azure-blobs';
import { FileStorage } from '../../bot/storage/fileStorage';
import { BlobStateExpiry, FileStateExpiry, isStateBlobName, SWEEP_EVERY_MS } from '../../bot/storage/stateExpiry';
import { createStores } from '../../adapters/storage/createStores';
import { azuriteAccount, type RunningAzurite } from '../support/azurite';
import { createFreshContainer, createRecordingLogger, createTempDir, type TempDir } from './storageTestSupport';

const DAY_MS = 86_400_000;
const IDLE_KEY = 'msteams/conversations/19:idle@thread.v2/users/29:1idle';
const ACTIVE_KEY = 'emulator/conversations/active-conversation/users/user-1';

describe('idle conversation state expiry', () => {
  describe('STORAGE=file', () => {
    let temp: TempDir;
    beforeEach(async () => {
      temp = await createTempDir();
    });
    afterEach(async () => {
      await temp.remove();
    });

    it('deletes the state of a conversation idle past the TTL, keeps the active one, and sweeps at most hourly', async () => {
      const storage = new FileStorage({ dir: temp.path });
      await storage.write({ [IDLE_KEY]: { progress: 'welcome' }, [ACTIVE_KEY]: { progress: 'warning' } });
      const now = Date.now();
      assert.equal((await readdir(temp.path)).length, 2);
      // Back-date the idle conversation's only write by eight days.
      await backdate(temp.path, IDLE_KEY, new Date(now - 8 * DAY_MS));

      let clock = now;
      const { logger } = createRecordingLogger();
      const expiry = new FileStateExpiry(temp.path, { ttlMs: 7 * DAY_MS, clock: () => new Date(clock), logger });
      assert.equal(await expiry.sweep(), 1);
      assert.deepEqual(Object.keys(await storage.read([IDLE_KEY, ACTIVE_KEY])), [ACTIVE_KEY]);

      await backdate(temp.path, ACTIVE_KEY, new Date(now - 8 * DAY_MS));
      assert.equal(await expiry.sweep(), 0, 'the next sweep waits an hour');
      clock += SWEEP_EVERY_MS;
      assert.equal(await expiry.sweep(), 1);
      assert.deepEqual(await readdir(temp.path), []);
    });

    it('does nothing when no state was ever written', async () => {
      const { logger } = createRecordingLogger();
      assert.equal(await new FileStateExpiry(join(temp.path, 'missing'), { ttlMs: DAY_MS, clock: () => new Date(), logger }).sweep(), 0);
    });
  });

  describe('STORAGE=blob on Azurite', () => {
    let azurite: RunningAzurite;
    before(async () => {
      azurite = await azuriteAccount();
    });
    after(async () => {
      await azurite?.stop();
    });

    it('deletes BlobsStorage state blobs not written for the TTL and never a record or the audit trail', async () => {
      const container = createFreshContainer(azurite.connectionString);
      const stores = createStores({ kind: 'blob', containerClient: container });
      await stores.records<{ status: string }>('closureRequests').create('r1', { status: 'closed' });
      await stores.audit.append({ type: 'closed', at: '2025-03-01T10:00:00.000Z', requestId: 'r1' });
      const state = new BlobsStorage(azurite.connectionString, container.containerName);
      await state.write({ [IDLE_KEY]: { progress: 'welcome' }, [ACTIVE_KEY]: { progress: 'warning' } });
      const before = await blobNames(container);
      assert.equal(before.filter(isStateBlobName).length, 2, `state blobs: ${before.join(', ')}`);

      // Blob times cannot be back-dated: the sweeper's clock moves eight days ahead instead.
      const { logger } = createRecordingLogger();
      const expiry = new BlobStateExpiry(container, { ttlMs: 7 * DAY_MS, clock: () => new Date(Date.now() + 8 * DAY_MS), logger });
      assert.equal(await expiry.sweep(), 2);
      const after = await blobNames(container);
      assert.deepEqual(after.filter(isStateBlobName), []);
      assert.deepEqual(
        after,
        before.filter((name) => !isStateBlobName(name)),
      );
      assert.ok(after.some((name) => name.startsWith('closureRequests/')) && after.some((name) => name.startsWith('audit/')));
      assert.deepEqual(await state.read([IDLE_KEY, ACTIVE_KEY]), {});
    });
  });
});

/** Sets the mtime of the file FileStorage keeps `key` in. */
async function backdate(dir: string, key: string, when: Date): Promise<void> {
  const file = join(dir, `${createHash('sha256').update(key, 'utf8').digest('hex')}.json`);
  await utimes(file, when, when);
}

async function blobNames(container: ReturnType<typeof createFreshContainer>): Promise<string[]> {
  const names: string[] = [];
  for await (const blob of container.listBlobsFlat()) names.push(blob.name);
  return names.sort();
}
