import { strict as assert } from 'node:assert';
import type { AuditEvent, AuditTrail } from '../../services/auditTrail';
import { accountKey } from '../../services/closureRequest';
import type { DataExporter, ExportHandle, ExportStatus } from '../../services/dataExporter';
import { AppError } from '../../services/errors';
import { ExportService, type ExportJob } from '../../services/exportService';
import type { VerifiedIdentity } from '../../services/identity';
import { createLogger, type LogRecord } from '../../services/logger';
import type { RecordStore } from '../../services/recordStore';
import { MemoryRecordStore } from '../../adapters/storage/memoryRecordStore';

const NOW = new Date('2026-12-07T10:00:00Z');
const TENANT = '11111111-0000-4000-8000-000000000001';
const KIM: VerifiedIdentity = {
  objectId: '22222222-0000-4000-8000-000000000001',
  tenantId: TENANT,
  upn: 'kim@tailspin.example',
  displayName: 'Kim Akers',
  organizationName: 'Tailspin Hobbyists',
};
const LEE: VerifiedIdentity = { ...KIM, objectId: '22222222-0000-4000-8000-000000000002', upn: 'lee@tailspin.example', displayName: 'Lee' };
const CONVERSATION = { channelId: 'msteams', conversation: { id: 'conv-1' } };
const READY: ExportStatus = {
  kind: 'ready',
  files: [{ name: 'profile.json', sizeBytes: 2048, downloadUrl: 'https://storage.test/exports/profile.json?sig=1' }],
  expiresAt: new Date('2026-12-10T10:00:00Z'),
};

/** The directory's export API: one operation per start, whose status the test sets; every call recorded. */
function createExporter() {
  const started: string[] = [];
  const statuses = new Map<string, ExportStatus | Error>();
  let gate: Promise<void> = Promise.resolve();
  let refuseStart = false;
  const exporter: DataExporter = {
    async start(identity, { requestId }) {
      await gate;
      if (refuseStart) throw new AppError('EXPORT_UNAVAILABLE', 'the directory refused');
      started.push(`${identity.objectId}:${requestId}`);
      return { operationUrl: `https://graph.test/v1.0/dataPolicyOperations/op-${started.length}`, tenantId: identity.tenantId };
    },
    async status(handle: ExportHandle) {
      const status = statuses.get(handle.operationUrl) ?? { kind: 'running' };
      if (status instanceof Error) throw status;
      return status;
    },
  };
  return {
    exporter,
    started,
    /** Sets what the status of the `n`th started operation answers. */
    finish: (n: number, status: ExportStatus | Error) => statuses.set(`https://graph.test/v1.0/dataPolicyOperations/op-${n}`, status),
    /** Holds every start until the returned function is called. */
    holdStarts(): () => void {
      let release = () => undefined as void;
      gate = new Promise((resolve) => (release = resolve));
      return release;
    },
    refuseStarts: (refuse: boolean) => (refuseStart = refuse),
  };
}

function createAudit(): AuditTrail & { events: AuditEvent[]; failing: boolean } {
  const audit = {
    events: [] as AuditEvent[],
    failing: false,
    async append(event: AuditEvent) {
      if (audit.failing) throw new AppError('STORAGE_UNAVAILABLE', 'the audit store is down');
      audit.events.push(event);
    },
    async readAll() {
      return [...audit.events];
    },
  };
  return audit;
}

/** A memory store whose writes to the records named in `failWritesTo` fail as an unreachable store's would. */
function createJobs(): RecordStore<ExportJob> & { failWritesTo: Set<string> } {
  const inner = new MemoryRecordStore<ExportJob>();
  const failWritesTo = new Set<string>();
  const refuse = (id: string) => {
    if (failWritesTo.has(id)) throw new AppError('STORAGE_UNAVAILABLE', `writing "${id}" failed`);
  };
  return {
    failWritesTo,
    get: (id) => inner.get(id),
    list: () => inner.list(),
    scan: (pageSize) => inner.scan(pageSize),
    delete: (id, etag) => inner.delete(id, etag),
    async create(id, value) {
      refuse(id);
      return inner.create(id, value);
    },
    async replace(id, value, etag) {
      refuse(id);
      return inner.replace(id, value, etag);
    },
  };
}

function createFixture(options: { now?: () => Date } = {}) {
  const jobs = createJobs();
  const audit = createAudit();
  const exporter = createExporter();
  const logs: LogRecord[] = [];
  const service = (name = 'exports') =>
    new ExportService({
      jobs,
      exporter: exporter.exporter,
      audit,
      clock: options.now ?? (() => NOW),
      logger: createLogger(name, (record) => logs.push(record), 'debug'),
    });
  return { jobs, audit, exporter, logs, exports: service(), service };
}

const who = { channelUserId: 'user-1', conversation: CONVERSATION };

describe('ExportService', () => {
  describe('requesting an export', () => {
    it('starts one export in the directory and records it as running, named and timed by the service clock', async () => {
      const { exports, exporter, audit } = createFixture();
      const job = await exports.request(KIM, who);
      assert.equal(exporter.started.length, 1);
      assert.equal(job.status, 'running');
      assert.equal(job.operationUrl, 'https://graph.test/v1.0/dataPolicyOperations/op-1');
      assert.equal(job.requestedAt, NOW.toISOString());
      assert.match(job.exportId, new RegExp(`^ex_${NOW.getTime().toString(36)}_`));
      assert.deepEqual(await exports.find(KIM), job);
      assert.deepEqual(
        audit.events.map((e) => [e.type, e.detail]),
        [['exportRequested', job.exportId]],
      );
    });

    it('returns the running job instead of starting another for the same account', async () => {
      const { exports, exporter } = createFixture();
      const first = await exports.request(KIM, who);
      assert.deepEqual(await exports.request(KIM, { channelUserId: 'user-2', conversation: {} }), first);
      assert.equal(exporter.started.length, 1);
    });

    it('starts one directory export for two requests at the same moment, and gives both the same job', async () => {
      const { service, exporter } = createFixture();
      const release = exporter.holdStarts();
      const both = Promise.all([service('instance-1').request(KIM, who), service('instance-2').request(KIM, who)]);
      await new Promise((resolve) => setImmediate(resolve));
      release();
      const [a, b] = await both;
      assert.equal(exporter.started.length, 1, 'directory exports started');
      assert.equal(a.exportId, b.exportId);
    });

    it('lets the account ask again when the directory refuses to start the export', async () => {
      const { exports, exporter } = createFixture();
      exporter.refuseStarts(true);
      await assert.rejects(exports.request(KIM, who), { code: 'EXPORT_UNAVAILABLE' });
      assert.equal(await exports.find(KIM), undefined);
      exporter.refuseStarts(false);
      assert.equal((await exports.request(KIM, who)).status, 'running');
      assert.equal(exporter.started.length, 1);
    });

    it('takes over a claim whose instance died before the directory answered, but waits on a recent one', async () => {
      const { exports, exporter, jobs } = createFixture();
      const claim = (minutesAgo: number): ExportJob => ({
        exportId: 'ex_claimed',
        objectId: KIM.objectId,
        tenantId: KIM.tenantId,
        channelUserId: 'user-0',
        conversation: {},
        operationUrl: '',
        status: 'running',
        requestedAt: new Date(NOW.getTime() - minutesAgo * 60_000).toISOString(),
      });
      await jobs.create(accountKey(KIM), claim(1));
      assert.equal((await exports.request(KIM, who)).exportId, 'ex_claimed');
      assert.equal(exporter.started.length, 0, 'a start may still be under way');
      await exports.forget(KIM);
      await jobs.create(accountKey(KIM), claim(6));
      const taken = await exports.request(KIM, who);
      assert.equal(exporter.started.length, 1);
      assert.equal(taken.operationUrl, 'https://graph.test/v1.0/dataPolicyOperations/op-1');
    });

    it('starts a new export once the last one is ready', async () => {
      const { exports, exporter } = createFixture();
      await exports.request(KIM, who);
      exporter.finish(1, READY);
      await exports.poll();
      const again = await exports.request(KIM, who);
      assert.equal(again.operationUrl, 'https://graph.test/v1.0/dataPolicyOperations/op-2');
      assert.equal(again.notifiedAt, undefined);
    });
  });

  describe('polling', () => {
    it('returns a finished job once, with its files and link expiry, and audits it', async () => {
      const { exports, exporter, audit } = createFixture();
      const job = await exports.request(KIM, who);
      assert.deepEqual(await exports.poll(), []);
      exporter.finish(1, READY);
      const [ready, ...more] = await exports.poll();
      assert.deepEqual(more, []);
      assert.equal(ready?.status, 'ready');
      assert.deepEqual(ready?.files, READY.kind === 'ready' ? READY.files : []);
      assert.equal(ready?.linkExpiresAt, '2026-12-10T10:00:00.000Z');
      assert.equal(ready?.notifiedAt, NOW.toISOString());
      // Owed until the caller says it was sent (issue 19: delivery is a state).
      await exports.told(ready);
      assert.deepEqual(await exports.poll(), [], 'told once');
      assert.deepEqual(
        audit.events.map((e) => [e.type, e.detail]),
        [
          ['exportRequested', job.exportId],
          ['exportReady', job.exportId],
        ],
      );
    });

    it('records a failed export with its reason', async () => {
      const { exports, exporter, audit } = createFixture();
      await exports.request(KIM, who);
      exporter.finish(1, { kind: 'failed', reason: 'storageUnavailable' });
      const [failed] = await exports.poll();
      assert.equal(failed?.status, 'failed');
      assert.equal(failed?.failureReason, 'storageUnavailable');
      assert.equal(audit.events.at(-1)?.type, 'exportFailed');
    });

    it('gives a finished job to only one of two instances polling at once', async () => {
      const { service, exporter } = createFixture();
      await service().request(KIM, who);
      exporter.finish(1, READY);
      const [a, b] = await Promise.all([service('instance-1').poll(), service('instance-2').poll()]);
      assert.equal(a.length + b.length, 1);
    });

    it('leaves a job running when its status cannot be read, logging its id, and finishes it on a later pass', async () => {
      const { exports, exporter, logs } = createFixture();
      const job = await exports.request(KIM, who);
      exporter.finish(1, new AppError('EXPORT_UNAVAILABLE', 'Graph answered 503'));
      assert.deepEqual(await exports.poll(), []);
      assert.ok(logs.some((r) => r.level === 'warn' && r.fields?.exportId === job.exportId));
      exporter.finish(1, READY);
      assert.equal((await exports.poll()).length, 1);
    });

    it("checks every other job and returns the ones it finished when one job's record cannot be written", async () => {
      const { exports, exporter, jobs, logs } = createFixture();
      await exports.request(KIM, who);
      const lee = await exports.request(LEE, who);
      exporter.finish(1, READY);
      exporter.finish(2, READY);
      jobs.failWritesTo.add(accountKey(LEE));
      const finished = await exports.poll();
      assert.deepEqual(
        finished.map((job) => job.objectId),
        [KIM.objectId],
        "Kim's ready message is still told",
      );
      await Promise.all(finished.map((job) => exports.told(job)));
      assert.ok(logs.some((r) => r.level === 'error' && r.fields?.exportId === lee.exportId));
      jobs.failWritesTo.clear();
      assert.deepEqual(
        (await exports.poll()).map((job) => job.objectId),
        [LEE.objectId],
        "Lee's job is finished on the next pass",
      );
    });

    it('returns a finished job it claimed even when the audit event cannot be written, and logs the gap', async () => {
      const { exports, exporter, audit, logs } = createFixture();
      const job = await exports.request(KIM, who);
      exporter.finish(1, READY);
      audit.failing = true;
      const finished = await exports.poll();
      assert.deepEqual(
        finished.map((j) => j.exportId),
        [job.exportId],
        'the claim is won: only this pass can tell it',
      );
      assert.ok(logs.some((r) => r.level === 'error' && r.fields?.exportId === job.exportId && r.fields?.type === 'exportReady'));
    });
  });

  describe('forgetting', () => {
    it("drops the account's job, so nothing is left that names its conversation", async () => {
      const { exports } = createFixture();
      await exports.request(KIM, who);
      await exports.forget(KIM);
      assert.equal(await exports.find(KIM), undefined);
      assert.deepEqual(await exports.poll(), []);
    });
  });
});
