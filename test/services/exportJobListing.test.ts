import { strict as assert } from 'node:assert';
import { MemoryRecordStore } from '../../adapters/storage/memoryRecordStore';
import { ClosureAccounts, type ClosureAccount } from '../../services/closure/closureAccounts';
import { accountKey } from '../../services/closureRequest';
import type { DataExporter, ExportStatus } from '../../services/dataExporter';
import { AppError } from '../../services/errors';
import { ExportService, type ExportJob } from '../../services/exportService';
import { ListedOnAccounts } from '../../services/listedOnAccounts';
import { createLogger, silentLogger, type LogRecord } from '../../services/logger';
import type { RecordStore } from '../../services/recordStore';

/**
 * The account's record lists its export jobs (issue 22), so an export offer or a closure of an account that never
 * asked for one reads no export job: the job is listed before it is created, "none" is written only by a turn that
 * looked after reading the record, and a record written before this (no `exportJob`) still gets the look-up.
 */
const NOW = new Date('2026-12-07T10:00:00Z');
const KIM = {
  objectId: '22222222-0000-4000-8000-000000000001',
  tenantId: '11111111-0000-4000-8000-000000000001',
  upn: 'kim@tailspin.example',
  displayName: 'Kim',
  organizationName: 'Tailspin',
};
const KEY = accountKey(KIM);
const CHAT = { conversation: { id: 'conv-1' }, user: { id: 'user-1' } };
const who = { channelUserId: 'user-1', conversation: CHAT };
/** The deployment's mark of the export jobs' walk. */
const EVERY_JOB_LISTED = 'exportJobs';

/** A record store that counts reads, and whose `create` of a job can fail as a crash or an outage would. */
function countingJobs(): RecordStore<ExportJob> & { reads: number; failCreate: boolean } {
  const inner = new MemoryRecordStore<ExportJob>();
  const store = {
    reads: 0,
    failCreate: false,
    get: (id: string) => {
      store.reads += 1;
      return inner.get(id);
    },
    list: () => inner.list(),
    scan: (pageSize?: number) => inner.scan(pageSize),
    delete: (id: string, etag?: string) => inner.delete(id, etag),
    create: async (id: string, value: ExportJob) => {
      if (store.failCreate) throw new AppError('STORAGE_UNAVAILABLE', 'the instance died here');
      return inner.create(id, value);
    },
    replace: (id: string, value: ExportJob, etag: string) => inner.replace(id, value, etag),
  };
  return store;
}

function createFixture() {
  const accountStore = new MemoryRecordStore<ClosureAccount>();
  const accounts = new ClosureAccounts(accountStore, () => NOW);
  const jobs = countingJobs();
  const marks = new MemoryRecordStore<{ listedAt: string }>();
  const logs: LogRecord[] = [];
  const jobsListed = new ListedOnAccounts<ExportJob>({
    name: EVERY_JOB_LISTED,
    records: jobs,
    // As services/createServices.ts lists them.
    listOne: async (_id, job) => {
      if (typeof job.objectId !== 'string') return false;
      await accounts.listExportJob(job);
      return true;
    },
    marks,
    clock: () => NOW,
    logger: createLogger('exportJobListing', (record) => logs.push(record), 'debug'),
  });
  const exportStatus: { now: ExportStatus } = { now: { kind: 'running' } };
  const exporter: DataExporter = {
    start: async () => ({ operationUrl: 'https://graph.test/v1.0/dataPolicyOperations/op-1', tenantId: KIM.tenantId }),
    status: async () => exportStatus.now,
  };
  const audit = { append: async () => undefined, readAll: async () => [] };
  const exports = new ExportService({
    jobs,
    listing: accounts,
    everyJobListed: () => jobsListed.check(),
    exporter,
    audit,
    clock: () => NOW,
    logger: silentLogger,
  });
  return { accountStore, accounts, jobs, marks, logs, jobsListed, exports, exportStatus };
}

/** The export offer's listing and look-up, as the dialog makes them (dialogs/closeAccountDialog.ts). */
async function offer(fixture: ReturnType<typeof createFixture>) {
  const registration = await fixture.accounts.registerFlow(KIM, CHAT, 'conv-1', (recorded) => fixture.exports.exists(KIM, recorded));
  if (registration === 'registered') await fixture.exports.find(KIM);
  return registration;
}

describe("an account's export jobs, listed on its record", () => {
  it('an account that never asked for an export: no job read at its offers or its closure', async () => {
    const fixture = createFixture();
    assert.equal(await offer(fixture), 'registeredWithoutExportJob');
    assert.equal(fixture.jobs.reads, 0, 'no record, and every job is listed: none to look for');
    assert.ok(await fixture.marks.get(EVERY_JOB_LISTED), 'the first asker walked the (empty) jobs and wrote the mark');
    assert.equal((await fixture.accountStore.get(KEY))?.value.exportJob, false);
    assert.equal(await offer(fixture), 'registeredWithoutExportJob');
    await fixture.exports.forget(KIM);
    assert.equal(fixture.jobs.reads, 0, 'the next offer and the closure read no job');
  });

  it('lists a job on the account before creating it, so the closure finds and deletes it', async () => {
    const fixture = createFixture();
    await offer(fixture);
    await fixture.exports.request(KIM, who);
    assert.equal((await fixture.accountStore.get(KEY))?.value.exportJob, true);
    assert.equal(await offer(fixture), 'registered', 'the offer looks the job up again');
    await fixture.exports.forget(KIM);
    assert.equal(await fixture.exports.find(KIM), undefined);
  });

  it('a crash between the listing and the job leaves a listed job that does not exist: looked up, nothing found', async () => {
    const fixture = createFixture();
    await offer(fixture);
    fixture.jobs.failCreate = true;
    await assert.rejects(fixture.exports.request(KIM, who), /the instance died here/);
    assert.equal((await fixture.accountStore.get(KEY))?.value.exportJob, true, 'listed before the create was tried');
    const reads = fixture.jobs.reads;
    assert.equal(await offer(fixture), 'registered');
    await fixture.exports.forget(KIM);
    assert.equal(fixture.jobs.reads, reads + 2, 'the offer and the closure both look, and find nothing');
    assert.equal(await fixture.exports.find(KIM), undefined);
  });

  it('honours a record written before the listing: no field, so the job (made by the previous version) is looked up and deleted', async () => {
    const fixture = createFixture();
    // As the previous version left them: the account's record without `exportJob`, and a job it never listed.
    await fixture.accountStore.create(KEY, { state: 'open', requests: [], flows: [CHAT], updatedAt: NOW.toISOString() });
    const previous = new ExportService({ ...exportOptionsOf(fixture), listing: undefined });
    await previous.request(KIM, who);
    assert.equal((await fixture.accountStore.get(KEY))?.value.exportJob, undefined);
    assert.equal(await fixture.accounts.mayHaveExportJob(KIM), true);
    await fixture.exports.forget(KIM);
    assert.equal(await fixture.exports.find(KIM), undefined, 'the closure found the unlisted job and deleted it');
  });

  it('a legacy record is stamped by the offer from what its look-up found', async () => {
    const fixture = createFixture();
    await fixture.accountStore.create(KEY, { state: 'open', requests: [], updatedAt: NOW.toISOString() });
    const previous = new ExportService({ ...exportOptionsOf(fixture), listing: undefined });
    await previous.request(KIM, who);
    assert.equal(await offer(fixture), 'registered');
    assert.equal((await fixture.accountStore.get(KEY))?.value.exportJob, true);
  });

  it('a job listed by another instance between the offer\'s read and its write is never overwritten with "none"', async () => {
    const fixture = createFixture();
    let listedMeanwhile = false;
    const registration = await fixture.accounts.registerFlow(KIM, CHAT, 'conv-1', async () => {
      // Another instance lists (and then creates) a job while this offer looks: this offer's write must lose.
      assert.equal(listedMeanwhile, false, 'the retry reads the listing and looks no more');
      listedMeanwhile = true;
      await fixture.exports.request(KIM, who);
      return false;
    });
    assert.equal(registration, 'registered');
    assert.equal((await fixture.accountStore.get(KEY))?.value.exportJob, true);
    await fixture.exports.forget(KIM);
    assert.equal(await fixture.exports.find(KIM), undefined);
  });

  it('a job the closure could not see (asked on a previous-version instance after "none") is forgotten when it finishes, not told', async () => {
    const fixture = createFixture();
    await offer(fixture);
    // During a rolling deploy: the offer ran here, the press on an instance that does not list jobs.
    await new ExportService({ ...exportOptionsOf(fixture), listing: undefined }).request(KIM, who);
    await fixture.accounts.markClosed(KIM, 'cr_1');
    await fixture.exports.forget(KIM);
    assert.ok(await fixture.exports.find(KIM), 'the closure read "no export job" and did not look');
    fixture.exportStatus.now = { kind: 'ready', files: [], expiresAt: new Date('2026-12-10T10:00:00Z') };
    assert.deepEqual(await fixture.exports.poll(), [], 'nothing told to a closed account');
    assert.equal(await fixture.exports.find(KIM), undefined, 'nothing left that names its conversation');
  });

  it('tells a finished job of an account that is not closed, as before', async () => {
    const fixture = createFixture();
    await offer(fixture);
    await fixture.exports.request(KIM, who);
    fixture.exportStatus.now = { kind: 'ready', files: [], expiresAt: new Date('2026-12-10T10:00:00Z') };
    assert.equal((await fixture.exports.poll()).length, 1);
  });

  it('a closed account keeps its listing: the closure of its record never drops it', async () => {
    const fixture = createFixture();
    await offer(fixture);
    await fixture.exports.request(KIM, who);
    await fixture.accounts.markClosed(KIM, 'cr_1');
    await fixture.accounts.takeFlows(KIM);
    assert.equal(await fixture.accounts.mayHaveExportJob(KIM), true);
  });

  describe('jobs older than the listing (no account record: before issue 19)', () => {
    /** A job as a version before account records left it: no record of its account at all. */
    async function unlistedJob(fixture: ReturnType<typeof createFixture>) {
      await new ExportService({ ...exportOptionsOf(fixture), listing: undefined }).request(KIM, who);
      assert.equal(await fixture.accountStore.get(KEY), undefined);
    }

    it('are listed on their accounts by the walk before the mark is written, so the offer and the closure find them', async () => {
      const fixture = createFixture();
      await unlistedJob(fixture);
      assert.equal(await fixture.jobsListed.check(), true);
      assert.equal((await fixture.accountStore.get(KEY))?.value.exportJob, true);
      assert.equal(await offer(fixture), 'registered');
      await fixture.exports.forget(KIM);
      assert.equal(await fixture.exports.find(KIM), undefined);
    });

    it('keep accounts without a record looked up while a job cannot be read: no mark', async () => {
      const fixture = createFixture();
      await unlistedJob(fixture);
      const jobs = fixture.jobs as unknown as { scan: RecordStore<ExportJob>['scan'] };
      jobs.scan = async function* () {
        yield [{ id: 'torn', unreadable: new AppError('RECORD_UNREADABLE', 'not JSON') }];
      };
      assert.equal(await fixture.jobsListed.check(), false);
      assert.equal(await fixture.marks.get(EVERY_JOB_LISTED), undefined);
      assert.ok(fixture.logs.some((record) => record.fields?.unlisted === 1));
      assert.equal(await offer(fixture), 'registered', 'looked up: the job is there');
    });

    it('are looked up when the walk fails, and the next asker walks again', async () => {
      const fixture = createFixture();
      await unlistedJob(fixture);
      const jobs = fixture.jobs as unknown as { scan: RecordStore<ExportJob>['scan'] };
      const scan = jobs.scan;
      jobs.scan = () => ({
        [Symbol.asyncIterator]: () => ({
          next: () => Promise.reject(new AppError('STORAGE_UNAVAILABLE', 'the listing failed')),
        }),
      });
      assert.equal(await offer(fixture), 'registered', 'the failed walk counts as "not known": looked up');
      jobs.scan = scan;
      assert.equal(await fixture.jobsListed.check(), true);
    });

    it('never hold a turn longer than the wait: a long walk goes on, the turn looks, a later turn gets the answer', async () => {
      const fixture = createFixture();
      await unlistedJob(fixture);
      const jobs = fixture.jobs as unknown as { scan: RecordStore<ExportJob>['scan'] };
      const scan = jobs.scan.bind(jobs);
      let release: () => void = () => undefined;
      const slow = new Promise<void>((resolve) => (release = resolve));
      jobs.scan = async function* (pageSize?: number) {
        await slow; // a deployment's many older jobs
        yield* scan(pageSize);
      };
      assert.equal(await fixture.jobsListed.check(20), false, 'not known within the wait: the turn looks');
      assert.equal(await offer(fixture), 'registered', 'looked up meanwhile: the job is there');
      release();
      assert.equal(await fixture.jobsListed.check(5_000), true, 'the same walk, finished');
      assert.equal((await fixture.accountStore.get(KEY))?.value.exportJob, true);
      assert.ok(await fixture.marks.get(EVERY_JOB_LISTED));
    });

    it('are walked once: a process that finds the mark reads only the mark', async () => {
      const fixture = createFixture();
      await fixture.marks.create(EVERY_JOB_LISTED, { listedAt: NOW.toISOString() });
      const jobs = fixture.jobs as unknown as { scan: RecordStore<ExportJob>['scan'] };
      jobs.scan = () => {
        throw new Error('no walk once the mark is there');
      };
      assert.equal(await fixture.jobsListed.check(), true);
      assert.equal(await fixture.jobsListed.check(), true);
    });
  });
});

function exportOptionsOf(fixture: ReturnType<typeof createFixture>) {
  return {
    jobs: fixture.jobs,
    exporter: {
      start: async () => ({ operationUrl: 'https://graph.test/v1.0/dataPolicyOperations/op-9', tenantId: KIM.tenantId }),
      status: async () => ({ kind: 'running' as const }),
    },
    audit: { append: async () => undefined, readAll: async () => [] },
    clock: () => NOW,
    logger: silentLogger,
  };
}
