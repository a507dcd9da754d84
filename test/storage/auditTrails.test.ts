import assert from 'node:assert/strict';
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditEvent } from '../../services/auditTrail';
import { BlobAuditTrail } from '../../services/storage/blobAuditTrail';
import { JsonlAuditTrail } from '../../services/storage/jsonlAuditTrail';
import { startAzurite, type RunningAzurite } from '../support/azurite';
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

describe('BlobAuditTrail', () => {
  let azurite: RunningAzurite;
  before(async () => {
    azurite = await startAzurite();
  });
  after(async () => {
    await azurite.stop();
  });

  describe('blobs', () => {
    it('appends to one append blob per UTC day and reads the days in order', async () => {
      const containerClient = createFreshContainer(azurite.connectionString);
      const trail = new BlobAuditTrail({ containerClient, prefix: 'audit/' });
      await trail.append(createEvent({ requestId: 'day2', at: '2025-03-02T00:00:01.000Z' }));
      await trail.append(createEvent({ requestId: 'day1', at: '2025-03-01T23:59:59.000+00:00' }));
      await trail.append(createEvent({ requestId: 'day2-later', at: '2025-03-02T08:00:00.000Z' }));

      const blobs: Array<{ name: string; type?: string }> = [];
      for await (const item of containerClient.listBlobsFlat()) blobs.push({ name: item.name, type: item.properties.blobType });
      assert.deepEqual(blobs, [
        { name: 'audit/2025-03-01.jsonl', type: 'AppendBlob' },
        { name: 'audit/2025-03-02.jsonl', type: 'AppendBlob' },
      ]);
      assert.deepEqual(
        (await trail.readAll()).map((event) => event.requestId),
        ['day1', 'day2', 'day2-later'],
      );
    });

    it('creates the day blob again when it was removed behind its back', async () => {
      const containerClient = createFreshContainer(azurite.connectionString);
      const trail = new BlobAuditTrail({ containerClient, prefix: 'audit/' });
      await trail.append(createEvent({ requestId: 'before' }));
      await containerClient.getBlobClient('audit/2025-03-01.jsonl').delete();
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
});
