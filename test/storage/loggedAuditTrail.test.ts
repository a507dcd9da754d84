import { strict as assert } from 'node:assert';
import { createLogger, type LogRecord } from '../../services/logger';
import { logAuditEvents } from '../../adapters/storage/loggedAuditTrail';
import { MemoryAuditTrail } from '../../adapters/storage/memoryAuditTrail';

function createRecordingLogger() {
  const records: LogRecord[] = [];
  return { records, logger: createLogger('bot', (record) => records.push(record), 'debug') };
}

describe('logAuditEvents', () => {
  it('logs each written event as "audit event" with its type, request id and detail, and no account id or hash', async () => {
    const { records, logger } = createRecordingLogger();
    const trail = logAuditEvents(new MemoryAuditTrail(), logger.child('audit'));
    await trail.append({
      type: 'realmChecked',
      at: '2026-11-27T10:00:00.000Z',
      requestId: 'r-0123456789',
      objectId: 'a0000000-0000-4000-8000-000000000001',
      tenantId: 't0000000-0000-4000-8000-00000000000a',
      upnHash: 'hash-of-the-address',
      detail: 'unmanaged',
    });
    assert.deepEqual(
      records.map((r) => [r.namespace, r.message, r.fields]),
      [['bot:audit', 'audit event', { event: 'realmChecked', requestId: 'r-0123456789', detail: 'unmanaged' }]],
    );
    const line = JSON.stringify(records);
    for (const personal of ['a0000000', 't0000000', 'hash-of-the-address']) assert.ok(!line.includes(personal), personal);
  });

  it('writes the event before logging it, and logs nothing when the write fails', async () => {
    const { records, logger } = createRecordingLogger();
    const failing = { append: () => Promise.reject(new Error('storage down')), readAll: () => Promise.resolve([]) };
    await assert.rejects(logAuditEvents(failing, logger).append({ type: 'closed', at: '2026-11-27T10:00:00.000Z' }), /storage down/);
    assert.deepEqual(records, []);
  });

  it('passes reads through to the trail', async () => {
    const inner = new MemoryAuditTrail();
    const trail = logAuditEvents(inner, createRecordingLogger().logger);
    await trail.append({ type: 'closed', at: '2026-11-27T10:00:00.000Z', requestId: 'r-0123456789' });
    assert.deepEqual(
      (await trail.readAll()).map((e) => e.type),
      ['closed'],
    );
  });
});
