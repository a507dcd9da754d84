import { countRun, quiet, type Counts } from './count';
import { runPerson, type Choice, type PersonRun } from './person';
import { OUTAGE_KINDS, sleep, startChaosWorld } from './world';

export interface ChaosPlan {
  readonly people: number;
  readonly kills: number;
  /**
   * Of the kills, how many are aimed: at the instance a press was just sent to, 0-400 ms later, so the kill lands in
   * the irreversible step (recording the Yes, closing, telling); the others land at random moments.
   */
  readonly aimedKills?: number;
  readonly outages: number;
  /** How long each storage outage lasts. */
  readonly outageMs: number;
  /** How many people walk at the same time. */
  readonly concurrency: number;
  /** Seeds the random moments and victims, so a failing run can be repeated. */
  readonly seed: number;
  /** How long the background passes get to finish everything after the last person is done. */
  readonly quietTimeoutMs: number;
  /** Bot settings on top of the run's own. */
  readonly env?: Record<string, string>;
  readonly log?: (line: string) => void;
}

export interface ChaosResult {
  readonly counts: Counts;
  readonly kills: number;
  readonly outages: number;
  readonly walkMs: number;
  readonly quietMs: number;
  readonly quiet: boolean;
}

/** An aimed kill lands this long after the press was sent, at most: a closure in the turn takes about that long. */
const AIM_WINDOW_MS = 600;

/** Two of three say Yes; the rest No or "cancel", so every outcome meets the faults. */
const CHOICES: readonly Choice[] = ['yes', 'yes', 'no', 'yes', 'cancel', 'yes'];

/**
 * The kill -9 and storage-outage run (issue 19): people walk to the warning and decide on two instances while one
 * instance is killed (and restarted) at random moments and storage is cut several times; then the background
 * passes run until every request is settled, and everything is counted from the stores and what people received.
 */
export async function runChaos(plan: ChaosPlan): Promise<ChaosResult> {
  const log = plan.log ?? (() => undefined);
  const random = mulberry32(plan.seed);
  const world = await startChaosWorld({ people: plan.people, env: plan.env });
  try {
    log(`started: 2 instances, ${plan.people} people`);
    const started = Date.now();
    let decided = 0;
    const people = world.people.map((person, i) => ({ person, choice: CHOICES[i % CHOICES.length] }));
    const walking = pool(people, plan.concurrency, async ({ person, choice }, i) => {
      // Staggered, so the faults meet people at every step rather than all at one.
      await sleep(Math.floor(random() * 1_500) + (i < plan.concurrency ? i * 300 : 0));
      const run = await runPerson(world, person, choice);
      decided += 1;
      return run;
    });
    const progress = setInterval(
      () => log(`${decided} of ${plan.people} decided at ${((Date.now() - started) / 1000).toFixed(0)} s`),
      10_000,
    );
    const faults = (async () => {
      const events = shuffle([...Array<'kill'>(plan.kills).fill('kill'), ...Array<'outage'>(plan.outages).fill('outage')], random);
      for (const event of events) {
        // Faults planned after the last decision still meet the background passes (settling, telling, expiring).
        await sleep(500 + Math.floor(random() * 2_500));
        if (event === 'kill') {
          const aimed = world.kills < (plan.aimedKills ?? 0);
          const victim = aimed ? await Promise.race([world.nextPress(), sleep(10_000)]) : undefined;
          if (victim) await sleep(Math.floor(random() * AIM_WINDOW_MS));
          const at = Date.now() - started;
          await world.killOne(random, victim ?? undefined);
          log(
            `kill -9 #${world.kills}${victim ? ' (aimed at a press)' : ''} at ${(at / 1000).toFixed(1)} s, restarted after ${((Date.now() - started - at) / 1000).toFixed(1)} s`,
          );
        } else {
          const kind = OUTAGE_KINDS[world.outages % OUTAGE_KINDS.length];
          log(`storage outage #${world.outages + 1} (${kind}, ${plan.outageMs} ms) at ${((Date.now() - started) / 1000).toFixed(1)} s`);
          await world.outage(kind, plan.outageMs);
        }
      }
    })();
    const runs: PersonRun[] = await walking;
    await faults;
    clearInterval(progress);
    const walkMs = Date.now() - started;
    log(`everyone decided after ${(walkMs / 1000).toFixed(1)} s; waiting for the background passes`);
    const quietStart = Date.now();
    let isQuiet = false;
    while (!isQuiet && Date.now() - quietStart < plan.quietTimeoutMs) {
      await sleep(1_000);
      isQuiet = await quiet(world);
    }
    const quietMs = Date.now() - quietStart;
    log(`${isQuiet ? 'quiet' : 'NOT quiet'} after ${(quietMs / 1000).toFixed(1)} s; counting`);
    const counts = await countRun(world, runs);
    return { counts, kills: world.kills, outages: world.outages, walkMs, quietMs, quiet: isQuiet };
  } finally {
    await world.stop();
  }
}

/** Runs `work` over `items`, at most `limit` at a time, keeping the order of the results. */
async function pool<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** A small seeded generator (mulberry32): the same seed gives the same moments and victims. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The counts as a table of rows (label, value), for the console and docs/scaling.md. */
export function chaosTable(plan: ChaosPlan, result: ChaosResult): Array<[string, string]> {
  const c = result.counts;
  const fmt = (o: Record<string, number>) =>
    Object.entries(o)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || '-';
  return [
    ['people (Yes / No / cancel)', `${c.people} (${fmt(c.byChoice)})`],
    ['kill -9 (restarted)', `${result.kills} of ${plan.kills}`],
    ['storage outages', `${result.outages} of ${plan.outages}, ${plan.outageMs} ms each`],
    [
      'walk + decide / background until quiet',
      `${(result.walkMs / 1000).toFixed(1)} s / ${(result.quietMs / 1000).toFixed(1)} s${result.quiet ? '' : ' (NOT quiet)'}`,
    ],
    ['presses sent (repeats after lost answers) / not answered 200', `${c.presses} / ${c.pressesUnanswered}`],
    ['walks that gave up', String(c.gaveUp)],
    ['closure requests, by status', `${c.requests} (${fmt(c.requestsByStatus)})`],
    ['accounts closed', String(c.accountsClosed)],
    ['Yes pressers, by what they were told last', fmt(c.yesTold)],
    ['closed accounts, by "closed" notices received', fmt(c.closedNoticesPerClosedAccount)],
    ['Yes pressers also heard', fmt(c.heardAlongTheWay)],
    ['audit events', String(c.auditEvents)],
    ['blobs scanned / with a UPN or name', `${c.blobsScanned} / ${c.personalHits}`],
    ['broken invariants', String(c.failures.length)],
  ];
}
