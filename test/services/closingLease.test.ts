import { strict as assert } from 'node:assert';
import sinon from 'sinon';
import type { AccountCloser } from '../../services/accountCloser';
import type { ClosureAccount } from '../../services/closure/closureAccounts';
import type { AccountClosureLock, ClosureRequest } from '../../services/closureRequest';
import { ClosureService } from '../../services/closureService';
import { AppError } from '../../services/errors';
import type { VerifiedIdentity } from '../../services/identity';
import { silentLogger } from '../../services/logger';
import type { UserRealm } from '../../services/userRealm';
import { MemoryAuditTrail } from '../../adapters/storage/memoryAuditTrail';
import { MemoryRecordStore } from '../../adapters/storage/memoryRecordStore';

const ADA: VerifiedIdentity = {
  objectId: 'a0000000-0000-4000-8000-000000000001',
  tenantId: 't0000000-0000-4000-8000-00000000000a',
  upn: 'ada@fabrikamvolunteers.example',
  displayName: 'Ada',
  organizationName: 'Fabrikam Volunteers',
};
const LEASE_MS = 120_000;
const PRESSER = { channelUserId: 'user-ada', conversationId: 'c1', identity: ADA };

function createService(options: { closer: AccountCloser; realm?: UserRealm; clock: () => Date }) {
  const requests = new MemoryRecordStore<ClosureRequest>();
  const audit = new MemoryAuditTrail();
  const closure = new ClosureService({
    requests,
    locks: new MemoryRecordStore<AccountClosureLock>(),
    accounts: new MemoryRecordStore<ClosureAccount>(),
    audit,
    closer: options.closer,
    realm: options.realm ?? { lookup: async () => ({ kind: 'unmanaged', organizationName: 'Fabrikam Volunteers' }) },
    hashUpn: () => 'upn-hash',
    clock: options.clock,
    confirmationTtlMs: 600_000,
    closingLeaseMs: LEASE_MS,
    maxCloseAttempts: 5,
    logger: silentLogger,
  });
  const open = async () => {
    const opened = await closure.open({
      identity: ADA,
      channelId: 'emulator',
      channelUserId: 'user-ada',
      conversationId: 'c1',
      conversation: {},
    });
    assert.equal(opened.kind, 'opened');
    return opened;
  };
  return { closure, requests, audit, open };
}

/** What the realm adapter throws for a gateway's answer after its retries: "cannot confirm", a failure that passes. */
function gatewayFailure(status: number): AppError {
  return new AppError('REALM_UNAVAILABLE', `user realm lookup failed: status ${status}`, { transient: true });
}

describe('ClosureService in the background', () => {
  describe('a closer that runs longer than the closing lease (3 calls x 60 s deadlines against 120 s)', () => {
    let clock: sinon.SinonFakeTimers;
    beforeEach(() => {
      clock = sinon.useFakeTimers({ now: Date.parse('2026-12-01T09:00:00Z'), toFake: ['Date', 'setInterval', 'clearInterval'] });
    });
    afterEach(() => clock.restore());

    it('keeps its lease renewed, so no reconciler takes the request from the live closer', async () => {
      let release!: () => void;
      let calls = 0;
      const closer: AccountCloser = {
        close: async () => {
          calls += 1;
          await new Promise<void>((resolve) => (release = resolve));
          return { kind: 'closed' };
        },
      };
      const { closure, requests, open } = createService({ closer, clock: () => new Date() });
      const { request, nonce } = await open();
      const closing = closure.confirm(request.requestId, nonce, PRESSER);
      while (calls === 0) await new Promise((resolve) => setImmediate(resolve));

      // 180 s of a slow directory: past the lease taken when closing began.
      await clock.tickAsync(180_000);
      const live = await requests.get(request.requestId);
      assert.equal(live?.value.status, 'closing');
      assert.ok(live);
      assert.equal(closure.needsReconcile(live.value), false, 'the lease is still ahead of the clock');
      assert.deepEqual(await closure.reconcile(), []);
      assert.equal(calls, 1, 'no second closer');

      release();
      assert.equal((await closing).kind, 'closed');
      assert.equal((await requests.get(request.requestId))?.value.status, 'closed');
      await clock.tickAsync(LEASE_MS);
      assert.equal((await requests.get(request.requestId))?.value.status, 'closed', 'no renewal after the end');
    });
  });

  describe('a re-check answered by a gateway error (502, 503, 504)', () => {
    it('keeps the confirmed request and asks again on the next pass instead of failing it', async () => {
      let now = new Date('2026-12-01T09:00:00Z');
      let answer: 'gateway' | 'unmanaged' = 'gateway';
      const realm: UserRealm = {
        lookup: async () => {
          if (answer === 'gateway') throw gatewayFailure(502);
          return { kind: 'unmanaged', organizationName: 'Fabrikam Volunteers' };
        },
      };
      const closed: string[] = [];
      const closer: AccountCloser = { close: async (_request, { requestId }) => (closed.push(requestId), { kind: 'closed' }) };
      const { closure, requests, audit, open } = createService({ closer, realm, clock: () => now });
      const { request, nonce } = await open();

      assert.equal((await closure.confirm(request.requestId, nonce, PRESSER)).kind, 'stillClosing');
      assert.equal((await requests.get(request.requestId))?.value.status, 'confirmed');
      assert.deepEqual(closed, []);
      assert.deepEqual(await closure.reconcile(), [], 'not before its lease lapses');

      answer = 'unmanaged';
      now = new Date(now.getTime() + LEASE_MS + 1_000);
      assert.deepEqual(await closure.reconcile(), [request.requestId]);
      assert.equal((await requests.get(request.requestId))?.value.status, 'closed');
      assert.deepEqual(closed, [request.requestId]);
      const types = (await audit.readAll()).map((event) => `${event.type}${event.detail ? `:${event.detail}` : ''}`);
      assert.ok(types.includes('closeFailed:REALM_UNAVAILABLE:willRetry'), types.join(','));
    });

    it('still fails at once on an answer it cannot read (not a gateway error)', async () => {
      const realm: UserRealm = {
        lookup: async () => {
          throw new AppError('REALM_UNAVAILABLE', 'unexpected user realm answer: NameSpaceType "Other"');
        },
      };
      const { closure, requests, open } = createService({
        closer: { close: async () => ({ kind: 'closed' }) },
        realm,
        clock: () => new Date(),
      });
      const { request, nonce } = await open();
      assert.equal((await closure.confirm(request.requestId, nonce, PRESSER)).kind, 'failed');
      assert.equal((await requests.get(request.requestId))?.value.status, 'failed');
    });
  });
});
