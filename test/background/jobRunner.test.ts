import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JobRunner, recordJob, sweepJob, type BackgroundJob } from '../../services/background/jobRunner';
import { Quarantine, type QuarantineEntry } from '../../services/background/quarantine';
import { AppError } from '../../services/errors';
import type { RecordStore } from '../../services/recordStore';
import { createStores } from '../../adapters/storage/createStores';
import { createRecordingLogger, createTempDir, type TempDir } from '../storage/storageTestSupport';

interface Item {
  readonly due: boolean;
}

const NOW = new Date('2026-06-01T00:00:00.000Z');

describe('JobRunner (one way to run background work)', () => {
  let temp: TempDir;
  let items: RecordStore<Item>;
  let quarantine: Quarantine;
  let log: ReturnType<typeof createRecordingLogger>;
  beforeEach(async () => {
    temp = await createTempDir();
    const stores = createStores({ kind: 'file', dir: temp.path });
    items = stores.records<Item>('items');
    quarantine = new Quarantine(stores.records<QuarantineEntry>('quarantine'));
    log = createRecordingLogger();
  });
  afterEach(async () => {
    await temp.remove();
  });

  const createRunner = (jobs: BackgroundJob[], maxRecordFailures = 3) =>
    new JobRunner({ jobs, quarantine, clock: () => NOW, logger: log.logger, maxRecordFailures });

  const itemJob = (handle: (id: string) => Promise<boolean>, name = 'items') =>
    recordJob<Item>({ name, everyMs: 60_000, kind: 'items', records: items, isDue: (item) => item.due, handle });

  describe('a record that cannot be read', () => {
    it('is logged with its id, set aside, and skipped by every later pass, while the pass goes on with the rest', async () => {
      for (const id of ['a', 'b', 'c']) await items.create(id, { due: true });
      // What a crash mid-write on a file system without atomic rename, or a hand edit, leaves: truncated JSON.
      await writeFile(join(temp.path, 'items', 'b.json'), '{"writeId":"x","value":{"du');
      const handled: string[] = [];
      const runner = createRunner([itemJob(async (id) => (handled.push(id), true))]);

      const first = await runner.runOnce('items');
      assert.deepEqual(handled.sort(), ['a', 'c']);
      assert.deepEqual(
        { done: first.done, quarantined: first.quarantined, passError: first.passError },
        { done: 2, quarantined: 1, passError: undefined },
      );
      assert.deepEqual(
        (await quarantine.list()).map(({ kind, recordId, job, reason }) => ({ kind, recordId, job, reason })),
        [{ kind: 'items', recordId: 'b', job: 'items', reason: 'RECORD_UNREADABLE' }],
      );
      const line = log.records.find((record) => record.message.includes('set aside'));
      assert.deepEqual(
        line?.fields,
        { job: 'items', kind: 'items', recordId: 'b', reason: 'RECORD_UNREADABLE' },
        'ids and a code, nothing of the record',
      );

      handled.length = 0;
      const second = await runner.runOnce('items');
      assert.deepEqual(handled.sort(), ['a', 'c']);
      assert.equal(second.skipped, 1);
      assert.equal(second.quarantined, 0);

      assert.equal(await quarantine.release('items', 'b'), true, 'an operator releases it once mended');
      await items.delete('b');
      await items.create('b', { due: true });
      handled.length = 0;
      await runner.runOnce('items');
      assert.deepEqual(handled.sort(), ['a', 'b', 'c']);
    });
  });

  describe('a record whose handling fails', () => {
    it('is tried again on the next passes and set aside after failing that many passes in a row', async () => {
      for (const id of ['good', 'bad']) await items.create(id, { due: true });
      const runner = createRunner([
        itemJob(async (id) => {
          if (id === 'bad') throw new TypeError('a bug that only this record reaches');
          return true;
        }),
      ]);
      for (let pass = 1; pass <= 2; pass++) {
        const report = await runner.runOnce('items');
        assert.deepEqual([report.done, report.failed, report.quarantined], [1, 1, 0], `pass ${pass}`);
      }
      assert.equal(runner.health()[0].failingRecords, 1);
      const third = await runner.runOnce('items');
      assert.deepEqual([third.done, third.failed, third.quarantined], [1, 1, 1]);
      assert.deepEqual(
        (await quarantine.list()).map((entry) => [entry.recordId, entry.reason, entry.failures]),
        [['bad', 'error', 3]],
      );
      assert.equal((await runner.runOnce('items')).skipped, 1);
    });

    it('is never set aside for a service that does not answer (the record is not at fault)', async () => {
      await items.create('waiting', { due: true });
      const runner = createRunner([
        itemJob(async () => {
          throw new AppError('DIRECTORY_UNAVAILABLE', 'Graph answered 503 after 4 attempts');
        }),
      ]);
      for (let pass = 0; pass < 5; pass++) assert.equal((await runner.runOnce('items')).failed, 1);
      assert.deepEqual(await quarantine.list(), []);
    });

    it('ends the pass when the store itself does not answer, and sets nothing aside', async () => {
      for (const id of ['a', 'b', 'c']) await items.create(id, { due: true });
      let calls = 0;
      const runner = createRunner([
        itemJob(async () => {
          calls += 1;
          throw new AppError('STORAGE_UNAVAILABLE', 'blob storage answered 503');
        }),
      ]);
      const report = await runner.runOnce('items');
      assert.equal(calls, 1, 'the rest would fail the same way');
      assert.equal(report.passError, 'STORAGE_UNAVAILABLE');
      assert.deepEqual(await quarantine.list(), []);
      assert.equal(runner.health()[0].failedInARow, 1);
    });
  });

  describe('jobs', () => {
    it('keep their own accounting: one job failing every pass never stops another', async () => {
      await items.create('a', { due: true });
      const broken: RecordStore<Item> = {
        ...items,
        scan: () => {
          throw new AppError('STORAGE_UNAVAILABLE', 'listing failed');
        },
      };
      let swept = 0;
      const runner = createRunner([
        recordJob<Item>({ name: 'broken', everyMs: 1_000, kind: 'items', records: broken, isDue: () => true, handle: async () => true }),
        itemJob(async () => true, 'working'),
        sweepJob({ name: 'sweep', everyMs: 1_000, sweep: async () => (swept += 1) }),
      ]);
      const reports = await Promise.all([runner.runOnce('broken'), runner.runOnce('working'), runner.runOnce('sweep')]);
      assert.deepEqual(
        reports.map((report) => [report.job, report.done, report.passError]),
        [
          ['broken', 0, 'STORAGE_UNAVAILABLE'],
          ['working', 1, undefined],
          ['sweep', 1, undefined],
        ],
      );
      assert.deepEqual(
        runner.health().map((health) => [health.name, health.passes, health.failedPasses]),
        [
          ['broken', 1, 1],
          ['working', 1, 0],
          ['sweep', 1, 0],
        ],
      );
    });

    it('never overlap themselves: a second call while a pass runs gets that pass', async () => {
      await items.create('a', { due: true });
      let release!: () => void;
      let calls = 0;
      const runner = createRunner([
        itemJob(async () => {
          calls += 1;
          await new Promise<void>((resolve) => (release = resolve));
          return true;
        }),
      ]);
      const first = runner.runOnce('items');
      const second = runner.runOnce('items');
      while (calls === 0) await new Promise((resolve) => setImmediate(resolve));
      release();
      assert.equal(await first, await second);
      assert.equal(calls, 1);
    });
  });
});
