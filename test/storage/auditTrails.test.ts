import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditEvent } from '../../services/auditTrail';
import { BlobAuditTrail } from '../../adapters/storage/blobAuditTrail';
import { JsonlAuditTrail } from '../../adapters/storage/jsonlAuditTrail';
import { startAzurite, type RunningAzurite } from '../support/azurite';
import { BLOCK_COUNT_EXCEEDED, startStorageProxy, type StorageProxy } from '../support/storageProxy';
import { runWorkersTogether } from './fixtures/workers';
import { createFreshContainer, createRecordingLogger, createTempDir, expectAppError, type TempDir } from './storageTestSupport';

function createEvent(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return { type: 'closed', at: '2025-03-01T10:00:00.000Z', requestId: 'request-1', ...overrides };
}

describe('JsonlAuditTrail', () => {
  let temp: TempDir;
  let file: string;
  beforeEach(async () => {
    temp = await createTempDir();
    file = join(temp.path, 'audit', 'audit.jsonl');
  });
  afterEach(async () => {
    await temp.remove();
  });

  describe('on disk', () => {
    it('writes one JSON object per line', async () => {
      const trail = new JsonlAuditTrail({ file });
      await trail.append(createEvent({ requestId: 'a' }));
      await trail.append(createEvent({ requestId: 'b', detail: 'user not found' }));
      const lines = (await readFile(file, 'utf8')).split('\n');
      assert.equal(lines.pop(), '');
      assert.deepEqual(
        lines.map((line) => (JSON.parse(line) as AuditEvent).requestId),
        ['a', 'b'],
      );
    });

    it('keeps every line whole when two processes append at the same time', async () => {
      const results = await runWorkersTogether([
        ['append', file, 'p1', '150'],
        ['append', file, 'p2', '150'],
      ]);
      assert.deepEqual(results, [{ appended: 150 }, { appended: 150 }]);
      const events = await new JsonlAuditTrail({ file }).readAll();
      assert.equal(events.length, 300);
      assert.equal(new Set(events.map((event) => event.requestId)).size, 300);
    });
  });

  describe('after a crash', () => {
    it('skips a torn last line with a warning and still reads the rest', async () => {
      const { logger, records } = createRecordingLogger();
      const trail = new JsonlAuditTrail({ file, logger });
      await trail.append(createEvent({ requestId: 'whole' }));
      await appendFile(file, '{"type":"clo');
      assert.deepEqual(
        (await trail.readAll()).map((event) => event.requestId),
        ['whole'],
      );
      assert.ok(records.some((record) => record.level === 'warn' && record.message === 'skipping a torn last audit line'));
    });

    it('refuses a broken line in the middle with STORAGE_UNAVAILABLE', async () => {
      const trail = new JsonlAuditTrail({ file });
      await trail.append(createEvent());
      await appendFile(file, 'not json\n');
      await trail.append(createEvent());
      await expectAppError(trail.readAll(), 'STORAGE_UNAVAILABLE');
    });
  });
});

describe('BlobAuditTrail', function () {
  // Several appends and reads against Azurite per test: slow on a loaded machine, however much they check.
  this.timeout(60_000);
  let azurite: RunningAzurite;
  before(async () => {
    azurite = await startAzurite();
  });
  after(async () => {
    await azurite.stop();
  });

  describe('blobs', () => {
    it('shards by hour and by instance, and reads every shard merged by time', async () => {
      const containerClient = createFreshContainer(azurite.connectionString);
      const one = new BlobAuditTrail({ containerClient, prefix: 'audit/', instance: 'one' });
      const two = new BlobAuditTrail({ containerClient, prefix: 'audit/', instance: 'two' });
      await one.append(createEvent({ requestId: 'day2', at: '2025-03-02T00:00:01.000Z' }));
      await two.append(createEvent({ requestId: 'day1', at: '2025-03-01T23:59:59.000+00:00' }));
      await two.append(createEvent({ requestId: 'day2-first', at: '2025-03-02T00:00:00.500Z' }));
      await one.append(createEvent({ requestId: 'day2-later', at: '2025-03-02T08:00:00.000Z' }));

      const blobs: Array<{ name: string; type?: string }> = [];
      for await (const item of containerClient.listBlobsFlat()) blobs.push({ name: item.name, type: item.properties.blobType });
      assert.deepEqual(blobs, [
        { name: 'audit/2025-03-01/23/two-0.jsonl', type: 'AppendBlob' },
        { name: 'audit/2025-03-02/00/one-0.jsonl', type: 'AppendBlob' },
        { name: 'audit/2025-03-02/00/two-0.jsonl', type: 'AppendBlob' },
        { name: 'audit/2025-03-02/08/one-0.jsonl', type: 'AppendBlob' },
      ]);
      assert.deepEqual(
        (await one.readAll()).map((event) => event.requestId),
        ['day1', 'day2-first', 'day2', 'day2-later'],
      );
      assert.deepEqual(
        (await one.readAll({ since: new Date('2025-03-02T07:30:00.000Z') })).map((event) => event.requestId),
        ['day2-later'],
        'a window reads only the hours it covers',
      );
    });

    it('still reads the day blobs written before the shards', async () => {
      const containerClient = createFreshContainer(azurite.connectionString);
      const trail = new BlobAuditTrail({ containerClient, prefix: 'audit/', instance: 'one' });
      await trail.append(createEvent({ requestId: 'sharded', at: '2025-03-01T12:00:00.000Z' }));
      const legacy = containerClient.getAppendBlobClient('audit/2025-03-01.jsonl');
      await legacy.create();
      const line = `${JSON.stringify(createEvent({ requestId: 'legacy', at: '2025-03-01T09:00:00.000Z' }))}\n`;
      await legacy.appendBlock(line, Buffer.byteLength(line));
      assert.deepEqual(
        (await trail.readAll({ since: new Date('2025-03-01T08:00:00.000Z') })).map((event) => event.requestId),
        ['legacy', 'sharded'],
      );
    });

    it('creates the shard again when it was removed behind its back', async () => {
      const containerClient = createFreshContainer(azurite.connectionString);
      const trail = new BlobAuditTrail({ containerClient, prefix: 'audit/', instance: 'one' });
      await trail.append(createEvent({ requestId: 'before' }));
      await containerClient.getBlobClient('audit/2025-03-01/10/one-0.jsonl').delete();
      await trail.append(createEvent({ requestId: 'after' }));
      assert.deepEqual(
        (await trail.readAll()).map((event) => event.requestId),
        ['after'],
      );
    });

    it('reads only the blobs under its own prefix', async () => {
      const containerClient = createFreshContainer(azurite.connectionString);
      await new BlobAuditTrail({ containerClient, prefix: 'other/' }).append(createEvent({ requestId: 'elsewhere' }));
      const trail = new BlobAuditTrail({ containerClient, prefix: 'audit/' });
      await trail.append(createEvent({ requestId: 'mine' }));
      assert.deepEqual(
        (await trail.readAll()).map((event) => event.requestId),
        ['mine'],
      );
    });
  });

  describe('when Azure refuses an append (a full append blob)', () => {
    let proxy: StorageProxy;
    beforeEach(async () => {
      proxy = await startStorageProxy(azurite.blobEndpoint);
    });
    afterEach(async () => {
      await proxy.stop();
    });
    const appendsTo = (blob: string) => (req: IncomingMessage) =>
      req.method === 'PUT' && req.url?.includes('comp=appendblock') && req.url.includes(blob) ? BLOCK_COUNT_EXCEEDED : undefined;

    it('rolls over to the next shard when one holds 50,000 blocks, and loses no event', async () => {
      const containerClient = createFreshContainer(proxy.connectionString);
      const trail = new BlobAuditTrail({ containerClient, prefix: 'audit/', instance: 'one' });
      await trail.append(createEvent({ requestId: 'first' }));
      proxy.fault(appendsTo('one-0.jsonl'));
      await trail.append(createEvent({ requestId: 'second', at: '2025-03-01T10:00:01.000Z' }));
      await trail.append(createEvent({ requestId: 'third', at: '2025-03-01T10:00:02.000Z' }));
      proxy.fault(undefined);
      assert.deepEqual(
        (await trail.readAll()).map((event) => event.requestId),
        ['first', 'second', 'third'],
      );
      const names: string[] = [];
      for await (const item of containerClient.listBlobsFlat()) names.push(item.name);
      assert.deepEqual(names, ['audit/2025-03-01/10/one-0.jsonl', 'audit/2025-03-01/10/one-1.jsonl']);
    });

    it('reports appends Azure keeps refusing as STORAGE_UNAVAILABLE, never as a conflict', async () => {
      const containerClient = createFreshContainer(proxy.connectionString);
      const trail = new BlobAuditTrail({ containerClient, prefix: 'audit/', instance: 'one' });
      proxy.fault(appendsTo('audit/'));
      const error = await expectAppError(trail.append(createEvent()), 'STORAGE_UNAVAILABLE');
      assert.match(error.message, /HTTP 409 BlockCountExceedsLimit/);
    });
  });
});
