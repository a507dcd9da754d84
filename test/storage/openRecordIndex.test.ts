import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { RecordStore } from '../../services/recordStore';
import { MARK_GRACE_MS, OpenRecordIndex, type OpenMark } from '../../services/openRecordIndex';
import { createStores } from '../../adapters/storage/createStores';
import { isOpenClosureRequest } from '../../services/openRecords';
import type { ClosureRequest } from '../../services/closureRequest';
import { azuriteAccount, type RunningAzurite } from '../support/azurite';
import { createFreshContainer, createRecordingLogger, createTempDir, type TempDir } from './storageTestSupport';

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
    scan: (pageSize?: number) => {
      counted.lists += 1;
      return inner.scan(pageSize);
    },
    delete: (id: string, etag?: string) => inner.delete(id, etag),
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
    assert.deepEqual(
      (await store.list()).map((r) => r.id),
      ['open-1'],
    );
    now += MARK_GRACE_MS;
    await store.list();
    records.gets = 0;
    assert.deepEqual(
      (await store.list()).map((r) => r.id),
      ['open-1'],
    );
    assert.equal(records.lists, 0, 'no walk over every record');
    assert.equal(records.gets, 1, 'one read per open record, once the closed one’s mark is past its grace');
  });

  it('marks a record once while it stays open: later writes read the mark instead of failing to create it', async () => {
    let creates = 0;
    const countedMarks = {
      ...marks,
      get: marks.get.bind(marks),
      list: marks.list.bind(marks),
      scan: marks.scan.bind(marks),
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
    now += MARK_GRACE_MS;
    assert.deepEqual(await index.list(), [], 'the closed record’s mark is dropped past its grace');
    await index.replace('open-1', { status: 'open', changedAt: new Date(T0).toISOString() }, etag);
    assert.equal(creates, 2, 'marked again when it opens again');
    assert.deepEqual(
      (await index.list()).map((r) => r.id),
      ['open-1'],
    );
  });

  it('marks a record of a kind that never reopens once, at creation, reads no mark before its writes, and removes it when it closes', async () => {
    const marked = counting(marks);
    const index = new OpenRecordIndex<Item>({
      records,
      index: marked,
      isOpen: (item) => item.status === 'open',
      changedAt: (item) => item.changedAt,
      keepClosedMs: 30 * DAY_MS,
      reopens: false,
      clock: () => new Date(now),
      logger: createRecordingLogger().logger,
    });
    let etag = await index.create('request-1', { status: 'open', changedAt: new Date(T0).toISOString() });
    await index.create('request-2', { status: 'open', changedAt: new Date(T0).toISOString() });
    assert.ok(await marks.get('request-1'), 'marked before it was created');
    for (let i = 0; i < 3; i++)
      etag = await index.replace('request-1', { status: 'open', changedAt: new Date(T0 + i).toISOString() }, etag);
    assert.equal(marked.gets, 0, 'no mark read before a write');
    await index.replace('request-1', { status: 'done', changedAt: new Date(T0).toISOString() }, etag);
    assert.equal(await marks.get('request-1'), undefined, 'its mark removed with the write that closed it');
    assert.deepEqual(
      (await index.list()).map((r) => r.id),
      ['request-2'],
    );
  });

  it('keeps a closing write of a kind that never reopens when its mark cannot be removed (a walk drops it later)', async () => {
    const recording = createRecordingLogger();
    const index = new OpenRecordIndex<Item>({
      records,
      index: {
        ...marks,
        get: marks.get.bind(marks),
        create: marks.create.bind(marks),
        delete: () => Promise.reject(new Error('storage blip')),
      },
      isOpen: (item) => item.status === 'open',
      changedAt: (item) => item.changedAt,
      keepClosedMs: 30 * DAY_MS,
      reopens: false,
      clock: () => new Date(now),
      logger: recording.logger,
    });
    const etag = await index.create('request-1', { status: 'open', changedAt: new Date(T0).toISOString() });
    await index.replace('request-1', { status: 'done', changedAt: new Date(T0).toISOString() }, etag);
    assert.equal((await records.get('request-1'))?.value.status, 'done');
    assert.ok(await marks.get('request-1'), 'the stale mark stays');
    assert.ok(recording.records.some((r) => r.message === 'the mark of a closed record stays for a walk to drop'));
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
    await marks.create('closed-behind-its-back', { markedAt: new Date(now).toISOString() });
    await marks.create('gone', {});
    assert.deepEqual(await store.list(), []);
    assert.deepEqual(
      (await marks.list()).map((m) => m.id),
      ['closed-behind-its-back'],
      'a mark written without a time is old; a fresh one waits for its grace',
    );
    now += MARK_GRACE_MS;
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

/** A pause a test opens and closes: `wait()` blocks until `release()`; `reached` resolves once something waits. */
function createGate(): { wait(): Promise<void>; release(): void; reached: Promise<void> } {
  let release!: () => void;
  let arrive!: () => void;
  const opened = new Promise<void>((resolve) => (release = resolve));
  const reached = new Promise<void>((resolve) => (arrive = resolve));
  return {
    wait: () => {
      arrive();
      return opened;
    },
    release: () => release(),
    reached,
  };
}

/** The store with a gate in front of one call, armed for the next call only. */
function gated<T>(inner: RecordStore<T>, call: 'create' | 'replace' | 'delete'): RecordStore<T> & { arm(): ReturnType<typeof createGate> } {
  let gate: ReturnType<typeof createGate> | undefined;
  const pass = async () => {
    const armed = gate;
    gate = undefined;
    if (armed) await armed.wait();
  };
  return {
    get: (id) => inner.get(id),
    list: () => inner.list(),
    scan: (pageSize) => inner.scan(pageSize),
    create: async (id, value) => (call === 'create' && (await pass()), inner.create(id, value)),
    replace: async (id, value, etag) => (call === 'replace' && (await pass()), inner.replace(id, value, etag)),
    delete: async (id, etag) => (call === 'delete' && (await pass()), inner.delete(id, etag)),
    arm: () => (gate = createGate()),
  };
}

function indexRaceScenarios(createStores_: () => { records: RecordStore<Item>; marks: RecordStore<OpenMark> }): void {
  let now: number;
  const build = (records: RecordStore<Item>, marks: RecordStore<OpenMark>, reopens = true) =>
    new OpenRecordIndex<Item>({
      records,
      index: marks,
      reopens,
      isOpen: (item) => item.status === 'open',
      changedAt: (item) => item.changedAt,
      keepClosedMs: 30 * DAY_MS,
      clock: () => new Date(now),
      logger: createRecordingLogger().logger,
    });
  const open = (): Item => ({ status: 'open', changedAt: new Date(now).toISOString() });
  const done = (): Item => ({ status: 'done', changedAt: new Date(now).toISOString() });
  beforeEach(() => {
    now = T0;
  });

  for (const reopens of [true, false]) {
    it(`keeps the mark of a record being created while a pass lists (the mark is written, the record not yet)${reopens ? '' : ', for a kind that never reopens'}`, async () => {
      const { records, marks } = createStores_();
      const slowRecords = gated(records, 'create');
      const writer = build(slowRecords, marks, reopens);
      const pass = build(records, marks, reopens);
      await pass.list();
      const gate = slowRecords.arm();
      const creating = writer.create('new-one', open());
      await gate.reached;
      now += MARK_GRACE_MS / 2;
      assert.deepEqual(await pass.list(), [], 'not there yet');
      gate.release();
      await creating;
      assert.deepEqual(
        (await pass.list()).map((r) => r.id),
        ['new-one'],
        'found by the next pass',
      );
    });
  }

  it('keeps the mark of a record reopened while a pass drops its old mark (the pass deletes only the mark it read)', async () => {
    const { records, marks } = createStores_();
    const slowMarks = gated(marks, 'delete');
    const pass = build(records, slowMarks);
    const writer = build(records, marks);
    const etag = await writer.create('job', open());
    const closedEtag = await writer.replace('job', done(), etag);
    await pass.list();
    now += MARK_GRACE_MS;
    // The pass reads the old mark and the closed record, and is about to delete the mark...
    const gate = slowMarks.arm();
    const listing = pass.list();
    await gate.reached;
    // ...when the record is reopened (an export requested again): the writer renews the mark.
    await writer.replace('job', open(), closedEtag);
    gate.release();
    assert.deepEqual(await listing, []);
    assert.deepEqual(
      (await pass.list()).map((r) => r.id),
      ['job'],
      'the renewed mark survived the pass',
    );
  });
}

describe('OpenRecordIndex under a pass and a writer at the same moment', () => {
  describe('file storage', () => {
    let temp: TempDir;
    before(async () => {
      temp = await createTempDir();
    });
    after(async () => {
      await temp.remove();
    });
    let run = 0;
    indexRaceScenarios(() => {
      const stores = createStores({ kind: 'file', dir: join(temp.path, `run-${(run += 1)}`) });
      return { records: stores.records<Item>('items'), marks: stores.records<OpenMark>('itemsOpen') };
    });
  });

  describe('Blob storage on Azurite', () => {
    let azurite: RunningAzurite;
    before(async function () {
      this.timeout(30_000);
      azurite = await azuriteAccount();
    });
    after(async () => {
      await azurite?.stop();
    });
    indexRaceScenarios(() => {
      const stores = createStores({ kind: 'blob', containerClient: createFreshContainer(azurite.connectionString) });
      return { records: stores.records<Item>('items'), marks: stores.records<OpenMark>('itemsOpen') };
    });
  });
});
