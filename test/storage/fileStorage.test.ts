import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConversationState, TestAdapter, type StoreItem, type TurnContext } from 'botbuilder';
import { FileStorage } from '../../bot/storage/fileStorage';
import { isAppError } from '../../services/errors';
import { FileRecordStore } from '../../adapters/storage/fileRecordStore';
import { createTempDir, expectAppError, type TempDir } from './storageTestSupport';

const KEY = 'msteams/conversations/19:abc@thread.v2/users/29:1xyz';

/** What these tests store; botbuilder's StoreItem is an index of `any`. */
interface Counter {
  readonly count?: number;
  readonly eTag?: string;
  readonly nested?: unknown;
}

async function readOne(storage: FileStorage, key = KEY): Promise<Counter> {
  return (await storage.read([key]))[key] as Counter;
}

describe('FileStorage', () => {
  let temp: TempDir;
  let storage: FileStorage;
  beforeEach(async () => {
    temp = await createTempDir();
    storage = new FileStorage({ dir: temp.path });
  });
  afterEach(async () => {
    await temp.remove();
  });

  describe('reading', () => {
    it('returns only the keys that are stored', async () => {
      await storage.write({ [KEY]: { count: 1 } });
      assert.deepEqual(Object.keys(await storage.read([KEY, 'missing'])), [KEY]);
      assert.deepEqual(await storage.read([]), {});
    });

    it('returns what was written with an eTag added', async () => {
      await storage.write({ [KEY]: { count: 1, nested: { list: [1, 2] } } });
      const item = await readOne(storage);
      assert.deepEqual({ ...item, eTag: undefined }, { count: 1, nested: { list: [1, 2] }, eTag: undefined });
      assert.equal(typeof item.eTag, 'string');
    });

    it('reads what another instance wrote to the same directory, as after a restart', async () => {
      await storage.write({ [KEY]: { count: 7 } });
      assert.equal((await readOne(new FileStorage({ dir: temp.path }))).count, 7);
    });
  });

  describe('writing with eTags', () => {
    it('writes an item with the eTag it was read with and gives it a new eTag', async () => {
      await storage.write({ [KEY]: { count: 1 } });
      const read = await readOne(storage);
      await storage.write({ [KEY]: { ...read, count: 2 } });
      const after = await readOne(storage);
      assert.equal(after.count, 2);
      assert.notEqual(after.eTag, read.eTag);
    });

    it('throws RECORD_CONFLICT for a stale eTag and keeps the newer item', async () => {
      await storage.write({ [KEY]: { count: 1 } });
      const stale = await readOne(storage);
      await storage.write({ [KEY]: { ...stale, count: 2 } });
      await expectAppError(storage.write({ [KEY]: { ...stale, count: 3 } }), 'RECORD_CONFLICT');
      assert.equal((await readOne(storage)).count, 2);
    });

    it('overwrites whatever is stored when the eTag is "*" or missing', async () => {
      await storage.write({ [KEY]: { count: 1 } });
      await storage.write({ [KEY]: { count: 2, eTag: '*' } });
      assert.equal((await readOne(storage)).count, 2);
      await storage.write({ [KEY]: { count: 3 } });
      assert.equal((await readOne(storage)).count, 3);
    });

    it('writes a new item whatever eTag it carries, like MemoryStorage', async () => {
      await storage.write({ [KEY]: { count: 1, eTag: '"from-elsewhere"' } });
      assert.equal((await readOne(storage)).count, 1);
    });

    it('lets exactly one of two concurrent writes with one read eTag win', async () => {
      await storage.write({ [KEY]: { count: 1 } });
      const read = await readOne(storage);
      const results = await Promise.allSettled([
        storage.write({ [KEY]: { ...read, count: 10 } }),
        storage.write({ [KEY]: { ...read, count: 20 } }),
      ]);
      const winners = results.flatMap((result, index) => (result.status === 'fulfilled' ? [index] : []));
      assert.equal(winners.length, 1);
      const loser = results.find((result) => result.status === 'rejected');
      assert.ok(loser?.status === 'rejected' && isAppError(loser.reason, 'RECORD_CONFLICT'));
      assert.equal((await readOne(storage)).count, winners[0] === 0 ? 10 : 20);
    });

    it('stores one whole item when many "*" writes race', async () => {
      await Promise.all(Array.from({ length: 10 }, (_, count) => storage.write({ [KEY]: { count, eTag: '*' } })));
      const count = (await readOne(storage)).count as number;
      assert.ok(Number.isInteger(count) && count >= 0 && count < 10);
    });
  });

  describe('deleting', () => {
    it('deletes stored keys and ignores missing ones', async () => {
      await storage.write({ [KEY]: { count: 1 }, other: { count: 2 } });
      await storage.delete([KEY, 'missing']);
      assert.deepEqual(Object.keys(await storage.read([KEY, 'other'])), ['other']);
    });
  });

  describe('files', () => {
    it('names each file by a hash of its key, so any key is a safe file name', async () => {
      await storage.write({ [KEY]: { count: 1 }, '../../etc/passwd': { count: 2 }, CON: { count: 3 } });
      const names = await readdir(temp.path);
      assert.equal(names.length, 3);
      for (const name of names) assert.match(name, /^[0-9a-f]{64}\.json$/);
    });

    it('keeps the original key in the file and no eTag inside the item', async () => {
      await storage.write({ [KEY]: { count: 1, eTag: '*' } });
      const [name] = await readdir(temp.path);
      const onDisk = JSON.parse(await readFile(join(temp.path, name), 'utf8')) as { value: { key: string; item: StoreItem } };
      assert.deepEqual(onDisk.value, { key: KEY, item: { count: 1 } });
    });
  });

  describe('after a power loss', () => {
    // Conversation state is written without fsync (issue 22); only a power loss can leave a file empty or torn.
    it('reads a state file a power loss left empty or torn as no state, so the conversation starts over', async () => {
      await storage.write({ [KEY]: { count: 1 }, other: { count: 2 } });
      const [first, second] = await readdir(temp.path);
      await writeFile(join(temp.path, first), '');
      await writeFile(join(temp.path, second), '{"writeId":"x","value":{"key":"');
      assert.deepEqual(await storage.read([KEY, 'other']), {});
      await storage.write({ [KEY]: { count: 3 } });
      assert.equal((await readOne(storage)).count, 3);
    });

    it('still refuses a torn record in a store that syncs its writes (closure requests, locks)', async () => {
      const records = new FileRecordStore<{ n: number }>({ dir: temp.path });
      await records.create('r1', { n: 1 });
      await writeFile(join(temp.path, 'r1.json'), '{"writeId":');
      await expectAppError(records.get('r1'), 'RECORD_UNREADABLE');
    });
  });

  describe('as botbuilder conversation state', () => {
    it('keeps conversation state across turns and across instances on one directory', async () => {
      const counts: number[] = [];
      const createBot = (state: ConversationState) => {
        const countProperty = state.createProperty<number>('count');
        return async (context: TurnContext) => {
          const count = (await countProperty.get(context, 0)) + 1;
          await countProperty.set(context, count);
          counts.push(count);
          await state.saveChanges(context);
        };
      };
      await new TestAdapter(createBot(new ConversationState(storage))).send('one').send('two').startTest();
      await new TestAdapter(createBot(new ConversationState(new FileStorage({ dir: temp.path })))).send('three').startTest();
      assert.deepEqual(counts, [1, 2, 3]);
    });
  });
});
