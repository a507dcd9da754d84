import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { AuditEvent, AuditTrail } from '../../services/auditTrail';
import { BlobAuditTrail } from '../../adapters/storage/blobAuditTrail';
import { JsonlAuditTrail } from '../../adapters/storage/jsonlAuditTrail';
import { MemoryAuditTrail } from '../../adapters/storage/memoryAuditTrail';
import { azuriteAccount, type RunningAzurite } from '../support/azurite';
import { createFreshContainer, createTempDir, expectAppError, type TempDir } from './storageTestSupport';

const REQUEST_ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const OBJECT_ID = '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d';
const TENANT_ID = '1e0a9f2c-7f44-4b8e-9d2c-5c1a6b7e8f90';
const UPN_HASH = 'a'.repeat(64);
/** Shaped like a real bearer token: long, unbroken, base64url with dots. */
const FAKE_TOKEN = `eyJhbGciOiJSUzI1NiJ9.${'eyJzdWIiOiJ4In0'.repeat(8)}.${'c2lnbmF0dXJl'.repeat(6)}`;

function createEvent(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return { type: 'confirmed', at: '2025-03-01T10:00:00.000Z', requestId: REQUEST_ID, ...overrides };
}

/** The behaviour every AuditTrail must have; run below against each adapter. */
function auditTrailContract(createTrail: () => AuditTrail): void {
  let trail: AuditTrail;
  beforeEach(() => {
    trail = createTrail();
  });

  describe('appending and reading', () => {
    it('reads nothing from a trail that has no events', async () => {
      assert.deepEqual(await trail.readAll(), []);
    });

    it('reads events back oldest first with every field as written', async () => {
      const first = createEvent({ type: 'signedIn', objectId: OBJECT_ID, tenantId: TENANT_ID, upnHash: UPN_HASH });
      const second = createEvent({ type: 'realmChecked', at: '2025-03-01T10:00:01.000Z', detail: 'viral' });
      const third = createEvent({ type: 'closeFailed', at: '2025-03-01T10:00:02.000Z', detail: 'DIRECTORY_UNAVAILABLE after 3 tries' });
      for (const event of [first, second, third]) await trail.append(event);
      assert.deepEqual(await trail.readAll(), [first, second, third]);
    });

    it('appends several events together, in order, across an hour boundary, and refuses them all when one is bad', async () => {
      const events = [
        createEvent({ type: 'confirmed', at: '2025-03-01T10:59:59.900Z' }),
        createEvent({ type: 'realmChecked', at: '2025-03-01T10:59:59.950Z', detail: 'recheck:unmanaged' }),
        createEvent({ type: 'closing', at: '2025-03-01T11:00:00.010Z' }),
      ];
      await trail.appendAll!(events);
      assert.deepEqual(await trail.readAll(), events);
      await expectAppError(trail.appendAll!([createEvent({ type: 'closed' }), createEvent({ detail: FAKE_TOKEN })]), 'AUDIT_EVENT_INVALID');
      assert.deepEqual(await trail.readAll(), events, 'nothing of a refused batch is written');
    });

    it('keeps every one of many concurrent appends exactly once', async () => {
      const ids = Array.from({ length: 40 }, (_, index) => `request-${index}`);
      await Promise.all(ids.map((requestId) => trail.append(createEvent({ requestId }))));
      const read = (await trail.readAll()).map((event) => event.requestId).sort();
      assert.deepEqual(read, [...ids].sort());
    });

    it('omits fields that are undefined', async () => {
      await trail.append(createEvent({ detail: undefined }));
      const [event] = await trail.readAll();
      assert.equal(Object.hasOwn(event, 'detail'), false);
    });
  });

  describe('the guard against personal data and secrets', () => {
    it('rejects a detail longer than 200 characters with AUDIT_EVENT_INVALID', async () => {
      await expectAppError(trail.append(createEvent({ detail: 'word '.repeat(41) })), 'AUDIT_EVENT_INVALID');
      assert.deepEqual(await trail.readAll(), []);
    });

    it('rejects a token-like detail without repeating it in the error', async () => {
      const error = await expectAppError(trail.append(createEvent({ detail: `token ${FAKE_TOKEN}` })), 'AUDIT_EVENT_INVALID');
      assert.equal(error.message.includes(FAKE_TOKEN.slice(0, 20)), false);
      assert.deepEqual(await trail.readAll(), []);
    });

    it('rejects an unbroken string over 100 characters in any field', async () => {
      await expectAppError(trail.append(createEvent({ requestId: 'x'.repeat(101) })), 'AUDIT_EVENT_INVALID');
    });

    it('rejects a short string shaped like a JWT', async () => {
      await expectAppError(trail.append(createEvent({ detail: 'eyJhbGciOiJIUzI1.eyJzdWIiOiIx.sig' })), 'AUDIT_EVENT_INVALID');
    });

    it('rejects fields the event type does not have, such as a UPN', async () => {
      const withUpn = { ...createEvent(), upn: 'alice@contoso.com' } as AuditEvent;
      const error = await expectAppError(trail.append(withUpn), 'AUDIT_EVENT_INVALID');
      assert.equal(error.message.includes('alice@contoso.com'), false);
    });

    it('rejects an event whose time is not an ISO 8601 time', async () => {
      await expectAppError(trail.append(createEvent({ at: 'yesterday' })), 'AUDIT_EVENT_INVALID');
    });

    it('accepts GUIDs, a 64-character UPN hash and a 200-character detail of words', async () => {
      const event = createEvent({ objectId: OBJECT_ID, tenantId: TENANT_ID, upnHash: UPN_HASH, detail: 'ab '.repeat(66) + 'ab' });
      await trail.append(event);
      assert.deepEqual(await trail.readAll(), [event]);
    });
  });
}

describe('AuditTrail contract', () => {
  describe('MemoryAuditTrail', () => {
    auditTrailContract(() => new MemoryAuditTrail());
  });

  describe('JsonlAuditTrail', () => {
    let temp: TempDir;
    let trails = 0;
    before(async () => {
      temp = await createTempDir();
    });
    after(async () => {
      await temp.remove();
    });
    auditTrailContract(() => new JsonlAuditTrail({ file: join(temp.path, `trail-${++trails}`, 'audit.jsonl') }));
  });

  describe('BlobAuditTrail on Azurite', () => {
    let azurite: RunningAzurite;
    before(async () => {
      azurite = await azuriteAccount();
    });
    after(async () => {
      await azurite.stop();
    });
    auditTrailContract(() => new BlobAuditTrail({ containerClient: createFreshContainer(azurite.connectionString), prefix: 'audit/' }));
  });
});
