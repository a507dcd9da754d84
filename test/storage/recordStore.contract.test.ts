import assert from 'node:assert/strict';
import { join } from 'node:path';
import { isAppError } from '../../services/errors';
import type { RecordStore } from '../../services/recordStore';
import { BlobRecordStore } from '../../adapters/storage/blobRecordStore';
import { FileRecordStore } from '../../adapters/storage/fileRecordStore';
import { MemoryRecordStore } from '../../adapters/storage/memoryRecordStore';
import { azuriteAccount, type RunningAzurite } from '../support/azurite';
import { createFreshContainer, createTempDir, expectAppError, type TempDir } from './storageTestSupport';

interface Doc {
  status: string;
  attempts: number;
  tags?: string[];
}

const UNSAFE_IDS = ['', '../escape', 'a/b', 'a\\b', '.hidden', 'with space', 'dot.ted', 'x'.repeat(129)];

/** The behaviour every RecordStore must have; run below against each adapter. */
function recordStoreContract(createStore: () => RecordStore<Doc>): void {
  let store: RecordStore<Doc>;
  beforeEach(() => {
    store = createStore();
  });

  describe('reading', () => {
    it('returns undefined for a record that was never created', async () => {
      assert.equal(await store.get('missing'), undefined);
    });

    it('returns the created value with the eTag create returned', async () => {
      const etag = await store.create('r1', { status: 'pending', attempts: 0 });
      assert.deepEqual(await store.get('r1'), { value: { status: 'pending', attempts: 0 }, etag });
    });

    it('hands out copies, so changing a value in memory does not change the stored record', async () => {
      const value: Doc = { status: 'pending', attempts: 0, tags: ['a'] };
      await store.create('r1', value);
      value.tags?.push('changed-after-create');
      const read = await store.get('r1');
      read?.value.tags?.push('changed-after-get');
      assert.deepEqual((await store.get('r1'))?.value.tags, ['a']);
    });
  });

  describe('creating', () => {
    it('rejects creating a record that exists with RECORD_CONFLICT and keeps the original', async () => {
      await store.create('r1', { status: 'pending', attempts: 0 });
      await expectAppError(store.create('r1', { status: 'closed', attempts: 9 }), 'RECORD_CONFLICT');
      assert.equal((await store.get('r1'))?.value.status, 'pending');
    });

    it('lets exactly one of two concurrent creates of one id win', async () => {
      const results = await Promise.allSettled([
        store.create('r1', { status: 'first', attempts: 0 }),
        store.create('r1', { status: 'second', attempts: 0 }),
      ]);
      assertOneWinner(results);
    });
  });

  describe('replacing', () => {
    it('replaces the value when given the current eTag and returns a new eTag', async () => {
      const created = await store.create('r1', { status: 'pending', attempts: 0 });
      const replaced = await store.replace('r1', { status: 'confirmed', attempts: 1 }, created);
      assert.notEqual(replaced, created);
      assert.deepEqual(await store.get('r1'), { value: { status: 'confirmed', attempts: 1 }, etag: replaced });
    });

    it('rejects a stale eTag with RECORD_CONFLICT and keeps the newer value', async () => {
      const stale = await store.create('r1', { status: 'pending', attempts: 0 });
      await store.replace('r1', { status: 'confirmed', attempts: 1 }, stale);
      await expectAppError(store.replace('r1', { status: 'cancelled', attempts: 1 }, stale), 'RECORD_CONFLICT');
      assert.equal((await store.get('r1'))?.value.status, 'confirmed');
    });

    it('changes the eTag even when the same value is written again', async () => {
      const first = await store.create('r1', { status: 'pending', attempts: 0 });
      const second = await store.replace('r1', { status: 'pending', attempts: 0 }, first);
      assert.notEqual(second, first);
      await expectAppError(store.replace('r1', { status: 'closed', attempts: 0 }, first), 'RECORD_CONFLICT');
    });

    it('rejects replacing a record that does not exist with RECORD_CONFLICT', async () => {
      await expectAppError(store.replace('missing', { status: 'pending', attempts: 0 }, '"any"'), 'RECORD_CONFLICT');
      assert.equal(await store.get('missing'), undefined);
    });

    it('rejects an eTag read before the record was deleted and created again', async () => {
      const old = await store.create('r1', { status: 'pending', attempts: 0 });
      await store.delete('r1');
      await store.create('r1', { status: 'pending', attempts: 0 });
      await expectAppError(store.replace('r1', { status: 'closed', attempts: 0 }, old), 'RECORD_CONFLICT');
    });

    it('lets exactly one of two concurrent replaces of one read eTag win', async () => {
      const etag = await store.create('r1', { status: 'pending', attempts: 0 });
      const results = await Promise.allSettled([
        store.replace('r1', { status: 'confirmed-a', attempts: 1 }, etag),
        store.replace('r1', { status: 'confirmed-b', attempts: 1 }, etag),
      ]);
      const winner = assertOneWinner(results);
      assert.equal((await store.get('r1'))?.value.status, winner === 0 ? 'confirmed-a' : 'confirmed-b');
    });

    it('lets exactly one of many concurrent replaces of one read eTag win', async () => {
      const etag = await store.create('r1', { status: 'pending', attempts: 0 });
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, index) => store.replace('r1', { status: `writer-${index}`, attempts: 1 }, etag)),
      );
      const winner = assertOneWinner(results);
      assert.equal((await store.get('r1'))?.value.status, `writer-${winner}`);
    });
  });

  describe('listing and deleting', () => {
    it('lists nothing when empty', async () => {
      assert.deepEqual(await store.list(), []);
    });

    it('lists every record with its id, value and current eTag', async () => {
      const a = await store.create('a', { status: 'pending', attempts: 0 });
      const created = await store.create('b', { status: 'pending', attempts: 0 });
      const b = await store.replace('b', { status: 'closed', attempts: 2 }, created);
      const listed = (await store.list()).sort((x, y) => x.id.localeCompare(y.id));
      assert.deepEqual(listed, [
        { id: 'a', value: { status: 'pending', attempts: 0 }, etag: a },
        { id: 'b', value: { status: 'closed', attempts: 2 }, etag: b },
      ]);
    });

    it('deletes a record so it can no longer be read or listed', async () => {
      await store.create('a', { status: 'pending', attempts: 0 });
      await store.create('b', { status: 'pending', attempts: 0 });
      await store.delete('a');
      assert.equal(await store.get('a'), undefined);
      assert.deepEqual(
        (await store.list()).map((record) => record.id),
        ['b'],
      );
    });

    it('deletes a record that is already gone without an error', async () => {
      await store.delete('never-there');
      assert.deepEqual(await store.list(), []);
    });
  });

  describe('walking in pages and deleting only as read', () => {
    it('streams every record once, in pages no larger than asked', async () => {
      for (let i = 0; i < 7; i++) await store.create(`r${i}`, { status: 'pending', attempts: i });
      const pages: number[] = [];
      const seen: string[] = [];
      for await (const page of store.scan(3)) {
        pages.push(page.length);
        for (const entry of page) {
          assert.equal(entry.record?.value.attempts, Number(entry.id.slice(1)));
          seen.push(entry.id);
        }
      }
      assert.deepEqual(seen.sort(), ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
      assert.ok(
        pages.every((size) => size <= 3),
        `pages of ${pages.join(', ')}`,
      );
    });

    it('walks nothing when empty', async () => {
      for await (const page of store.scan()) assert.equal(page.length, 0);
    });

    it('deletes with an eTag only while the record still has it', async () => {
      const first = await store.create('r1', { status: 'closed', attempts: 0 });
      await store.replace('r1', { status: 'pending', attempts: 1 }, first);
      await expectAppError(store.delete('r1', first), 'RECORD_CONFLICT');
      assert.equal((await store.get('r1'))?.value.status, 'pending', 'the renewed record stays');
      await store.delete('r1', (await store.get('r1'))?.etag);
      assert.equal(await store.get('r1'), undefined);
      await store.delete('r1', first);
    });
  });

  describe('record ids', () => {
    it('rejects ids that are not safe file and blob names with RECORD_ID_INVALID', async () => {
      for (const id of UNSAFE_IDS) {
        await expectAppError(store.get(id), 'RECORD_ID_INVALID');
        await expectAppError(store.create(id, { status: 'pending', attempts: 0 }), 'RECORD_ID_INVALID');
        await expectAppError(store.replace(id, { status: 'pending', attempts: 0 }, '"x"'), 'RECORD_ID_INVALID');
        await expectAppError(store.delete(id), 'RECORD_ID_INVALID');
      }
      assert.deepEqual(await store.list(), []);
    });

    it('accepts GUIDs and hex hashes as ids', async () => {
      await store.create('3f2504e0-4f89-41d3-9a0c-0305e82c3301', { status: 'pending', attempts: 0 });
      await store.create('a'.repeat(64), { status: 'pending', attempts: 0 });
      assert.equal((await store.list()).length, 2);
    });
  });
}

/** Asserts one fulfilled result and RECORD_CONFLICT for all others; returns the winner's index. */
function assertOneWinner(results: Array<PromiseSettledResult<unknown>>): number {
  const winners = results.flatMap((result, index) => (result.status === 'fulfilled' ? [index] : []));
  assert.equal(winners.length, 1, `expected exactly one winner, got ${winners.length}`);
  for (const result of results) {
    if (result.status === 'rejected') assert.ok(isAppError(result.reason, 'RECORD_CONFLICT'), String(result.reason));
  }
  return winners[0];
}

describe('RecordStore contract', () => {
  describe('MemoryRecordStore', () => {
    recordStoreContract(() => new MemoryRecordStore<Doc>());
  });

  describe('FileRecordStore', () => {
    let temp: TempDir;
    let stores = 0;
    before(async () => {
      temp = await createTempDir();
    });
    after(async () => {
      await temp.remove();
    });
    recordStoreContract(() => new FileRecordStore<Doc>({ dir: join(temp.path, `store-${++stores}`) }));
  });

  describe('BlobRecordStore on Azurite', () => {
    let azurite: RunningAzurite;
    before(async () => {
      azurite = await azuriteAccount();
    });
    after(async () => {
      await azurite.stop();
    });
    recordStoreContract(
      () => new BlobRecordStore<Doc>({ containerClient: createFreshContainer(azurite.connectionString), prefix: 'records/' }),
    );
  });
});
