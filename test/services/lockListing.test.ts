import { strict as assert } from 'node:assert';
import { MemoryAuditTrail } from '../../adapters/storage/memoryAuditTrail';
import { MemoryRecordStore } from '../../adapters/storage/memoryRecordStore';
import type { AccountCloser } from '../../services/accountCloser';
import type { ClosureAccount } from '../../services/closure/closureAccounts';
import { accountKey, type AccountClosureLock, type ClosureRequest } from '../../services/closureRequest';
import { ClosureService } from '../../services/closureService';
import type { VerifiedIdentity } from '../../services/identity';
import { ListedOnAccounts } from '../../services/listedOnAccounts';
import { silentLogger } from '../../services/logger';

/**
 * The warning reads the account's closure lock only when the account's record lists a request (issue 22): a lock
 * is taken only by a request listed there at its warning. Locks from before account records (issue 19) are listed
 * by a walk made once per deployment, so an old closure still refuses a new warning.
 */
const ADA: VerifiedIdentity = {
  objectId: 'a0000000-0000-4000-8000-000000000001',
  tenantId: 't0000000-0000-4000-8000-00000000000a',
  upn: 'ada@fabrikam.example',
  displayName: 'Ada',
  organizationName: 'Fabrikam Volunteers',
};
const NOW = new Date('2026-12-07T10:00:00Z');

function createFixture(closer: AccountCloser = { close: async () => ({ kind: 'closed' }) }) {
  const requests = new MemoryRecordStore<ClosureRequest>();
  const accounts = new MemoryRecordStore<ClosureAccount>();
  const lockStore = new MemoryRecordStore<AccountClosureLock>();
  let lockReads = 0;
  const locks = Object.assign(Object.create(lockStore) as MemoryRecordStore<AccountClosureLock>, {
    get: (id: string) => {
      lockReads += 1;
      return lockStore.get(id);
    },
  });
  const marks = new MemoryRecordStore<{ listedAt: string }>();
  // As services/createServices.ts wires them.
  const locksListed: ListedOnAccounts<AccountClosureLock> = new ListedOnAccounts({
    name: 'closureLocks',
    records: lockStore,
    listOne: async (key, lock) => {
      await service.accounts.listLockHolder(key, lock.requestId);
      return true;
    },
    marks,
    clock: () => NOW,
    logger: silentLogger,
  });
  const service: ClosureService = new ClosureService({
    requests,
    locks,
    accounts,
    audit: new MemoryAuditTrail(),
    realm: { lookup: async () => ({ kind: 'unmanaged', organizationName: 'Fabrikam Volunteers' }) },
    closer,
    hashUpn: () => 'upn-hash',
    clock: () => NOW,
    confirmationTtlMs: 600_000,
    closingLeaseMs: 60_000,
    maxCloseAttempts: 3,
    logger: silentLogger,
    everyLockListed: () => locksListed.check(),
  });
  return { service, requests, accounts, lockStore, marks, lockReads: () => lockReads };
}

function open(service: ClosureService, chat: string) {
  return service.open({
    identity: ADA,
    channelId: 'emulator',
    channelUserId: `user-${chat}`,
    conversationId: chat,
    conversation: { conversation: { id: chat } },
  });
}

/** As a version before account records left a closure: the lock, its holder closed, no account record at all. */
async function closedBeforeAccountRecords(fixture: ReturnType<typeof createFixture>) {
  await fixture.lockStore.create(accountKey(ADA), { requestId: 'cr_old' });
  await fixture.requests.create('cr_old', {
    requestId: 'cr_old',
    channelId: 'emulator',
    channelUserId: '',
    objectId: ADA.objectId,
    tenantId: ADA.tenantId,
    upnHash: 'upn-hash',
    nonceHash: 'x',
    status: 'closed',
    createdAt: NOW.toISOString(),
    expiresAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    attempts: 1,
    outcomeNotified: true,
  });
}

describe("the warning and the account's closure lock", () => {
  it('reads no lock for an account whose record lists no request', async () => {
    const fixture = createFixture();
    await fixture.service.registerFlow(ADA, { conversation: { id: 'c1' } }, 'c1');
    assert.equal((await open(fixture.service, 'c1')).kind, 'opened');
    assert.equal(fixture.lockReads(), 0);
    assert.ok(await fixture.marks.get('closureLocks'), 'the (empty) locks were walked once, and the mark written');
  });

  it('reads it once the account lists a request, and refuses a warning while that request closes the account', async () => {
    let finish = () => undefined as void;
    const closing = new Promise<void>((resolve) => (finish = resolve));
    const fixture = createFixture({
      close: async () => {
        await closing;
        return { kind: 'closed' };
      },
    });
    const first = await open(fixture.service, 'c1');
    assert.equal(first.kind, 'opened');
    if (first.kind !== 'opened') return;
    const yes = fixture.service.confirm(first.request.requestId, first.nonce, {
      channelUserId: 'user-c1',
      conversationId: 'c1',
      identity: ADA,
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(await fixture.lockStore.get(accountKey(ADA)), 'the first request holds the lock');
    assert.equal((await open(fixture.service, 'c2')).kind, 'accountClosing');
    assert.ok(fixture.lockReads() > 0);
    finish();
    await yes;
    assert.equal((await open(fixture.service, 'c3')).kind, 'accountClosed');
  });

  it('still refuses a warning for an account closed before account records: the walk listed its lock', async () => {
    const fixture = createFixture();
    await closedBeforeAccountRecords(fixture);
    // The export offer made the account's record, listing no request.
    await fixture.service.registerFlow(ADA, { conversation: { id: 'c1' } }, 'c1');
    assert.equal((await open(fixture.service, 'c1')).kind, 'accountClosed');
    assert.deepEqual((await fixture.accounts.get(accountKey(ADA)))?.value.requests, ['cr_old']);
  });

  it('reads the lock of every account while the walk has not been made (a lock that cannot be read: no mark)', async () => {
    const fixture = createFixture();
    await closedBeforeAccountRecords(fixture);
    const scan = fixture.lockStore.scan.bind(fixture.lockStore);
    fixture.lockStore.scan = async function* (pageSize?: number) {
      for await (const page of scan(pageSize)) yield [...page, { id: 'torn', unreadable: new Error('not JSON') as never }];
    };
    await fixture.service.registerFlow(ADA, { conversation: { id: 'c1' } }, 'c1');
    assert.equal((await open(fixture.service, 'c1')).kind, 'accountClosed');
    assert.equal(await fixture.marks.get('closureLocks'), undefined);
    assert.ok(fixture.lockReads() > 0);
  });
});
