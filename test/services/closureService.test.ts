import { strict as assert } from 'node:assert';
import sinon from 'sinon';
import type { AccountCloser, CloseOutcome } from '../../services/accountCloser';
import type { ClosureAccount } from '../../services/closure/closureAccounts';
import { accountKey, type AccountClosureLock, type ClosureRequest } from '../../services/closureRequest';
import { ClosureService, outcomeOf, type Presser } from '../../services/closureService';
import { AppError } from '../../services/errors';
import type { VerifiedIdentity } from '../../services/identity';
import { silentLogger } from '../../services/logger';
import { MemoryAuditTrail } from '../../adapters/storage/memoryAuditTrail';
import { MemoryRecordStore } from '../../adapters/storage/memoryRecordStore';
import type { RealmVerdict, UserRealm } from '../../services/userRealm';

const ADA: VerifiedIdentity = {
  objectId: 'a0000000-0000-4000-8000-000000000001',
  tenantId: 't0000000-0000-4000-8000-00000000000a',
  upn: 'ada@fabrikamvolunteers.example',
  displayName: 'Ada',
  organizationName: 'Fabrikam Volunteers',
};
const GRACE: VerifiedIdentity = {
  ...ADA,
  objectId: 'a0000000-0000-4000-8000-000000000002',
  upn: 'grace@fabrikamvolunteers.example',
  displayName: 'Grace',
};
const START = new Date('2026-11-27T10:00:00Z');
const TTL_MS = 10 * 60_000;

function createRealm(
  verdict: RealmVerdict | AppError = { kind: 'unmanaged', organizationName: 'Fabrikam Volunteers' },
): UserRealm & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async lookup(upn) {
      calls.push(upn);
      if (verdict instanceof AppError) throw verdict;
      return verdict;
    },
  };
}

function createCloser(behaviour: () => Promise<CloseOutcome> = async () => ({ kind: 'closed' })): AccountCloser & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async close(identity, { requestId }) {
      calls.push(`${identity.objectId}:${requestId}`);
      return behaviour();
    },
  };
}

function createService(overrides: { realm?: ReturnType<typeof createRealm>; closer?: ReturnType<typeof createCloser> } = {}) {
  const requests = new MemoryRecordStore<ClosureRequest>();
  const locks = new MemoryRecordStore<AccountClosureLock>();
  const audit = new MemoryAuditTrail();
  const realm = overrides.realm ?? createRealm();
  const closer = overrides.closer ?? createCloser();
  const service = new ClosureService({
    requests,
    locks,
    accounts: new MemoryRecordStore<ClosureAccount>(),
    audit,
    realm,
    closer,
    hashUpn: (upn) => `hash(${upn.length})`,
    clock: () => new Date(),
    confirmationTtlMs: TTL_MS,
    closingLeaseMs: 60_000,
    maxCloseAttempts: 3,
    logger: silentLogger,
  });
  return { service, requests, locks, audit, realm, closer };
}

const asAda: Presser = { channelUserId: 'user-ada', conversationId: 'c1', identity: ADA };
const adaPress = (nonce: string) => ({ channelUserId: 'user-ada', conversationId: 'c1', nonce });

async function openForAda(service: ClosureService) {
  const opened = await service.open({
    identity: ADA,
    channelId: 'emulator',
    channelUserId: 'user-ada',
    conversationId: 'c1',
    conversation: { conversation: { id: 'c1' } },
  });
  if (opened.kind !== 'opened') throw new Error(`no warning opened: ${opened.kind}`);
  return opened;
}

describe('ClosureService', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: START, toFake: ['Date'] });
  });
  afterEach(() => clock.restore());

  describe('opening a request', () => {
    it('stores a pending record with the nonce hashed, never the nonce itself', async () => {
      const { service, requests } = createService();
      const { request, nonce } = await openForAda(service);
      const stored = await requests.get(request.requestId);
      assert.equal(stored?.value.status, 'pending');
      assert.ok(!JSON.stringify(stored?.value).includes(nonce));
      assert.equal(stored?.value.expiresAt, new Date(START.getTime() + TTL_MS).toISOString());
    });

    it('records that the warning was shown, with ids and the UPN hash only', async () => {
      const { service, audit } = createService();
      await openForAda(service);
      const [event] = await audit.readAll();
      assert.equal(event.type, 'warningShown');
      assert.ok(!JSON.stringify(event).includes(ADA.upn));
    });
  });

  describe('a genuine Yes from the requester', () => {
    it('re-checks eligibility, closes the account once and scrubs personal data from the record', async () => {
      const { service, requests, realm, closer, audit } = createService();
      const { request, nonce } = await openForAda(service);
      const result = await service.confirm(request.requestId, nonce, asAda);
      assert.equal(result.kind, 'closed');
      assert.deepEqual(realm.calls, [ADA.upn]);
      assert.deepEqual(closer.calls, [`${ADA.objectId}:${request.requestId}`]);
      const stored = (await requests.get(request.requestId))?.value;
      assert.equal(stored?.status, 'closed');
      assert.equal(stored?.upn, undefined);
      assert.equal(stored?.channelUserId, '');
      assert.deepEqual(stored?.conversation, { conversation: { id: 'c1' } }, 'kept until the requester is told');
      const claimed = await service.claimSettlement(request.requestId, 60_000);
      assert.ok(claimed);
      await service.markSettled(claimed);
      assert.equal((await requests.get(request.requestId))?.value.conversation, undefined);
      assert.deepEqual(
        (await audit.readAll()).map((e) => e.type),
        ['warningShown', 'confirmed', 'realmChecked', 'closing', 'closed'],
      );
    });

    it('hands off to the portal when the closer says so', async () => {
      const closer = createCloser(async () => ({ kind: 'handedOff', portalUrl: 'https://portal.example/close', reason: 'forbidden' }));
      const { service } = createService({ closer });
      const { request, nonce } = await openForAda(service);
      const result = await service.confirm(request.requestId, nonce, asAda);
      assert.deepEqual(result, {
        kind: 'handedOff',
        requestId: request.requestId,
        portalUrl: 'https://portal.example/close',
        reason: 'forbidden',
      });
    });
  });

  describe('presses that must not close anything', () => {
    it('refuses a press from another channel user', async () => {
      const { service, closer } = createService();
      const { request, nonce } = await openForAda(service);
      const result = await service.confirm(request.requestId, nonce, {
        channelUserId: 'user-grace',
        conversationId: 'c1',
        identity: GRACE,
      });
      assert.deepEqual(result, { kind: 'rejected', reason: 'notRequester' });
      assert.equal(closer.calls.length, 0);
    });

    it('refuses the requester when they are now signed in as a different account', async () => {
      const { service, closer } = createService();
      const { request, nonce } = await openForAda(service);
      const result = await service.confirm(request.requestId, nonce, { channelUserId: 'user-ada', conversationId: 'c1', identity: GRACE });
      assert.deepEqual(result, { kind: 'rejected', reason: 'differentAccount' });
      assert.equal(closer.calls.length, 0);
    });

    it('refuses a wrong nonce', async () => {
      const { service, closer } = createService();
      const { request } = await openForAda(service);
      assert.deepEqual(await service.confirm(request.requestId, 'guessed', asAda), { kind: 'rejected', reason: 'badNonce' });
      assert.equal(closer.calls.length, 0);
    });

    it('refuses an unknown request id', async () => {
      const { service } = createService();
      assert.deepEqual(await service.confirm('cr_unknown', 'x', asAda), { kind: 'rejected', reason: 'unknownRequest' });
    });

    it('expires the request once its time is up and refuses the press, with its outcome event', async () => {
      const { service, requests, closer, audit } = createService();
      const { request, nonce } = await openForAda(service);
      clock.tick(TTL_MS);
      assert.deepEqual(await service.confirm(request.requestId, nonce, asAda), { kind: 'rejected', reason: 'expired' });
      assert.equal((await requests.get(request.requestId))?.value.status, 'expired');
      assert.equal(closer.calls.length, 0);
      const types = (await audit.readAll()).filter((e) => e.requestId === request.requestId).map((e) => e.type);
      assert.deepEqual(types, ['warningShown', 'confirmationRejected', 'expired']);
    });

    it('fails a request that lost the account to another request with its outcome event, typed, not parsed', async () => {
      const { service, requests, locks, audit } = createService();
      const { request, nonce } = await openForAda(service);
      // Another live request of the same account holds the right to close it.
      const other = await requests.create('cr_other', {
        ...(await requests.get(request.requestId))!.value,
        requestId: 'cr_other',
        status: 'closing',
      });
      assert.ok(other);
      await locks.create(accountKey(ADA), { requestId: 'cr_other' });
      assert.deepEqual(await service.confirm(request.requestId, nonce, asAda), { kind: 'rejected', reason: 'closedByAnotherRequest' });
      const ended = (await requests.get(request.requestId))?.value;
      assert.deepEqual(ended?.failure, { kind: 'lostToAnotherRequest' });
      const events = (await audit.readAll()).filter((e) => e.requestId === request.requestId);
      assert.ok(
        events.some((e) => e.type === 'closeFailed' && e.detail === 'lostToAnotherRequest'),
        JSON.stringify(events),
      );
      assert.deepEqual(outcomeOf(ended), { kind: 'rejected', reason: 'closedByAnotherRequest' });
    });

    it('writes the missing confirmed event of a confirmed request the reconciler ends failed', async () => {
      const { service, requests, audit } = createService({ realm: createRealm({ kind: 'managed', organizationName: 'Fabrikam' }) });
      const { request } = await openForAda(service);
      // A crash right after `pending -> confirmed` was written, before its audit event.
      const stored = await requests.get(request.requestId);
      await requests.replace(request.requestId, { ...stored!.value, status: 'confirmed' }, stored!.etag);
      clock.tick(61_000);
      const ids = await service.reconcile();
      await service.completeAudit(ids);
      assert.equal((await requests.get(request.requestId))?.value.status, 'failed');
      const confirmed = (await audit.readAll()).find((e) => e.requestId === request.requestId && e.type === 'confirmed');
      assert.equal(confirmed?.detail, 'recovered');
    });

    it('expires overdue warnings in a sweep, once, and leaves live ones alone', async () => {
      const { service, requests, audit } = createService();
      const old = await openForAda(service);
      clock.tick(TTL_MS - 1000);
      const fresh = await openForAda(service);
      clock.tick(1000);
      const expired = await service.expireOverdue();
      assert.deepEqual(
        expired.map((r) => r.requestId),
        [old.request.requestId],
      );
      assert.deepEqual(expired[0].conversation, { conversation: { id: 'c1' } }, 'returned as it was, for the card update');
      assert.equal((await requests.get(old.request.requestId))?.value.status, 'expired');
      assert.equal((await requests.get(fresh.request.requestId))?.value.status, 'pending');
      assert.deepEqual(await service.expireOverdue(), []);
      assert.equal((await audit.readAll()).filter((e) => e.type === 'expired').length, 1);
    });

    it('accepts a press one second before expiry', async () => {
      const { service } = createService();
      const { request, nonce } = await openForAda(service);
      clock.tick(TTL_MS - 1000);
      assert.equal((await service.confirm(request.requestId, nonce, asAda)).kind, 'closed');
    });

    it('refuses a Yes after No', async () => {
      const { service, closer } = createService();
      const { request, nonce } = await openForAda(service);
      assert.deepEqual(await service.decline(request.requestId, adaPress(nonce)), { kind: 'declined' });
      assert.deepEqual(await service.confirm(request.requestId, nonce, asAda), { kind: 'rejected', reason: 'cancelled' });
      assert.equal(closer.calls.length, 0);
    });

    it('closes nothing when the organization has become managed meanwhile', async () => {
      const { service, closer } = createService({ realm: createRealm({ kind: 'managed', organizationName: 'Fabrikam' }) });
      const { request, nonce } = await openForAda(service);
      assert.deepEqual(await service.confirm(request.requestId, nonce, asAda), {
        kind: 'notEligible',
        requestId: request.requestId,
        verdict: 'managed',
      });
      assert.equal(closer.calls.length, 0);
    });

    it('closes nothing when the realm cannot confirm', async () => {
      const { service, closer } = createService({ realm: createRealm(new AppError('REALM_UNAVAILABLE', 'timeout')) });
      const { request, nonce } = await openForAda(service);
      const result = await service.confirm(request.requestId, nonce, asAda);
      assert.equal(result.kind, 'failed');
      assert.equal(closer.calls.length, 0);
    });
  });

  describe('double presses', () => {
    it('closes once when the same Yes arrives twice at the same moment', async () => {
      const { service, closer, audit } = createService();
      const { request, nonce } = await openForAda(service);
      const results = await Promise.all([
        service.confirm(request.requestId, nonce, asAda),
        service.confirm(request.requestId, nonce, asAda),
      ]);
      assert.deepEqual(results.map((r) => r.kind).sort(), ['closed', 'rejected']);
      assert.equal(closer.calls.length, 1);
      assert.equal((await audit.readAll()).filter((e) => e.type === 'closed').length, 1);
    });

    it('says "already closed" to a second press after the closure', async () => {
      const { service } = createService();
      const { request, nonce } = await openForAda(service);
      await service.confirm(request.requestId, nonce, asAda);
      assert.deepEqual(await service.confirm(request.requestId, nonce, asAda), { kind: 'rejected', reason: 'alreadyClosed' });
    });

    it('closes an account once even when two of its requests are confirmed', async () => {
      const { service, closer } = createService();
      const first = await openForAda(service);
      const second = await openForAda(service);
      const results = await Promise.all([
        service.confirm(first.request.requestId, first.nonce, asAda),
        service.confirm(second.request.requestId, second.nonce, asAda),
      ]);
      assert.deepEqual(results.map((r) => r.kind).sort(), ['closed', 'rejected']);
      assert.equal(closer.calls.length, 1);
    });
  });

  describe('the same warning shown again (its first card may never have arrived)', () => {
    it('accepts the card sent again and the first one alike, and closes once when both are pressed', async () => {
      const { service, closer, audit } = createService();
      const { request, nonce } = await openForAda(service);
      const again = await service.showAgain(request.requestId, 'user-ada');
      assert.ok(again, 'the pending warning is shown again');
      assert.notEqual(again.nonce, nonce);
      assert.equal(again.request.displayName, ADA.displayName, 'with the names the card shows');
      assert.equal(await service.peek(request.requestId, adaPress(again.nonce)), 'actionable');
      assert.equal(await service.peek(request.requestId, adaPress(nonce)), 'actionable');
      const results = await Promise.all([
        service.confirm(request.requestId, again.nonce, asAda),
        service.confirm(request.requestId, nonce, asAda),
      ]);
      assert.deepEqual(results.map((r) => r.kind).sort(), ['closed', 'rejected']);
      assert.equal(closer.calls.length, 1);
      assert.deepEqual(
        (await audit.readAll()).filter((e) => e.type === 'warningShown' || e.type === 'confirmed').map((e) => e.type),
        ['warningShown', 'confirmed'],
        'one request, one warningShown',
      );
    });

    it('keeps only the latest copies valid beside the first, and never stores a nonce', async () => {
      const { service, requests } = createService();
      const { request } = await openForAda(service);
      const nonces: string[] = [];
      for (let shown = 0; shown < 6; shown++) nonces.push((await service.showAgain(request.requestId, 'user-ada'))?.nonce ?? '');
      assert.equal(await service.peek(request.requestId, adaPress(nonces[0] ?? '')), 'badNonce', 'the oldest copy dropped');
      assert.equal(await service.peek(request.requestId, adaPress(nonces[5] ?? '')), 'actionable');
      const stored = JSON.stringify((await requests.get(request.requestId))?.value);
      assert.ok(nonces.every((nonce) => !stored.includes(nonce)));
    });

    it('shows nothing again to another channel user, after the request ended, or once it expired', async () => {
      const { service } = createService();
      const first = await openForAda(service);
      assert.equal(await service.showAgain(first.request.requestId, 'user-grace'), undefined);
      await service.decline(first.request.requestId, adaPress(first.nonce));
      assert.equal(await service.showAgain(first.request.requestId, 'user-ada'), undefined);
      const second = await openForAda(service);
      clock.tick(TTL_MS);
      assert.equal(await service.showAgain(second.request.requestId, 'user-ada'), undefined);
    });

    it('still counts a Yes, a No or a cancel whose write met a copy of the warning being sent (no "already being handled")', async () => {
      for (const answer of ['yes', 'no', 'cancel'] as const) {
        const { service, requests, closer } = createService();
        const { request, nonce } = await openForAda(service);
        // The copy is written between the answer's read and its compare-and-swap, as a second turn of the same person would.
        const replace = requests.replace.bind(requests);
        let raced = false;
        requests.replace = async (id, value, etag) => {
          if (!raced && value.status !== 'pending') {
            raced = true;
            assert.ok(await service.showAgain(id, 'user-ada'));
          }
          return replace(id, value, etag);
        };
        if (answer === 'yes') assert.equal((await service.confirm(request.requestId, nonce, asAda)).kind, 'closed');
        if (answer === 'no') assert.deepEqual(await service.decline(request.requestId, adaPress(nonce)), { kind: 'declined' });
        if (answer === 'cancel') assert.equal(await service.cancelPending(request.requestId, 'user-ada'), 'cancelled');
        assert.ok(raced, `${answer}: the copy came between`);
        assert.equal(closer.calls.length, answer === 'yes' ? 1 : 0);
      }
    });

    it('removes the names with the rest of the personal data when the request ends', async () => {
      const { service, requests } = createService();
      const { request, nonce } = await openForAda(service);
      await service.decline(request.requestId, adaPress(nonce));
      const stored = (await requests.get(request.requestId))?.value;
      assert.equal(stored?.displayName, undefined);
      assert.equal(stored?.organizationName, undefined);
    });
  });

  describe('a directory that does not answer', () => {
    it('keeps the request closing and lets the reconciler finish it exactly once', async () => {
      let fail = true;
      const closer = createCloser(async () => {
        if (fail) throw new AppError('DIRECTORY_UNAVAILABLE', 'reset');
        return { kind: 'closed' };
      });
      const { service, requests, audit } = createService({ closer });
      const { request, nonce } = await openForAda(service);
      assert.deepEqual(await service.confirm(request.requestId, nonce, asAda), { kind: 'stillClosing', requestId: request.requestId });
      assert.equal((await requests.get(request.requestId))?.value.status, 'closing');

      assert.deepEqual(await service.reconcile(), [], 'the lease of the first attempt is still running');
      fail = false;
      clock.tick(60_000);
      const finished = await service.reconcile();
      assert.deepEqual(finished, [request.requestId], 'to be settled: the caller tells the user');
      assert.equal((await requests.get(request.requestId))?.value.status, 'closed');
      assert.deepEqual((await requests.get(request.requestId))?.value.conversation, { conversation: { id: 'c1' } });
      assert.equal((await audit.readAll()).filter((e) => e.type === 'closed').length, 1);
    });

    it('gives up as failed after the last attempt', async () => {
      const closer = createCloser(async () => {
        throw new AppError('DIRECTORY_UNAVAILABLE', 'down');
      });
      const { service, requests } = createService({ closer });
      const { request, nonce } = await openForAda(service);
      await service.confirm(request.requestId, nonce, asAda);
      for (let i = 0; i < 3; i++) {
        clock.tick(60_000);
        await service.reconcile();
      }
      assert.equal((await requests.get(request.requestId))?.value.status, 'failed');
      assert.equal(closer.calls.length, 3);
    });

    it('finishes a request a crash left confirmed, re-checking the realm first', async () => {
      const { service, requests, realm, closer } = createService();
      const { request } = await openForAda(service);
      const stored = await requests.get(request.requestId);
      await requests.replace(request.requestId, { ...stored!.value, status: 'confirmed' }, stored!.etag);
      clock.tick(60_000);
      assert.deepEqual(await service.reconcile(), [request.requestId]);
      assert.equal((await requests.get(request.requestId))?.value.status, 'closed');
      assert.deepEqual(realm.calls, [ADA.upn]);
      assert.equal(closer.calls.length, 1);
    });
  });

  describe('telling the requester', () => {
    it('tells an outcome the pressing instance never reported, once its lease lapsed, and only once', async () => {
      const { service, requests } = createService();
      const { request, nonce } = await openForAda(service);
      await service.confirm(request.requestId, nonce, asAda);
      assert.deepEqual(await service.reconcile(), [], 'the pressing instance may still be replying');
      clock.tick(60_000);
      assert.deepEqual(await service.reconcile(), [request.requestId]);
      const claimed = await service.claimSettlement(request.requestId, 60_000);
      assert.ok(claimed);
      assert.equal(await service.claimSettlement(request.requestId, 60_000), undefined, 'one settler at a time');
      assert.deepEqual(await service.reconcile(), [], 'not while its settler holds the claim');
      await service.markSettled(claimed);
      assert.deepEqual(await service.reconcile(), []);
      assert.equal((await requests.get(request.requestId))?.value.outcomeNotified, true);
    });

    it('does not pick up a confirmed request while the pressing instance is within its lease', async () => {
      const { service, requests, closer } = createService();
      const { request } = await openForAda(service);
      const stored = await requests.get(request.requestId);
      await requests.replace(
        request.requestId,
        { ...stored!.value, status: 'confirmed', updatedAt: new Date().toISOString() },
        stored!.etag,
      );
      assert.deepEqual(await service.reconcile(), []);
      assert.equal(closer.calls.length, 0);
    });

    it('keeps the conversation of a cancelled request only until it is settled (its conversation state forgotten)', async () => {
      const { service, requests } = createService();
      const { request } = await openForAda(service);
      await service.cancelPending(request.requestId, 'user-ada');
      assert.equal((await requests.get(request.requestId))?.value.upn, undefined);
      await service.markSettled((await service.claimSettlement(request.requestId, 60_000))!);
      assert.equal((await requests.get(request.requestId))?.value.conversation, undefined);
    });
  });

  describe('cancel', () => {
    it("cancels the requester's pending request and nobody else's", async () => {
      const { service, requests } = createService();
      const { request } = await openForAda(service);
      assert.equal(await service.cancelPending(request.requestId, 'user-grace'), 'notPending');
      assert.equal(await service.cancelPending(request.requestId, 'user-ada'), 'cancelled');
      assert.equal((await requests.get(request.requestId))?.value.status, 'cancelled');
    });
  });

  describe('peek', () => {
    it('tells a foreign, a finished and an actionable press apart without a sign-in', async () => {
      const { service } = createService();
      const { request, nonce } = await openForAda(service);
      assert.equal(await service.peek(request.requestId, { ...adaPress(nonce), channelUserId: 'user-grace' }), 'notRequester');
      assert.equal(await service.peek(request.requestId, adaPress('wrong')), 'badNonce');
      assert.equal(await service.peek(request.requestId, adaPress(nonce)), 'actionable');
      await service.confirm(request.requestId, nonce, asAda);
      assert.equal(await service.peek(request.requestId, { ...adaPress(nonce), channelUserId: 'user-grace' }), 'alreadyClosed');
    });
  });
});
