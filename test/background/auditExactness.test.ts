import { strict as assert } from 'node:assert';
import type { AuditTrail } from '../../services/auditTrail';
import type { OpenResult } from '../../services/closure/closureJudge';
import { accountKey, type AccountClosureLock, type ClosureRequest } from '../../services/closureRequest';
import { ClosureService } from '../../services/closureService';
import { AppError } from '../../services/errors';
import type { VerifiedIdentity } from '../../services/identity';
import { createStores, type Stores } from '../../adapters/storage/createStores';
import { azuriteAccount, type RunningAzurite } from '../support/azurite';
import { createFreshContainer } from '../storage/storageTestSupport';
import { createClosureInstance } from './closureInstance';

const ADA: VerifiedIdentity = {
  objectId: 'a0000000-0000-4000-8000-000000000001',
  tenantId: 't0000000-0000-4000-8000-00000000000a',
  upn: 'ada@fabrikamvolunteers.example',
  displayName: 'Ada',
  organizationName: 'Fabrikam Volunteers',
};
const CONVERSATION = { channelId: 'emulator', conversation: { id: 'c1' }, user: { id: 'user-ada' } };
const LEASE_MS = 60_000;

/** The audit of one instance whose appends of `failing` types fail (a storage blip right after the outcome). */
function failingFor(trail: AuditTrail, failing: ReadonlySet<string>): AuditTrail {
  return {
    append: async (event) => {
      if (failing.has(event.type)) throw new AppError('STORAGE_UNAVAILABLE', 'audit append failed');
      return trail.append(event);
    },
    readAll: (options) => trail.readAll(options),
  };
}

/** The warning a fresh account opens (no other chat has closed it). */
async function opened(result: Promise<OpenResult>) {
  const open = await result;
  assert.equal(open.kind, 'opened');
  return open;
}

/** One bot instance's closure engine on the shared stores (each with its own audit shard on Blob). */
function createInstance(stores: Stores, clock: () => Date, audit: AuditTrail = stores.audit) {
  return createClosureInstance(stores, clock, { audit, leaseMs: LEASE_MS });
}

function threeInstancesReconciling(createSharedStores: () => Stores[]): void {
  it('write each missing event once: three instances reconciling one closure produce one closed event', async () => {
    let now = new Date('2026-12-01T09:00:00Z');
    const clock = () => now;
    const [pressing, ...others] = createSharedStores();
    // The instance that closed the account could not write `closed` after the outcome, then died before settling.
    const dying = createInstance(pressing, clock, failingFor(pressing.audit, new Set(['closed'])));
    const { request, nonce } = await opened(
      dying.closure.open({
        identity: ADA,
        channelId: 'emulator',
        channelUserId: 'user-ada',
        conversationId: 'c1',
        conversation: CONVERSATION,
      }),
    );
    const result = await dying.closure.confirm(request.requestId, nonce, {
      channelUserId: 'user-ada',
      conversationId: 'c1',
      identity: ADA,
    });
    assert.equal(result.kind, 'closed');

    now = new Date(now.getTime() + LEASE_MS + 1_000);
    const reconcilers = [createInstance(pressing, clock), ...others.map((stores) => createInstance(stores, clock))];
    const reports = await Promise.all(reconcilers.map((instance) => instance.runner.runOnce('reconcile')));

    assert.equal(
      reports.reduce((sum, report) => sum + report.done, 0),
      1,
      'one instance settled it',
    );
    assert.equal(reconcilers.flatMap((instance) => instance.notices).length, 1, 'the requester is told once');
    const events = (await pressing.audit.readAll()).filter((event) => event.requestId === request.requestId);
    const count = (type: string) => events.filter((event) => event.type === type).length;
    assert.deepEqual(
      { confirmed: count('confirmed'), closing: count('closing'), closed: count('closed') },
      { confirmed: 1, closing: 1, closed: 1 },
      events.map((event) => event.type).join(','),
    );
    assert.equal(events.find((event) => event.type === 'closed')?.detail, 'recovered');
  });
}

describe('the audit across instances (one event per step, whoever reconciles)', () => {
  describe('memory storage shared by three instances', () => {
    threeInstancesReconciling(() => {
      const stores = createStores({ kind: 'memory' });
      return [stores, stores, stores];
    });
  });

  describe('three instances on one Blob container (Azurite), each with its own audit shard', () => {
    let azurite: RunningAzurite;
    before(async function () {
      this.timeout(30_000);
      azurite = await azuriteAccount();
    });
    after(async () => {
      await azurite?.stop();
    });
    threeInstancesReconciling(() => {
      const containerClient = createFreshContainer(azurite.connectionString);
      return [1, 2, 3].map(() => createStores({ kind: 'blob', containerClient }));
    });
  });

  describe('every outcome has its event', () => {
    const open = (closure: ClosureService, conversationId = 'c1') =>
      opened(closure.open({ identity: ADA, channelId: 'emulator', channelUserId: 'user-ada', conversationId, conversation: CONVERSATION }));
    const typesOf = async (stores: Stores, requestId: string) =>
      (await stores.audit.readAll()).filter((event) => event.requestId === requestId).map((event) => event.type);

    it('records the expiry a late press finds, and the failure of a request that lost the account to another', async () => {
      let now = new Date('2026-12-01T09:00:00Z');
      const stores = createStores({ kind: 'memory' });
      const { closure } = createInstance(stores, () => now);
      const late = await open(closure);
      now = new Date(now.getTime() + 601_000);
      const press = { channelUserId: 'user-ada', conversationId: 'c1', identity: ADA };
      assert.deepEqual(await closure.confirm(late.request.requestId, late.nonce, press), { kind: 'rejected', reason: 'expired' });
      assert.deepEqual(await typesOf(stores, late.request.requestId), ['warningShown', 'confirmationRejected', 'expired']);

      // Two chats of one account: the first holds the account's lock while the second's Yes comes.
      const first = await open(closure, 'c1');
      const second = await open(closure, 'c2');
      await stores.records<AccountClosureLock>('closureLocks').create(accountKey(ADA), { requestId: first.request.requestId });
      const stored = await stores.records<ClosureRequest>('closureRequests').get(first.request.requestId);
      await stores
        .records<ClosureRequest>('closureRequests')
        .replace(first.request.requestId, { ...stored!.value, status: 'closing' }, stored!.etag);
      const lost = await closure.confirm(second.request.requestId, second.nonce, { ...press, conversationId: 'c2' });
      assert.deepEqual(lost, { kind: 'rejected', reason: 'closedByAnotherRequest' });
      assert.deepEqual(await typesOf(stores, second.request.requestId), ['warningShown', 'confirmed', 'closeFailed']);
    });

    it('writes the event of a No whose own event was lost (storage down right after the end), when it is settled', async () => {
      let now = new Date('2026-12-01T09:00:00Z');
      const stores = createStores({ kind: 'memory' });
      const { closure } = createInstance(stores, () => now, failingFor(stores.audit, new Set(['declined'])));
      const kept = await open(closure);
      await assert.rejects(closure.decline(kept.request.requestId, { channelUserId: 'user-ada', conversationId: 'c1', nonce: kept.nonce }));
      assert.deepEqual(await typesOf(stores, kept.request.requestId), ['warningShown']);

      now = new Date(now.getTime() + LEASE_MS + 1_000);
      const reconciler = createInstance(stores, () => now);
      assert.equal((await reconciler.runner.runOnce('reconcile')).done, 1);
      const events = (await stores.audit.readAll()).filter((event) => event.requestId === kept.request.requestId);
      assert.deepEqual(
        events.map((event) => `${event.type}${event.detail ? `:${event.detail}` : ''}`),
        ['warningShown', 'declined:recovered'],
      );
      assert.deepEqual(
        reconciler.notices.map((notice) => notice.kind),
        ['declined'],
        'and the No is told once',
      );
    });
  });
});
