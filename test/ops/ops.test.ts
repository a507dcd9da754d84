import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { loadConfig } from '../../config/config';
import { openOpsStores, type OpsStores } from '../../ops/opsStores';
import { runOps } from '../../ops/main';
import type { Funnel, OpenRequest } from '../../ops/reports';
import type { AccountCloser, CloseOutcome } from '../../services/accountCloser';
import type { ClosureAccount } from '../../services/closure/closureAccounts';
import type { AccountClosureLock, ClosureRequest } from '../../services/closureRequest';
import { ClosureService } from '../../services/closureService';
import { AppError } from '../../services/errors';
import type { VerifiedIdentity } from '../../services/identity';
import { silentLogger } from '../../services/logger';
import { createStores, type StoresOptions } from '../../adapters/storage/createStores';
import { azuriteAccount, type RunningAzurite } from '../support/azurite';

const START = new Date('2026-11-27T10:00:00Z');
const person = (n: number): VerifiedIdentity => ({
  objectId: `a0000000-0000-4000-8000-00000000000${n}`,
  tenantId: 't0000000-0000-4000-8000-00000000000a',
  upn: `person${n}@fabrikamvolunteers.example`,
  displayName: `Person Number${n}`,
  organizationName: 'Fabrikam Volunteers',
});

/**
 * Scripted closures through the real ClosureService on the bot's real stores: one closed, one handed off, one left
 * closing by a directory that does not answer, one failed, one kept (No), one still at the warning; the dialog's sign-in events
 * for each; and one record the background work set aside (the quarantine entry's shape).
 */
async function scriptClosures(options: StoresOptions, clock: { now: Date }): Promise<Record<string, string>> {
  const stores = createStores(options);
  const outcomes: Array<() => Promise<CloseOutcome>> = [
    async () => ({ kind: 'closed' }),
    async () => ({ kind: 'handedOff', reason: 'forbidden', portalUrl: 'https://go.microsoft.com/fwlink/?linkid=873123' }),
    async () => {
      throw new AppError('DIRECTORY_UNAVAILABLE', 'the directory did not answer');
    },
    async () => {
      throw new AppError('CLOSE_FAILED', 'the directory refused the delete');
    },
  ];
  let next = 0;
  const closer: AccountCloser = { close: () => (outcomes[next++] ?? outcomes[0])() };
  const service = new ClosureService({
    requests: stores.records<ClosureRequest>('closureRequests'),
    locks: stores.records<AccountClosureLock>('closureLocks'),
    accounts: stores.records<ClosureAccount>('closureAccounts'),
    audit: stores.audit,
    realm: { lookup: async () => ({ kind: 'unmanaged', organizationName: 'Fabrikam Volunteers' }) },
    closer,
    hashUpn: (upn) => `hash-${upn.length}`,
    clock: () => clock.now,
    confirmationTtlMs: 10 * 60_000,
    closingLeaseMs: 60_000,
    maxCloseAttempts: 3,
    logger: silentLogger,
  });
  const ids: Record<string, string> = {};
  for (const [n, name] of ['closed', 'handedOff', 'closing', 'failed', 'kept', 'pending'].entries()) {
    const identity = person(n + 1);
    const at = clock.now.toISOString();
    await stores.audit.append({ type: 'signedIn', at, objectId: identity.objectId, tenantId: identity.tenantId, upnHash: 'h' });
    await stores.audit.append({
      type: 'realmChecked',
      at,
      objectId: identity.objectId,
      tenantId: identity.tenantId,
      upnHash: 'h',
      detail: 'unmanaged',
    });
    const conversationId = `c${n}`;
    const opened = await service.open({
      identity,
      channelId: 'emulator',
      channelUserId: `u${n}`,
      conversationId,
      conversation: { conversation: { id: conversationId } },
    });
    assert.equal(opened.kind, 'opened');
    const { request, nonce } = opened;
    ids[name] = request.requestId;
    const presser = { channelUserId: `u${n}`, conversationId, identity };
    if (name === 'kept') await service.decline(request.requestId, { channelUserId: `u${n}`, conversationId, nonce });
    else if (name !== 'pending') await service.confirm(request.requestId, nonce, presser).catch(() => undefined);
  }
  await stores.records('quarantine').create('closureRequests-broken', {
    kind: 'closureRequests',
    recordId: 'broken',
    job: 'reconcile',
    reason: 'RECORD_UNREADABLE',
    failures: 1,
    at: clock.now.toISOString(),
  });
  return ids;
}

for (const backend of ['file', 'azurite'] as const) {
  describe(`npm run ops on ${backend} storage, after scripted closures`, function () {
    this.timeout(60_000);
    let azurite: RunningAzurite | undefined;
    let dir: string;
    let ops: OpsStores;
    let ids: Record<string, string>;
    const clock = { now: START };
    const later = new Date(START.getTime() + 60 * 60_000);
    const run = async (...args: string[]) => runOps(['--json', ...args], ops, later);

    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'ops-'));
      if (backend === 'file') {
        const config = loadConfig({ STORAGE: 'file', DATA_DIR: dir });
        ids = await scriptClosures({ kind: 'file', dir }, clock);
        ops = openOpsStores(config);
      } else {
        azurite = await azuriteAccount();
        const env = { STORAGE: 'blob', STORAGE_BLOB_CONNECTION_STRING: azurite.connectionString, STORAGE_BLOB_AUDIT_CONTAINER: 'audit' };
        const config = loadConfig(env);
        ops = openOpsStores(config);
        const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
        const container = service.getContainerClient(config.storage.kind === 'blob' ? config.storage.container : '');
        ids = await scriptClosures(
          { kind: 'blob', containerClient: container, auditContainerClient: service.getContainerClient('audit') },
          clock,
        );
      }
    });
    after(async () => {
      await azurite?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it('counts each stage and outcome of the period, and says that starts are not in the audit', async () => {
      const funnel = (await run('funnel', '--since', '7d')).json as Funnel;
      assert.deepEqual(funnel.stages, { started: null, signedIn: 6, eligible: 6, warned: 6, confirmed: 4 });
      assert.equal(funnel.outcomes.closed, 1);
      assert.equal(funnel.outcomes.handedOff, 1);
      assert.equal(funnel.outcomes.failed, 1);
      assert.equal(funnel.outcomes.declined + funnel.outcomes.cancelled, 1);
    });

    it('counts nothing for a period before the closures', async () => {
      const funnel = (await runOps(['funnel', '--since', '2026-01-01'], ops, new Date('2026-02-01T00:00:00Z'))).json as Funnel;
      assert.equal(funnel.stages.signedIn, 0);
    });

    it('lists open requests with their age, the closing one as stuck and the ended-but-untold as owed', async () => {
      const open = (await run('open')).json as OpenRequest[];
      const byId = new Map(open.map((r) => [r.requestId, r]));
      assert.equal(byId.get(ids.pending ?? '')?.status, 'pending');
      assert.equal(byId.get(ids.pending ?? '')?.ageSeconds, 3600);
      assert.ok(['confirmed', 'closing'].includes(byId.get(ids.closing ?? '')?.status ?? ''));
      const stuck = ((await run('stuck')).json as OpenRequest[]).map((r) => r.requestId);
      assert.deepEqual(stuck, [ids.closing]);
      const owed = ((await run('owed')).json as OpenRequest[]).map((r) => r.requestId).sort();
      assert.deepEqual(owed, [ids.closed, ids.handedOff, ids.failed, ids.kept].sort());
    });

    it("tells one request's story by its id, with no name, address or account id", async () => {
      const output = await run('story', ids.closed ?? '');
      const { events } = output.json as { events: Array<{ type: string }> };
      assert.deepEqual(events.map((e) => e.type).slice(0, 5), ['warningShown', 'confirmed', 'realmChecked', 'closing', 'closed']);
      const text = JSON.stringify(output.json) + (await runOps(['story', ids.closed ?? ''], ops, later)).text;
      for (const personal of ['person1', 'Number1', person(1).objectId, 'fabrikam']) assert.ok(!text.includes(personal), personal);
      await assert.rejects(runOps(['story', 'person1@fabrikamvolunteers.example'], ops, later), /never a name or address/);
    });

    it('lists the records set aside', async () => {
      const entries = (await run('quarantined')).json as Array<{ recordId: string; reason: string }>;
      assert.deepEqual(
        entries.map((e) => [e.recordId, e.reason]),
        [['broken', 'RECORD_UNREADABLE']],
      );
    });

    it('draws the funnel as an SVG with each stage and its count', async () => {
      const file = path.join(dir, 'funnel.svg');
      await run('funnel', '--since', '7d', '--svg', file);
      const svg = await readFile(file, 'utf8');
      assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      for (const label of ['Signed in', 'Eligible', 'Warned', 'Confirmed', 'Closed', 'Handed off'])
        assert.ok(svg.includes(`>${label}</text>`), label);
      assert.match(svg, />not recorded</);
      assert.ok(!svg.includes('person'));
    });
  });
}
