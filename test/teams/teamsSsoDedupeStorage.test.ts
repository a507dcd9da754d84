import { strict as assert } from 'node:assert';
import { TeamsSsoDedupeStorage, type TokenExchangeMark } from '../../bot/teams/ssoDedupeStorage';
import { AppError } from '../../services/errors';
import type { RecordStore } from '../../services/recordStore';
import { MemoryRecordStore } from '../../adapters/storage/memoryRecordStore';

const KEY = 'msteams/a:1conversation/exchange-id-1';

function createStorage(
  records: RecordStore<TokenExchangeMark> = new MemoryRecordStore<TokenExchangeMark>(),
  clock = () => new Date('2025-03-01T10:00:00Z'),
) {
  return new TeamsSsoDedupeStorage({ records, clock, keepMs: 60 * 60_000 });
}

function createFailingRecords(): RecordStore<TokenExchangeMark> {
  const unavailable = async (): Promise<never> => {
    throw new AppError('STORAGE_UNAVAILABLE', 'blob storage did not answer');
  };
  return {
    get: unavailable,
    create: unavailable,
    replace: unavailable,
    list: unavailable,
    // A walk that fails before its first page, as a store that is down does.
    scan: async function* () {
      yield await unavailable();
    },
    delete: unavailable,
  };
}

describe('TeamsSsoDedupeStorage', () => {
  describe('sweep', () => {
    it('drops marks older than an hour and keeps younger ones', async () => {
      const records = new MemoryRecordStore<TokenExchangeMark>();
      let now = new Date('2025-03-01T10:00:00Z');
      const storage = createStorage(records, () => now);
      await storage.write({ [KEY]: { eTag: 'old' } });
      now = new Date('2025-03-01T10:30:00Z');
      await storage.write({ [`${KEY}-2`]: { eTag: 'young' } });
      now = new Date('2025-03-01T11:00:00Z');
      assert.equal(await storage.sweep(), 1);
      assert.equal((await records.list()).length, 1);
      await storage.write({ [KEY]: { eTag: 'old' } });
    });

    it('walks the marks a page at a time (scan), never all at once (list), and leaves a mark it cannot read', async () => {
      const records = new MemoryRecordStore<TokenExchangeMark>();
      let now = new Date('2025-03-01T10:00:00Z');
      const storage = createStorage(
        Object.assign(Object.create(records) as RecordStore<TokenExchangeMark>, {
          list: () => Promise.reject(new Error('the sweep must not load every mark at once')),
          scan: async function* () {
            yield [{ id: 'unreadable', unreadable: new AppError('RECORD_UNREADABLE', 'not JSON') }];
            yield* records.scan(2);
          },
        }),
        () => now,
      );
      for (let i = 0; i < 5; i++) await storage.write({ [`${KEY}-${i}`]: { eTag: 'old' } });
      now = new Date('2025-03-01T11:00:00Z');
      assert.equal(await storage.sweep(), 5);
      assert.deepEqual(await records.list(), []);
    });
  });

  describe('the write TeamsSSOTokenExchangeMiddleware makes per exchange id', () => {
    it('accepts the first write of a key whatever eTag it carries', async () => {
      await createStorage().write({ [KEY]: { eTag: 'exchange-id-1' } });
    });

    it('refuses a second write of the same key with the "eTag conflict" wording the middleware recognises', async () => {
      const storage = createStorage();
      await storage.write({ [KEY]: { eTag: 'exchange-id-1' } });
      await assert.rejects(storage.write({ [KEY]: { eTag: 'exchange-id-1' } }), /Storage: error writing ".*" due to eTag conflict\./);
    });

    it('lets exactly one of many concurrent writers of a key win', async () => {
      const storage = createStorage();
      const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => storage.write({ [KEY]: { eTag: 'exchange-id-1' } })));
      assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
    });

    it('keeps different exchange ids apart', async () => {
      const storage = createStorage();
      await storage.write({ [KEY]: { eTag: 'exchange-id-1' } });
      await storage.write({ [`${KEY}-other`]: { eTag: 'exchange-id-2' } });
    });

    it('passes a storage failure on as it is, so the turn fails rather than dropping the sign-in silently', async () => {
      await assert.rejects(
        createStorage(createFailingRecords()).write({ [KEY]: { eTag: 'x' } }),
        (error: unknown) => error instanceof AppError && error.code === 'STORAGE_UNAVAILABLE',
      );
    });
  });

  describe('what it keeps', () => {
    it('stores only when the id was seen, under a hashed record id', async () => {
      const records = new MemoryRecordStore<TokenExchangeMark>();
      await createStorage(records).write({ [KEY]: { eTag: 'exchange-id-1', token: 'never-kept' } });
      const stored = await records.list();
      assert.equal(stored.length, 1);
      assert.match(stored[0].id, /^[0-9a-f]{64}$/);
      assert.deepEqual(stored[0].value, { seenAt: '2025-03-01T10:00:00.000Z' });
    });

    it('reads nothing back and deletes what it wrote', async () => {
      const records = new MemoryRecordStore<TokenExchangeMark>();
      const storage = createStorage(records);
      await storage.write({ [KEY]: {} });
      assert.deepEqual(await storage.read([KEY]), {});
      await storage.delete([KEY]);
      assert.deepEqual(await records.list(), []);
    });
  });
});
