import { strict as assert } from 'node:assert';
import type { AccountCloser } from '../../services/accountCloser';
import { AppError } from '../../services/errors';
import type { ClosureRequest } from '../../services/closureRequest';
import type { ClosureService } from '../../services/closureService';
import type { ClosureChannel, ClosureNotice } from '../../services/closureChannel';
import type { VerifiedIdentity } from '../../services/identity';
import { createStores, type Stores } from '../../adapters/storage/createStores';
import { createClosureInstance } from './closureInstance';

const IDA: VerifiedIdentity = {
  objectId: 'b0000000-0000-4000-8000-000000000001',
  tenantId: 't0000000-0000-4000-8000-00000000000b',
  upn: 'ida@kiteclub.example',
  displayName: 'Ida',
  organizationName: 'Kite Club',
};
const CONVERSATION = { channelId: 'emulator', conversation: { id: 'c-ida' }, user: { id: 'user-ida' } };
const LEASE_MS = 3_000;

/** A channel that records what it told; `forgetConversation` waits for `gate` (a slow store while settling). */
function createChannel(gate: Promise<void> = Promise.resolve()) {
  const notices: ClosureNotice[] = [];
  const channel: ClosureChannel = {
    send: async (notice) => void notices.push(notice),
    updateCard: async () => undefined,
    signOut: async () => undefined,
    forgetConversation: () => gate,
    forgetFlow: async () => false,
  };
  return { channel, notices };
}

/** One instance on the shared stores. */
function createInstance(stores: Stores, clock: () => Date, closer?: AccountCloser) {
  return createClosureInstance(stores, clock, { closer, leaseMs: LEASE_MS });
}

/** Opens Ida's warning on `closure` and presses Yes; returns the request id and what the press came to. */
async function openAndConfirm(closure: ClosureService) {
  const opened = await closure.open({
    identity: IDA,
    channelId: 'emulator',
    channelUserId: 'user-ida',
    conversationId: 'c-ida',
    conversation: CONVERSATION,
  });
  assert.equal(opened.kind, 'opened');
  const press = { channelUserId: 'user-ida', conversationId: 'c-ida', identity: IDA };
  return { requestId: opened.request.requestId, result: await closure.confirm(opened.request.requestId, opened.nonce, press) };
}

describe('settling an outcome whose claim lapses while it runs (the chaos run: "closed" told twice)', () => {
  it('tells the outcome once: the instance that took the settling over tells it, the slow one does not', async () => {
    let now = new Date('2026-12-07T21:00:00Z');
    const clock = () => now;
    const stores = createStores({ kind: 'memory' });
    const slow = createInstance(stores, clock);
    const other = createInstance(stores, clock);
    const { requestId, result } = await openAndConfirm(slow.closure);
    assert.equal(result.kind, 'closed');

    let release = () => undefined as void;
    const stuck = createChannel(new Promise<void>((resolve) => (release = resolve)));
    const settling = slow.settling.settle(requestId, stuck.channel);
    // The slow instance is still forgetting the conversation when its claim lapses; the reconciler elsewhere takes over.
    await new Promise((resolve) => setImmediate(resolve));
    now = new Date(now.getTime() + LEASE_MS + 1_000);
    const fast = createChannel();
    assert.equal(await other.settling.settle(requestId, fast.channel), true, 'the other instance takes the lapsed claim');
    release();
    const slowSettled = await settling.then(
      (settled) => settled,
      (error: Error) => error.message,
    );

    assert.equal(fast.notices.length + stuck.notices.length, 1, `told ${fast.notices.length + stuck.notices.length} times`);
    assert.equal(fast.notices[0]?.kind, 'closed');
    assert.equal(slowSettled, false, 'the slow instance stands back, without an error');
    assert.equal((await stores.records<ClosureRequest>('closureRequests').get(requestId))?.value.outcomeNotified, true);
  });
});

describe('the settling claim renewed right before telling: only when it may have lapsed (issue 22)', () => {
  /** The closure requests' writes after a Yes that closed, while `settle` runs; the clock moves by `forgetMs` while forgetting. */
  async function writesWhileSettling(forgetMs: number) {
    let now = new Date('2026-12-07T21:00:00Z');
    const clock = () => now;
    const stores = createStores({ kind: 'memory' });
    const instance = createInstance(stores, clock);
    const { requestId, result } = await openAndConfirm(instance.closure);
    assert.equal(result.kind, 'closed');
    // The settle after the reconciler took it (a claim of its own, by this instance's clock) ...
    now = new Date(now.getTime() + LEASE_MS + 1_000);
    const requests = stores.records<ClosureRequest>('closureRequests');
    const written: Array<string | undefined> = [];
    const replace = requests.replace.bind(requests);
    requests.replace = async (id, value, etag) => {
      written.push(value.outcomeNotified ? 'settled' : value.settlingUntil);
      return replace(id, value, etag);
    };
    const told = createChannel();
    // ... whose forgetting takes `forgetMs` of the lease.
    told.channel.forgetConversation = async () => {
      now = new Date(now.getTime() + forgetMs);
    };
    assert.equal(await instance.settling.settle(requestId, told.channel), true);
    assert.deepEqual(
      told.notices.map((notice) => notice.kind),
      ['closed'],
    );
    return written;
  }

  it('is not written again when nearly all its lease is left: claimed, told, settled', async () => {
    const written = await writesWhileSettling(LEASE_MS * 0.05);
    assert.equal(written.length, 2, `writes: ${written.join(', ')}`);
    assert.equal(written[1], 'settled');
  });

  it('is renewed once forgetting took more than a tenth of it (a slow store), before telling', async () => {
    const written = await writesWhileSettling(LEASE_MS * 0.2);
    assert.equal(written.length, 3, `writes: ${written.join(', ')}`);
    assert.ok(Date.parse(written[1] ?? '') > Date.parse(written[0] ?? ''), 'the renewal moved the claim on');
    assert.equal(written[2], 'settled');
  });
});

describe('a recorded Yes whose closure meets storage that does not answer (the chaos run: "I haven\'t changed anything")', () => {
  it('stays closing for the reconciler instead of failing, and the reconciler closes it and tells it once', async () => {
    let now = new Date('2026-12-07T21:00:00Z');
    const clock = () => now;
    const stores = createStores({ kind: 'memory' });
    let calls = 0;
    const closer: AccountCloser = {
      close: async () => {
        calls += 1;
        // The closer records `deleteSentAt` before it deletes; that write met the outage on the first try.
        if (calls === 1) throw new AppError('STORAGE_UNAVAILABLE', 'recording deleteSentAt failed');
        return { kind: 'closed' };
      },
    };
    const { closure, workflow } = createInstance(stores, clock, closer);
    const { requestId, result } = await openAndConfirm(closure);
    assert.equal(result.kind, 'stillClosing');

    now = new Date(now.getTime() + LEASE_MS + 1_000);
    const told = createChannel();
    await workflow.reconcile(told.channel);
    const request = (await stores.records<ClosureRequest>('closureRequests').get(requestId))?.value;
    assert.equal(request?.status, 'closed');
    assert.deepEqual(
      told.notices.map((notice) => notice.kind),
      ['closed'],
    );
  });
});
