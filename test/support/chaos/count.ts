import type { ContainerClient } from '@azure/storage-blob';
import { connectSandbox } from '@account-closure-bot/sandbox';
import type { AuditEventType } from '../../../services/auditTrail';
import { TERMINAL_STATUSES, type ClosureRequest } from '../../../services/closureRequest';
import { createStores } from '../../../adapters/storage/createStores';
import { wordsFor, type PersonRun } from './person';
import { CLAIMS_NOT_CLOSED, said } from './sentences';
import { CHAOS_TENANT_ID, type ChaosWorld } from './world';

/** Events a request has at most once, whatever crashed, retried or ran on two instances. */
const ONCE: readonly AuditEventType[] = [
  'warningShown',
  'confirmed',
  'declined',
  'cancelled',
  'expired',
  'closing',
  'closed',
  'handedOff',
  'closeFailed',
  'outcomeUnknown',
  'closedElsewhere',
  'deliveryGivenUp',
  'lockReleased',
];
/** The event every ended request's status must have in the audit. */
const OUTCOME_EVENT: Partial<Record<ClosureRequest['status'], readonly AuditEventType[]>> = {
  closed: ['closed'],
  cancelled: ['declined', 'cancelled'],
  expired: ['expired'],
  closedElsewhere: ['closedElsewhere'],
  failed: ['closeFailed'],
  handedOff: ['handedOff'],
  outcomeUnknown: ['outcomeUnknown'],
};
/** Statuses only a recorded Yes leads to. */
const AFTER_YES: ReadonlySet<ClosureRequest['status']> = new Set([
  'confirmed',
  'closing',
  'outcomeUnknown',
  'closed',
  'handedOff',
  'failed',
]);

export interface Counts {
  readonly people: number;
  readonly byChoice: Record<string, number>;
  readonly gaveUp: number;
  readonly presses: number;
  readonly requests: number;
  readonly requestsByStatus: Record<string, number>;
  readonly accountsClosed: number;
  /** People who pressed Yes, by what they were told in the end. */
  readonly yesTold: Record<string, number>;
  readonly closedNoticesPerClosedAccount: Record<string, number>;
  /** Presses whose HTTP answer was not 200 (the instance died, or storage failed the turn). */
  readonly pressesUnanswered: number;
  /** What Yes pressers heard besides the end (interim truths, "not recorded", answers to repeated presses). */
  readonly heardAlongTheWay: Record<string, number>;
  readonly auditEvents: number;
  readonly blobsScanned: number;
  readonly personalHits: number;
  readonly failures: readonly string[];
}

/** Whether every request has ended and been settled (nothing left for a background pass to do). */
export async function quiet(world: ChaosWorld): Promise<boolean> {
  const records = await requests(world);
  return records.every((r) => TERMINAL_STATUSES.includes(r.status) && r.outcomeNotified === true);
}

function stores(world: ChaosWorld) {
  return createStores({ kind: 'blob', containerClient: world.blobService.getContainerClient(world.container) });
}

async function requests(world: ChaosWorld): Promise<ClosureRequest[]> {
  return (await stores(world).records<ClosureRequest>('closureRequests').list()).map((r) => r.value);
}

/** Counts from the real stores, the directory and what each person received, and every broken invariant. */
export async function countRun(world: ChaosWorld, runs: readonly PersonRun[]): Promise<Counts> {
  const failures: string[] = [];
  const fail = (message: string) => failures.push(message);
  const records = await requests(world);
  const audit = await stores(world).audit.readAll();
  const exists = await directoryCheck(world);
  const byRequest = group(audit, (e) => e.requestId);
  const yesTold: Record<string, number> = {};
  const closedNotices: Record<string, number> = {};
  const along: string[] = [];

  for (const record of records) {
    const events = byRequest.get(record.requestId) ?? [];
    const types = events.map((e) => e.type);
    for (const type of ONCE) {
      const n = types.filter((t) => t === type).length;
      if (n > 1) fail(`request ${record.requestId}: "${type}" ${n} times in the audit`);
    }
    if (!TERMINAL_STATUSES.includes(record.status) || !record.outcomeNotified)
      fail(`request ${record.requestId}: still ${record.status}${record.outcomeNotified ? '' : ', not settled'} after the quiet`);
    const wanted = OUTCOME_EVENT[record.status];
    if (wanted && !wanted.some((t) => types.includes(t))) fail(`request ${record.requestId}: ${record.status} without its event`);
    if (AFTER_YES.has(record.status) && !types.includes('confirmed'))
      fail(`request ${record.requestId}: ${record.status} without "confirmed"`);
  }

  for (const run of runs) {
    const { person } = run;
    const mine = records.filter((r) => r.objectId === person.id);
    const mineEvents = audit.filter((e) => e.objectId === person.id);
    const closedEvents = mineEvents.filter((e) => e.type === 'closed').length;
    const confirmed = mineEvents.filter((e) => e.type === 'confirmed');
    const closed = !exists.get(person.id);
    const who = person.upn.split('@')[0];
    const messages = world.connector.received.filter(
      (r) => r.conversationId === run.conversationId && r.method === 'POST' && typeof r.activity.text === 'string',
    );
    const words = wordsFor(world, run.conversationId);
    const notices = words.filter((w) => w === 'closed').length;
    if (closed) closedNotices[String(notices)] = (closedNotices[String(notices)] ?? 0) + 1;
    const others = messages.map((m) => String(m.activity.text)).filter((t) => said(t) === 'other');
    const story = () =>
      `${others.length > 0 ? `other sentences "${others.map((t) => t.slice(0, 60)).join('" "')}"; ` : ''}` +
      `presses ${run.answers.join(' | ')}; heard ${words.join(',')}; audit ${mineEvents.map((e) => `${e.type}${e.detail ? `(${e.detail})` : ''}`).join(',')}`;
    if (closedEvents > 1) fail(`${who}: closed ${closedEvents} times in the audit`);
    if (mine.filter((r) => r.status === 'closed').length > 1) fail(`${who}: more than one request closed`);
    if (closed !== confirmed.length > 0)
      fail(`${who}: account ${closed ? 'closed' : 'open'} but ${confirmed.length} "confirmed" in the audit (${story()})`);
    if (closed !== (closedEvents === 1)) fail(`${who}: account ${closed ? 'closed' : 'open'} but ${closedEvents} "closed" events`);
    if (closed && run.choice !== 'yes') fail(`${who}: chose ${run.choice} and the account is closed`);

    if (closed && notices !== 1) fail(`${who}: account closed, told so ${notices} times (${story()})`);
    if (!closed && notices > 0) fail(`${who}: account open, told ${notices} times that it was closed`);
    const confirmedAt = Math.min(...confirmed.map((e) => Date.parse(e.at)));
    const lies = messages.filter((m) => CLAIMS_NOT_CLOSED.has(said(String(m.activity.text))) && m.at > confirmedAt);
    if (lies.length > 0) fail(`${who}: told "${String(lies[0].activity.text).slice(0, 60)}…" after the Yes was recorded (${story()})`);
    if (run.choice === 'yes' && run.reachedWarning) {
      const last = closed
        ? 'closed'
        : ([...words].reverse().find((w) => CLAIMS_NOT_CLOSED.has(w) || w === 'notRecordedUnsure') ?? 'nothing');
      yesTold[last] = (yesTold[last] ?? 0) + 1;
      along.push(...words.filter((w) => w !== 'closed'));
      if (last === 'nothing') fail(`${who}: pressed Yes ${run.presses} times, account open, never told (${story()})`);
    }
    if (!run.reachedWarning) fail(`${who}: ${run.gaveUp ?? 'never reached the warning'}`);
  }

  const scan = await scanForPeople(world, runs);
  for (const hit of scan.hits) fail(`personal data left: ${hit}`);
  return {
    people: runs.length,
    byChoice: tally(runs.map((r) => r.choice)),
    gaveUp: runs.filter((r) => !r.reachedWarning).length,
    presses: runs.reduce((n, r) => n + r.presses, 0),
    requests: records.length,
    requestsByStatus: tally(records.map((r) => r.status)),
    accountsClosed: runs.filter((r) => !exists.get(r.person.id)).length,
    yesTold,
    closedNoticesPerClosedAccount: closedNotices,
    pressesUnanswered: runs.flatMap((r) => r.answers).filter((a) => !a.endsWith(': 200')).length,
    heardAlongTheWay: tally(along),
    auditEvents: audit.length,
    blobsScanned: scan.blobs,
    personalHits: scan.hits.length,
    failures,
  };
}

/** Whether each seeded user still exists in the directory, asked of Graph with an app token. */
async function directoryCheck(world: ChaosWorld): Promise<Map<string, boolean>> {
  const connection = await connectSandbox(world.sandboxUrl);
  const token = await connection.appCredential.getToken('https://graph.microsoft.com/.default', { tenantId: CHAOS_TENANT_ID });
  const result = new Map<string, boolean>();
  for (const person of world.people) {
    const response = await fetch(`${connection.graphBaseUrl}/v1.0/users/${person.id}`, {
      headers: { authorization: `Bearer ${token?.token}` },
    });
    await response.body?.cancel();
    if (response.status !== 200 && response.status !== 404) throw new Error(`Graph answered ${response.status} for ${person.id}`);
    result.set(person.id, response.status === 200);
  }
  return result;
}

/** Every blob of every container (state, records, index, locks, audit), searched for the people's UPNs and names. */
async function scanForPeople(world: ChaosWorld, runs: readonly PersonRun[]): Promise<{ blobs: number; hits: string[] }> {
  const needles = runs.flatMap((r) => [r.person.upn, r.person.displayName].map((n) => n.toLowerCase()));
  const hits: string[] = [];
  let blobs = 0;
  for await (const container of world.blobService.listContainers()) {
    const client: ContainerClient = world.blobService.getContainerClient(container.name);
    for await (const blob of client.listBlobsFlat()) {
      blobs += 1;
      const text = (await client.getBlobClient(blob.name).downloadToBuffer()).toString('utf8').toLowerCase();
      const found = needles.filter((n) => text.includes(n));
      if (found.length > 0) hits.push(`${container.name}/${blob.name}: ${found.join(', ')}`);
    }
  }
  return { blobs, hits };
}

function group<T>(items: readonly T[], key: (item: T) => string | undefined): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k !== undefined) map.set(k, [...(map.get(k) ?? []), item]);
  }
  return map;
}

function tally(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
