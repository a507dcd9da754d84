import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BlobAuditTrail } from '../../adapters/storage/blobAuditTrail';
import { createStores, type Stores } from '../../adapters/storage/createStores';
import { azuriteAccount, type RunningAzurite } from '../support/azurite';
import { createFreshContainer, createTempDir, expectAppError, type TempDir } from './storageTestSupport';

interface Closure {
  status: string;
}
interface ExportJob {
  state: string;
}

/** What every kind of stores must do; run below for memory, file and blob. */
function storesContract(create: () => Stores): void {
  let stores: Stores;
  beforeEach(() => {
    stores = create();
  });

  it('keeps record kinds apart even when they use the same ids', async () => {
    await stores.records<Closure>('closureRequests').create('r1', { status: 'pending' });
    await stores.records<ExportJob>('exportJobs').create('r1', { state: 'requested' });
    assert.deepEqual(
      (await stores.records<Closure>('closureRequests').list()).map((record) => record.value),
      [{ status: 'pending' }],
    );
    assert.deepEqual((await stores.records<ExportJob>('exportJobs').get('r1'))?.value, { state: 'requested' });
  });

  it('gives the same store for the same name', async () => {
    await stores.records<Closure>('closureRequests').create('r1', { status: 'pending' });
    assert.equal(stores.records('closureRequests'), stores.records('closureRequests'));
  });

  it('has a working audit trail', async () => {
    await stores.audit.append({ type: 'closed', at: '2025-03-01T10:00:00.000Z', requestId: 'r1' });
    assert.deepEqual(await stores.audit.readAll(), [{ type: 'closed', at: '2025-03-01T10:00:00.000Z', requestId: 'r1' }]);
  });

  it('rejects a record kind name that is not a safe folder name, or is the audit trail', async () => {
    for (const name of ['../up', 'a/b', '', 'audit']) {
      await expectAppError(
        Promise.resolve().then(() => stores.records(name)),
        'RECORD_ID_INVALID',
      );
    }
  });
}

describe('createStores', () => {
  describe('memory', () => {
    storesContract(() => createStores({ kind: 'memory' }));
  });

  describe('file', () => {
    let temp: TempDir;
    beforeEach(async () => {
      temp = await createTempDir();
    });
    afterEach(async () => {
      await temp.remove();
    });
    storesContract(() => createStores({ kind: 'file', dir: temp.path }));

    it('lays out one folder per record kind and the audit trail in its own folder', async () => {
      const stores = createStores({ kind: 'file', dir: temp.path });
      await stores.records<Closure>('closureRequests').create('r1', { status: 'pending' });
      await stores.audit.append({ type: 'closed', at: '2025-03-01T10:00:00.000Z' });
      assert.deepEqual((await readdir(temp.path)).sort(), ['audit', 'closureRequests']);
      assert.deepEqual(await readdir(join(temp.path, 'closureRequests')), ['r1.json']);
      assert.deepEqual(await readdir(join(temp.path, 'audit')), ['audit.jsonl']);
    });
  });

  describe('blob on Azurite', () => {
    let azurite: RunningAzurite;
    before(async () => {
      azurite = await azuriteAccount();
    });
    after(async () => {
      await azurite.stop();
    });
    storesContract(() => createStores({ kind: 'blob', containerClient: createFreshContainer(azurite.connectionString) }));

    it('lays out one blob prefix per record kind and the audit trail under audit/', async () => {
      const containerClient = createFreshContainer(azurite.connectionString);
      const stores = createStores({ kind: 'blob', containerClient });
      const audit = new BlobAuditTrail({ containerClient, prefix: 'audit/', instance: 'one' });
      await stores.records<Closure>('closureRequests').create('r1', { status: 'pending' });
      await stores.records<ExportJob>('exportJobs').create('j1', { state: 'requested' });
      await stores.audit.append({ type: 'closed', at: '2025-03-01T10:00:00.000Z' });
      await audit.append({ type: 'closed', at: '2025-03-01T10:00:00.000Z' });
      const names: string[] = [];
      for await (const item of containerClient.listBlobsFlat()) names.push(item.name);
      const [ownShard, ...rest] = names.sort();
      assert.match(ownShard, /^audit\/2025-03-01\/10\/[0-9a-f]{12}-0\.jsonl$/, 'a shard per hour and per process');
      assert.deepEqual(rest, ['audit/2025-03-01/10/one-0.jsonl', 'closureRequests/r1.json', 'exportJobs/j1.json']);
    });
  });
});
