import { strict as assert } from 'node:assert';
import type { AccountCloser } from '../../services/accountCloser';
import type { ClosureAccount } from '../../services/closure/closureAccounts';
import type { AccountClosureLock, ClosureRequest } from '../../services/closureRequest';
import { ClosureService, MAX_DELIVERY_ATTEMPTS } from '../../services/closureService';
import type { ClosureChannel, ClosureNotice } from '../../services/closureChannel';
import { ClosureWorkflow } from '../../services/closureWorkflow';
import { AppError } from '../../services/errors';
import type { VerifiedIdentity } from '../../services/identity';
import { silentLogger } from '../../services/logger';
import type { RecordStore } from '../../services/recordStore';
import { MemoryAuditTrail } from '../../adapters/storage/memoryAuditTrail';
import { MemoryRecordStore } from '../../adapters/storage/memoryRecordStore';

const ADA: VerifiedIdentity = {
  objectId: 'a0000000-0000-4000-8000-000000000001',
  tenantId: 't0000000-0000-4000-8000-00000000000a',
  upn: 'ada@fabrikamvolunteers.example',
  displayName: 'Ada',
  organizationName: 'Fabrikam Volunteers',
};
const CONVERSATION = { channelId: 'emulator', conversation: { id: 'c1' }, user: { id: 'user-ada' } };

/** A channel that records what the workflow asked of it; `fail` makes one of its operations throw. */
function createChannel(fail: Partial<Record<'signOut' | 'forgetConversation' | 'send', boolean>> = {}) {
  const calls: string[] = [];
  const notices: ClosureNotice[] = [];
  const channel: ClosureChannel = {
    async send(notice) {
      if (fail.send) throw new Error('connector down');
      calls.push(`send:${notice.kind}`);
      notices.push(notice);
    },
    async updateCard(request) {
      calls.push(`updateCard:${request.status}`);
    },
    async signOut() {
      if (fail.signOut) throw new Error('token service down');
      calls.push('signOut');
    },
    async forgetConversation() {
      if (fail.forgetConversation) throw new AppError('STORAGE_UNAVAILABLE', 'state storage down');
      calls.push('forgetConversation');
    },
    async forgetFlow() {
      calls.push('forgetFlow');
      return true;
    },
  };
  return { channel, calls, notices };
}

/** A request store whose `replace` fails once `failWhen` says so: a storage error at one chosen write. */
function failingStore(
  inner: RecordStore<ClosureRequest>,
  failWhen: (value: ClosureRequest) => boolean,
): RecordStore<ClosureRequest> & { armed: boolean } {
  const store = {
    armed: true,
    get: (id: string) => inner.get(id),
    create: (id: string, value: ClosureRequest) => inner.create(id, value),
    list: () => inner.list(),
    scan: (pageSize?: number) => inner.scan(pageSize),
    delete: (id: string, etag?: string) => inner.delete(id, etag),
    async replace(id: string, value: ClosureRequest, etag: string) {
      if (store.armed && failWhen(value)) throw new AppError('STORAGE_UNAVAILABLE', 'blob storage answered 503');
      return inner.replace(id, value, etag);
    },
  };
  return store;
}

function createWorkflow(options: { requests?: RecordStore<ClosureRequest>; closer?: AccountCloser } = {}) {
  const requests = options.requests ?? new MemoryRecordStore<ClosureRequest>();
  const audit = new MemoryAuditTrail();
  const closerCalls: string[] = [];
  const closer: AccountCloser = options.closer ?? {
    async close(_identity, { requestId }) {
      closerCalls.push(requestId);
      return { kind: 'closed' };
    },
  };
  let now = new Date('2026-12-01T09:00:00Z');
  const closure = new ClosureService({
    requests,
    locks: new MemoryRecordStore<AccountClosureLock>(),
    accounts: new MemoryRecordStore<ClosureAccount>(),
    audit,
    closer,
    realm: { lookup: async () => ({ kind: 'unmanaged', organizationName: 'Fabrikam Volunteers' }) },
    hashUpn: () => 'upn-hash',
    clock: () => now,
    confirmationTtlMs: 600_000,
    closingLeaseMs: 60_000,
    maxCloseAttempts: 3,
    logger: silentLogger,
  });
  const forgotten: string[] = [];
  const workflow = new ClosureWorkflow({
    closure,
    forgetPerson: async (person) => {
      forgotten.push(person.objectId);
    },
    settleLeaseMs: 60_000,
    logger: silentLogger,
  });
  const open = async () => {
    const opened = await closure.open({
      identity: ADA,
      channelId: 'emulator',
      channelUserId: 'user-ada',
      conversationId: 'c1',
      conversation: CONVERSATION,
    });
    if (opened.kind !== 'opened') throw new Error(`no warning opened: ${opened.kind}`);
    return opened;
  };
  const press = (nonce: string) => ({ channelUserId: 'user-ada', conversationId: 'c1', nonce });
  /** A second warning for the same account, in another chat (another channel user and conversation). */
  const openElsewhere = async () =>
    closure.open({
      identity: ADA,
      channelId: 'emulator',
      channelUserId: 'user-ada-2',
      conversationId: 'c2',
      conversation: { channelId: 'emulator', conversation: { id: 'c2' }, user: { id: 'user-ada-2' } },
    });
  return {
    openElsewhere,
    workflow,
    closure,
    requests,
    audit,
    closerCalls,
    forgotten,
    open,
    press,
    later: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
  };
}

describe('ClosureWorkflow', () => {
  describe('a Yes that closes the account', () => {
    it('forgets the conversation state, signs out, tells once, updates the card, and keeps nothing personal', async () => {
      const { workflow, requests, open, press, forgotten } = createWorkflow();
      const { request, nonce } = await open();
      const { channel, calls, notices } = createChannel();
      const result = await workflow.confirm(request.requestId, press(nonce), ADA, channel);
      assert.equal(result.kind, 'closed');
      assert.deepEqual(calls, ['forgetConversation', 'signOut', 'send:closed', 'updateCard:closed']);
      assert.deepEqual(notices[0], {
        kind: 'closed',
        requestId: request.requestId,
        closedAt: (notices[0] as { closedAt: Date }).closedAt,
        upn: ADA.upn,
        signedOut: true,
      });
      assert.deepEqual(forgotten, [ADA.objectId]);
      const stored = (await requests.get(request.requestId))?.value;
      assert.equal(stored?.outcomeNotified, true);
      assert.equal(stored?.conversation, undefined);
      assert.equal(stored?.upn, undefined);
    });

    it('still tells the closure, truthfully, when the sign-out fails', async () => {
      const { workflow, open, press } = createWorkflow();
      const { request, nonce } = await open();
      const { channel, notices } = createChannel({ signOut: true });
      assert.equal((await workflow.confirm(request.requestId, press(nonce), ADA, channel)).kind, 'closed');
      assert.equal(notices.length, 1);
      assert.equal(notices[0].kind === 'closed' && notices[0].signedOut, false);
    });
  });

  describe('a storage error after the directory closed the account', () => {
    it('never marks the request failed: it stays closing and the reconciler records and tells the closure once', async () => {
      const memory = new MemoryRecordStore<ClosureRequest>();
      const requests = failingStore(memory, (value) => value.status === 'closed');
      const { workflow, closerCalls, audit, open, press, later } = createWorkflow({ requests });
      const { request, nonce } = await open();
      const turn = createChannel();

      const result = await workflow.confirm(request.requestId, press(nonce), ADA, turn.channel);
      assert.equal(result.kind, 'stillClosing');
      assert.deepEqual(turn.calls, ['send:stillClosing', 'updateCard:closing'], 'the card shows "closing" once the record holds it');
      assert.equal((await memory.get(request.requestId))?.value.status, 'closing');

      requests.armed = false;
      later(61_000);
      const background = createChannel();
      assert.equal(await workflow.reconcile(background.channel), 1);
      assert.equal(await workflow.reconcile(background.channel), 0);
      assert.deepEqual(background.calls, ['forgetConversation', 'signOut', 'send:closed', 'updateCard:closed']);
      assert.equal((await memory.get(request.requestId))?.value.status, 'closed');
      assert.equal(closerCalls.length, 2, 'the idempotent delete ran again');
      const types = (await audit.readAll()).filter((e) => e.requestId === request.requestId).map((e) => e.type);
      assert.ok(!types.includes('closeFailed'), types.join(','));
      assert.equal(types.filter((t) => t === 'closed').length, 1, types.join(','));
    });
  });

  describe('settling across instances', () => {
    it('tells the outcome once when two instances settle the same request at the same moment', async () => {
      const { workflow, closure, open, press, later } = createWorkflow();
      const { request, nonce } = await open();
      // The pressing instance died after the closure was recorded, before telling anyone.
      await closure.confirm(request.requestId, nonce, { ...press(nonce), identity: ADA });
      later(61_000);
      const first = createChannel();
      const second = createChannel();
      await Promise.all([workflow.reconcile(first.channel), workflow.reconcile(second.channel)]);
      assert.equal([...first.notices, ...second.notices].length, 1);
    });

    it('tells nothing while the conversation state cannot be forgotten, and leaves it to the reconciler', async () => {
      const { workflow, closure, requests, open, press, later } = createWorkflow();
      const { request, nonce } = await open();
      await closure.confirm(request.requestId, nonce, { ...press(nonce), identity: ADA });
      later(61_000);
      const broken = createChannel({ forgetConversation: true });
      assert.equal(await workflow.reconcile(broken.channel), 0);
      assert.deepEqual(broken.notices, []);
      assert.equal((await requests.get(request.requestId))?.value.outcomeNotified, undefined);
      later(61_000);
      const working = createChannel();
      assert.equal(await workflow.reconcile(working.channel), 1);
      assert.deepEqual(
        working.notices.map((n) => n.kind),
        ['closed'],
      );
    });
  });

  describe('the audit after a crash', () => {
    it('writes the closing event a crash skipped when the reconciler settles the closure', async () => {
      const { workflow, requests, audit, open, later } = createWorkflow();
      const { request } = await open();
      // A crash right after `confirmed -> closing` was written, before its audit event and the delete.
      const stored = await requests.get(request.requestId);
      await requests.replace(request.requestId, { ...stored!.value, status: 'closing', attempts: 1 }, stored!.etag);
      later(61_000);
      await workflow.reconcile(createChannel().channel);
      const events = (await audit.readAll()).filter((e) => e.requestId === request.requestId);
      const closing = events.find((e) => e.type === 'closing');
      assert.ok(closing, events.map((e) => e.type).join(','));
      assert.equal(closing.detail, 'recovered');
    });
  });

  describe('unknown is a state (a delete sent, its answer lost, the directory down)', () => {
    it('ends outcomeUnknown, never failed, tells so once, keeps checking, and tells the closure when the directory answers', async () => {
      const directory = { down: true, calls: 0 };
      const closer: AccountCloser = {
        async close(_identity, options) {
          directory.calls += 1;
          await options.recordDeleteSent?.();
          if (directory.down) throw new AppError('DIRECTORY_UNAVAILABLE', 'graph answered 503');
          return { kind: 'closed' };
        },
      };
      const { workflow, requests, audit, open, press, later } = createWorkflow({ closer });
      const { request, nonce } = await open();
      const turn = createChannel();
      assert.equal((await workflow.confirm(request.requestId, press(nonce), ADA, turn.channel)).kind, 'stillClosing');
      const background = createChannel();
      for (let pass = 0; pass < 4; pass++) {
        later(61_000);
        await workflow.reconcile(background.channel);
        assert.notEqual((await requests.get(request.requestId))?.value.status, 'failed');
      }
      assert.equal((await requests.get(request.requestId))?.value.status, 'outcomeUnknown');
      assert.deepEqual(
        background.notices.map((n) => n.kind),
        ['outcomeUnknown'],
        'told once that it is not confirmed yet',
      );
      const checks = directory.calls;
      directory.down = false;
      later(61_000);
      await workflow.reconcile(background.channel);
      assert.ok(directory.calls > checks, 'checked again');
      assert.equal((await requests.get(request.requestId))?.value.status, 'closed');
      assert.deepEqual(
        background.notices.map((n) => n.kind),
        ['outcomeUnknown', 'closed'],
      );
      const types = (await audit.readAll()).filter((e) => e.requestId === request.requestId).map((e) => e.type);
      assert.equal(types.filter((t) => t === 'outcomeUnknown').length, 1, types.join(','));
      assert.equal(types.filter((t) => t === 'closed').length, 1, types.join(','));
    });
  });

  describe('delivery is a state', () => {
    it('keeps a message whose send fails owed, retries it on the next passes, and gives it up after the bound, audited', async () => {
      const { workflow, closure, requests, audit, open, press, later } = createWorkflow();
      const { request, nonce } = await open();
      await closure.confirm(request.requestId, nonce, { ...press(nonce), identity: ADA });
      const fail = { send: true };
      const broken = createChannel(fail);
      for (let pass = 1; pass <= MAX_DELIVERY_ATTEMPTS; pass++) {
        later(61_000);
        await workflow.reconcile(broken.channel);
        const stored = (await requests.get(request.requestId))?.value;
        assert.equal(stored?.upn, undefined, 'personal fields go when the outcome is known');
        if (pass < MAX_DELIVERY_ATTEMPTS) {
          assert.deepEqual(stored?.settlement, { forgotten: true, noticeOwed: true, attempts: pass });
          assert.ok(stored?.conversation, 'the reference stays while the message is owed');
        }
      }
      const given = (await requests.get(request.requestId))?.value;
      assert.equal(given?.outcomeNotified, true);
      assert.equal(given?.conversation, undefined, 'the reference goes once given up');
      assert.ok((await audit.readAll()).some((e) => e.requestId === request.requestId && e.type === 'deliveryGivenUp'));
      assert.equal(broken.calls.filter((c) => c === 'forgetConversation').length, 1, 'the state is forgotten once, not per attempt');
    });

    it('tells once when a later pass can send the owed message', async () => {
      const { workflow, closure, requests, open, press, later } = createWorkflow();
      const { request, nonce } = await open();
      await closure.confirm(request.requestId, nonce, { ...press(nonce), identity: ADA });
      const fail = { send: true };
      const channel = createChannel(fail);
      later(61_000);
      await workflow.reconcile(channel.channel);
      fail.send = false;
      later(61_000);
      await workflow.reconcile(channel.channel);
      later(61_000);
      await workflow.reconcile(channel.channel);
      assert.deepEqual(
        channel.notices.map((n) => n.kind),
        ['closed'],
      );
      assert.equal((await requests.get(request.requestId))?.value.outcomeNotified, true);
    });

    it('answers a Yes whose recording fails with the truth, and owes nothing for it', async () => {
      const memory = new MemoryRecordStore<ClosureRequest>();
      const requests = failingStore(memory, (value) => value.status === 'confirmed');
      const { workflow, open, press } = createWorkflow({ requests });
      const { request, nonce } = await open();
      const turn = createChannel();
      const result = await workflow.confirm(request.requestId, press(nonce), ADA, turn.channel);
      assert.deepEqual(result, { kind: 'notRecorded', requestId: request.requestId, certain: true });
      assert.deepEqual(turn.notices, [{ kind: 'notRecorded', requestId: request.requestId, certain: true }]);
      assert.equal((await memory.get(request.requestId))?.value.status, 'pending', 'still valid: a later Yes can count');
    });
  });

  describe('the account is the unit of truth', () => {
    it('ends the account\'s other warning when it is closed, and tells it "closed from another chat"', async () => {
      const { workflow, requests, audit, open, openElsewhere, press } = createWorkflow();
      const other = await openElsewhere();
      const { request, nonce } = await open();
      const turn = createChannel();
      assert.equal((await workflow.confirm(request.requestId, press(nonce), ADA, turn.channel)).kind, 'closed');
      assert.equal(other.kind, 'opened');
      const otherId = other.kind === 'opened' ? other.request.requestId : '';
      assert.equal((await requests.get(otherId))?.value.status, 'closedElsewhere');
      assert.ok(turn.notices.some((n) => n.kind === 'closedElsewhere' && n.requestId === otherId));
      assert.ok((await audit.readAll()).some((e) => e.requestId === otherId && e.type === 'closedElsewhere'));
    });

    it('opens no new warning for a closed account, nor one being closed', async () => {
      const { closure, open, openElsewhere, press } = createWorkflow();
      const { request, nonce } = await open();
      await closure.confirm(request.requestId, nonce, { ...press(nonce), identity: ADA });
      assert.deepEqual(await openElsewhere(), { kind: 'accountClosed' });
    });

    it('expires a warning whose account was closed meanwhile as closedElsewhere, and tells it so', async () => {
      const { workflow, closure, requests, open, openElsewhere, press, later } = createWorkflow();
      const other = await openElsewhere();
      const { request, nonce } = await open();
      // Closed without the workflow (its instance died before ending the account's other requests).
      await closure.confirm(request.requestId, nonce, { ...press(nonce), identity: ADA });
      later(601_000);
      const background = createChannel();
      assert.equal(await workflow.expireOverdue(background.channel), 1);
      const otherId = other.kind === 'opened' ? other.request.requestId : '';
      assert.equal((await requests.get(otherId))?.value.status, 'closedElsewhere');
      assert.deepEqual(
        background.notices.map((n) => n.kind),
        ['closedElsewhere'],
      );
    });
  });
});
