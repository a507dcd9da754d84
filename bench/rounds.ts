/**
 * The measured part of `npm run bench`, in one run: every row (echo, memory, file, Blob with two instances, the
 * same-shape anchor) gets a short window in every round, in an order that rotates from round to round, so a
 * machine that speeds up or slows down over the run moves every row alike and the ratios hold. The figures that do
 * not depend on the machine's load are counted, not timed: CPU per unit of work (process CPU inside each server),
 * GC as CPU, HTTP requests per closure by kind.
 */
import type { BenchServer } from './processes';
import type { ProbeAnswer } from './serverProbe';
import { closeAccount, inParallel, openChannel, percentiles, round, welcomeWindow, type BenchUser, type Channel } from './traffic';

export interface Target {
  /** `echo`, `memory`, `file`, `blob`, `anchor`. */
  readonly name: string;
  /** One server, or several instances of the same bot (Blob): each activity goes to the next. */
  readonly servers: readonly BenchServer[];
  /** Whether it walks the whole closure (the echo bot does not). */
  readonly closes: boolean;
}

export interface Usage {
  readonly cpuMs: number;
  readonly gcCpuMs: number;
  readonly gcPauseMs: number;
  readonly requests: Readonly<Record<string, number>>;
}

export interface WelcomeFigures {
  readonly turns: number;
  readonly seconds: number;
  readonly turnsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly failed: number;
  /** Process CPU (all the target's servers) per turn. */
  readonly cpuMsPerTurn: number;
}

export interface ClosureFigures {
  readonly closures: number;
  readonly failed: number;
  readonly cpuMsPerClosure: number;
  /** GC as CPU (bench/serverProbe.ts `gcCpuMs`), part of the above. */
  readonly gcCpuMsPerClosure: number;
  /** GC pauses' wall time, for comparison with older runs (a loaded machine stretches it). */
  readonly gcPauseMsPerClosure: number;
  /** HTTP requests the bot sent per closure, by kind (`blob PUT audit`, `call graph`, ...). */
  readonly requestsPerClosure: Readonly<Record<string, number>>;
  readonly blobRequestsPerClosure: number;
  readonly outgoingCallsPerClosure: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Whether a CPU profiler ran in the servers meanwhile (`--profile`): its sampling is in the CPU figures. */
  readonly profiled: boolean;
}

export interface RoundsOptions {
  readonly rounds: number;
  readonly welcomeSeconds: number;
  readonly connections: readonly number[];
  readonly closuresPerRound: number;
  readonly closureConcurrency: number;
  readonly serviceUrl: string;
  /** Users for each closing target, `rounds * closuresPerRound` each. */
  readonly users: (target: string) => readonly BenchUser[];
  /** Runs around the closure rounds (profiles), when set. */
  readonly aroundClosures?: (work: () => Promise<void>) => Promise<void>;
}

export async function usageOf(servers: readonly BenchServer[]): Promise<Usage> {
  const answers: ProbeAnswer[] = await Promise.all(servers.map((server) => server.probe('cpu')));
  const requests: Record<string, number> = {};
  for (const answer of answers) for (const [kind, n] of Object.entries(answer.requests ?? {})) requests[kind] = (requests[kind] ?? 0) + n;
  return {
    cpuMs: answers.reduce((sum, a) => sum + (a.cpuMs ?? 0), 0),
    gcCpuMs: answers.reduce((sum, a) => sum + (a.gcCpuMs ?? 0), 0),
    gcPauseMs: answers.reduce((sum, a) => sum + (a.gcPauseMs ?? 0), 0),
    requests,
  };
}

function minus(after: Usage, before: Usage): Usage {
  const requests: Record<string, number> = {};
  for (const [kind, n] of Object.entries(after.requests)) {
    const delta = n - (before.requests[kind] ?? 0);
    if (delta > 0) requests[kind] = delta;
  }
  return {
    cpuMs: after.cpuMs - before.cpuMs,
    gcCpuMs: after.gcCpuMs - before.gcCpuMs,
    gcPauseMs: after.gcPauseMs - before.gcPauseMs,
    requests,
  };
}

/** Round `r` runs the targets starting from the `r`-th: each row is first, middle and last equally often. */
function rotated<T>(items: readonly T[], round: number): T[] {
  const start = round % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}

const channelOf = (target: Target, connections: number, serviceUrl: string): Channel =>
  openChannel(
    target.servers.map((server) => server.url),
    connections,
    serviceUrl,
  );

/** Welcome turns at each connection count, every target once per round. */
export async function welcomeRounds(
  targets: readonly Target[],
  options: RoundsOptions,
): Promise<Array<{ target: string; connections: number; figures: WelcomeFigures }>> {
  const results: Array<{ target: string; connections: number; figures: WelcomeFigures }> = [];
  for (const connections of options.connections) {
    const sums = new Map(targets.map((t) => [t.name, { latencies: [] as number[], failed: 0, elapsed: 0, cpuMs: 0 }]));
    for (let r = 0; r < options.rounds; r++) {
      for (const target of rotated(targets, r)) {
        const channel = channelOf(target, connections, options.serviceUrl);
        const before = await usageOf(target.servers);
        const window = await welcomeWindow(channel, connections, options.welcomeSeconds, (replies) => replies.length > 0);
        const used = minus(await usageOf(target.servers), before);
        channel.close();
        const sum = sums.get(target.name);
        if (!sum) continue;
        sum.latencies.push(...window.latencies);
        sum.failed += window.failed;
        sum.elapsed += window.elapsed;
        sum.cpuMs += used.cpuMs;
      }
    }
    for (const target of targets) {
      const sum = sums.get(target.name);
      if (!sum) continue;
      const { p50, p99 } = percentiles(sum.latencies);
      results.push({
        target: target.name,
        connections,
        figures: {
          turns: sum.latencies.length,
          seconds: round(sum.elapsed, 2),
          turnsPerSecond: round(sum.latencies.length / Math.max(sum.elapsed, 1e-9), 1),
          p50,
          p99,
          failed: sum.failed,
          cpuMsPerTurn: round(sum.cpuMs / Math.max(1, sum.latencies.length), 3),
        },
      });
    }
  }
  return results;
}

/** Whole closures on every closing target, `closuresPerRound` of each per round. */
export async function closureRounds(
  targets: readonly Target[],
  options: RoundsOptions & { readonly profiled: boolean },
): Promise<Record<string, ClosureFigures>> {
  const closing = targets.filter((t) => t.closes);
  const sums = new Map<string, { latencies: number[]; failed: number; usage: Usage }>(
    closing.map((t) => [t.name, { latencies: [], failed: 0, usage: { cpuMs: 0, gcCpuMs: 0, gcPauseMs: 0, requests: {} } }]),
  );
  const work = async () => {
    for (let r = 0; r < options.rounds; r++) {
      for (const target of rotated(closing, r)) {
        const sum = sums.get(target.name);
        if (!sum) continue;
        const users = options.users(target.name).slice(r * options.closuresPerRound, (r + 1) * options.closuresPerRound);
        const channel = channelOf(target, options.closureConcurrency, options.serviceUrl);
        const before = await usageOf(target.servers);
        await inParallel(users, options.closureConcurrency, async (user) => {
          const at = performance.now();
          try {
            await closeAccount(channel, user);
            sum.latencies.push(performance.now() - at);
          } catch {
            sum.failed += 1;
          }
        });
        const used = minus(await usageOf(target.servers), before);
        channel.close();
        const requests: Record<string, number> = { ...sum.usage.requests };
        for (const [kind, n] of Object.entries(used.requests)) requests[kind] = (requests[kind] ?? 0) + n;
        sum.usage = {
          cpuMs: sum.usage.cpuMs + used.cpuMs,
          gcCpuMs: sum.usage.gcCpuMs + used.gcCpuMs,
          gcPauseMs: sum.usage.gcPauseMs + used.gcPauseMs,
          requests,
        };
      }
    }
  };
  await (options.aroundClosures ? options.aroundClosures(work) : work());
  const figures: Record<string, ClosureFigures> = {};
  for (const target of closing) {
    const sum = sums.get(target.name);
    if (!sum) continue;
    const n = Math.max(1, sum.latencies.length);
    const perClosure: Record<string, number> = {};
    for (const [kind, count] of Object.entries(sum.usage.requests).sort()) perClosure[kind] = round(count / n, 2);
    const total = (prefix: string) =>
      round(
        Object.entries(sum.usage.requests)
          .filter(([kind]) => kind.startsWith(prefix))
          .reduce((s, [, c]) => s + c, 0) / n,
        2,
      );
    const { p50, p99 } = percentiles(sum.latencies);
    figures[target.name] = {
      closures: sum.latencies.length,
      failed: sum.failed,
      cpuMsPerClosure: round(sum.usage.cpuMs / n, 2),
      gcCpuMsPerClosure: round(sum.usage.gcCpuMs / n, 2),
      gcPauseMsPerClosure: round(sum.usage.gcPauseMs / n, 2),
      requestsPerClosure: perClosure,
      blobRequestsPerClosure: total('blob '),
      outgoingCallsPerClosure: total('call '),
      p50Ms: round(p50, 1),
      p99Ms: round(p99, 1),
      profiled: options.profiled,
    };
  }
  return figures;
}
