import assert from 'node:assert/strict';
import type { RecordStore } from '../../services/recordStore';
import { OpenRecordIndex, RETENTION_SWEEP_EVERY_MS, type OpenMark } from '../../services/storage/openRecordIndex';
import { createStores } from '../../services/storage/createStores';
import { isOpenClosureRequest } from '../../services/storage/openRecords';
import type { ClosureRequest } from '../../services/closureRequest';
import { createRecordingLogger, createTempDir, type TempDir } from './storageTestSupport';

interface Item {
  readonly status: 'open' | 'done';
  readonly changedAt: string;
}

const DAY_MS = 86_400_000;
const T0 = Date.parse('2026-06-01T00:00:00.000Z');

/** A store that counts the calls the index makes on it. */
function counting<T>(inner: RecordStore<T>): RecordStore<T> & { gets: number; lists: number } {
  const counted = {
    gets: 0,
    lists: 0,
    get: (id: string) => {
      counted.gets += 1;
      return inner.get(id);
    },
    create: (id: string, value: T) => inner.create(id, value),
    replace: (id: string, value: T, etag: string) => inner.replace(id, value, etag),
    list: () => {
      counted.lists += 1;
      return inner.list();
    },
    delete: (id: string) => inner.delete(id),
  };
  return counted;
}

describe('OpenRecordIndex (the reconciler reads open records only)', () => {
  let temp: TempDir;
  let now: number;
  let records: ReturnType<typeof counting<Item>>;
  let marks: RecordStore<OpenMark>;
  let store: OpenRecordIndex<Item>;
  beforeEach(async () => {
    temp = await createTempDir();
    const stores = createStores({ kind: 'file', dir: temp.path });
    now = T0;
    records = counting(stores.records<Item>('items'));
    marks = stores.records<OpenMark>('itemsOpen');
    store = new OpenRecordIndex<Item>({
      records,
      index: marks,
      isOpen: (item) => item.status === 'open',
      changedAt: (item) => item.changedAt,
      keepClosedMs: 30 * DAY_MS,
      clock: () => new Date(now),
      logger: createRecordingLogger().logger,
    });
  });
  afterEach(async () => {
    await temp.remove();
  });

  it('lists only the open records, reading just those once the index is built', async () => {
    for (let i = 0; i < 50; i++) await store.create(`done-${i}`, { status: 'done', changedAt: new Date(T0).toISOString() });
    await store.create('open-1', { status: 'open', changedAt: new Date(T0).toISOString() });
    const etag = await store.create('open-2', { status: 'open', changedAt: new Date(T0).toISOString() });
    assert.deepEqual((await store.list()).map((r) => r.id).sort(), ['open-1', 'open-2']);

    records.gets = 0;
    records.lists = 0;
    await store.replace('open-2', { status: 'done', changedAt: new Date(T0).toISOString() }, etag);
    records.gets = 0;
    assert.deepEqual(
      (await store.list()).map((r) => r.id),
      ['open-1'],
    );
    assert.equal(records.lists, 0, 'no walk over every record');
    assert.equal(records.gets, 1, 'one read per open record');
  });

  it('marks a record once while it stays open: later writes read the mark instead of failing to create it', async () => {
    let creates = 0;
    const countedMarks = {
      ...marks,
      get: marks.get.bind(marks),
      list: marks.list.bind(marks),
      replace: marks.replace.bind(marks),
      delete: marks.delete.bind(marks),
      create: (id: string, value: OpenMark) => ((creates += 1), marks.create(id, value)),
    };
    const index = new OpenRecordIndex<Item>({
      records,
      index: countedMarks,
      isOpen: (item) => item.status === 'open',
      changedAt: (item) => item.changedAt,
      keepClosedMs: 30 * DAY_MS,
      clock: () => new Date(now),
      logger: createRecordingLogger().logger,
    });
    let etag = await index.create('open-1', { status: 'open', changedAt: new Date(T0).toISOString() });
    for (let i = 0; i < 3; i++) etag = await index.replace('open-1', { status: 'open', changedAt: new Date(T0 + i).toISOString() }, etag);
    assert.equal(creates, 1, 'one mark, made once');
    etag = await index.replace('open-1', { status: 'done', changedAt: new Date(T0).toISOString() }, etag);
    assert.deepEqual(await index.list(), []);
    await index.replace('open-1', { status: 'open', changedAt: new Date(T0).toISOString() }, etag);
    assert.equal(creates, 2, 'marked again when it opens again');
    assert.deepEqual(
      (await index.list()).map((r) => r.id),
      ['open-1'],
    );
  });

  it('finds open records written before the index existed, on its first list', async () => {
    await records.create('old-open', { status: 'open', changedAt: new Date(T0).toISOString() });
    await records.create('old-done', { status: 'done', changedAt: new Date(T0).toISOString() });
    assert.deepEqual(
      (await store.list()).map((r) => r.id),
      ['old-open'],
    );
    assert.deepEqual(
      (await marks.list()).map((m) => m.id),
      ['old-open'],
    );
  });

  it('drops a stale mark a crash left behind (record closed or gone)', async () => {
    await store.list();
    await records.create('closed-behind-its-back', { status: 'done', changedAt: new Date(T0).toISOString() });
    await marks.create('closed-behind-its-back', {});
    await marks.create('gone', {});
    assert.deepEqual(await store.list(), []);
    assert.deepEqual(await marks.list(), []);
  });

  it('deletes closed records past their retention, daily, and keeps open and younger ones', async () => {
    await store.create('old-done', { status: 'done', changedAt: new Date(T0 - 31 * DAY_MS).toISOString() });
    await store.create('young-done', { status: 'done', changedAt: new Date(T0 - 29 * DAY_MS).toISOString() });
    await store.create('old-open', { status: 'open', changedAt: new Date(T0 - 90 * DAY_MS).toISOString() });
    assert.equal(await store.sweepClosed(), 1);
    assert.equal(await store.get('old-done'), undefined);
    now += 2 * DAY_MS;
    assert.equal(await store.sweepClosed(), 1, 'the next day young-done is past 30 days too');
    assert.equal(await store.sweepClosed(), 0, 'and the sweep waits a day before walking again');
    now += RETENTION_SWEEP_EVERY_MS;
    assert.equal(await store.sweepClosed(), 0);
    assert.ok(await store.get('old-open'));
  });
});

describe('isOpenClosureRequest', () => {
  const request = (fields: Partial<ClosureRequest>) => ({ status: 'pending', ...fields }) as ClosureRequest;

  it('keeps a request open while it can move or is not settled yet, and closed once settled', () => {
    for (const status of ['pending', 'confirmed', 'closing'] as const)
      assert.equal(isOpenClosureRequest(request({ status })), true, status);
    for (const status of ['closed', 'handedOff', 'failed', 'cancelled', 'expired'] as const) {
      assert.equal(isOpenClosureRequest(request({ status })), true, `${status}, not settled yet`);
      assert.equal(isOpenClosureRequest(request({ status, outcomeNotified: true })), false, `${status}, settled`);
    }
  });
});
