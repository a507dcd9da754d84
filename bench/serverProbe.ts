/**
 * What a benchmarked server process (bench/botServer.ts, bench/echoBot.ts, bench/anchorBot.ts) tells the
 * orchestrator over its IPC channel: its own CPU, its GC as CPU, the HTTP requests it sent (by kind), its heap after
 * full garbage collections, and heap snapshots. Measured inside the process so the figures are that process's alone
 * (the load generator, the sandbox and Azurite run in others). With `--profile`, the orchestrator also starts and
 * stops a V8 CPU profile around each measured phase (node:inspector), so a profile holds that phase's turns and not
 * the process's start-up, nor the profiler's own stop (samples after the stop was asked for are dropped).
 */
import { subscribe } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { ClientRequest } from 'node:http';
import { Session } from 'node:inspector';
import { PerformanceObserver } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';

export type ProbeRequest =
  | { readonly type: 'cpu' | 'memory' | 'profileStart'; readonly id: number }
  | { readonly type: 'profileStop' | 'heapSnapshot'; readonly id: number; readonly file: string };
export type ProbeAnswer = {
  readonly id: number;
  /** User + system CPU of the whole process so far (every thread: JS, GC helpers, libuv's pool). */
  readonly cpuMs?: number;
  /** Garbage collection pauses so far (perf_hooks `gc` entries): wall time, which a busy machine stretches. */
  readonly gcPauseMs?: number;
  /**
   * The same pauses as CPU: each pause's wall time times the main thread's on-CPU share around it (from
   * /proc/self/task/<pid>/schedstat: time on a CPU vs time runnable but waiting for one). A pause is runnable
   * throughout, so what a loaded machine adds to it is the waiting, which this takes out.
   */
  readonly gcCpuMs?: number;
  /** HTTP requests this process sent, by kind (`blob GET state`, `sandbox botframework`, ...): see `requestKind`. */
  readonly requests?: Readonly<Record<string, number>>;
  readonly heapUsed?: number;
  /** profileStop: samples dropped because they came after the stop was asked for (the profiler stopping itself). */
  readonly droppedSamples?: number;
};

/** Printed on stdout once the server listens, followed by its base URL. */
export const READY_PREFIX = 'BENCH-READY ';

/** Env: `host:port` of the Blob endpoint (Azurite); requests there count as `blob ...`, all others by their first path segment. */
export const BLOB_HOST_ENV = 'BENCH_BLOB_HOST';

/**
 * `blob <METHOD> <what>` for Blob requests, where `what` is the record kind (the blob name's first folder:
 * `closureRequests`, `audit`, ...), `state` for botbuilder's BlobsStorage (its names are one URI-encoded segment) or
 * `container`; `call <first path segment>` for everything else (the sandbox's `graph`, `login`, `botframework`, ...).
 */
export function requestKind(method: string, host: string, path: string, blobHost: string | undefined): string {
  const segments = path.split('?')[0]?.split('/').filter(Boolean) ?? [];
  if (blobHost && host === blobHost) {
    // /<account>/<container>/<blob name...>
    const name = segments.slice(2);
    const what = name.length === 0 ? 'container' : name.length === 1 ? 'state' : (name[0] ?? '');
    return `blob ${method} ${what}`;
  }
  return `call ${segments[0] ?? '/'}`;
}

export function answerProbes(): void {
  let profiler: Session | undefined;
  let gcPauseMs = 0;
  let gcCpuMs = 0;
  const requests: Record<string, number> = {};
  const blobHost = process.env[BLOB_HOST_ENV];
  subscribe('http.client.request.start', (message) => {
    const request = (message as { request: ClientRequest }).request;
    const kind = requestKind(request.method, String(request.getHeader('host') ?? request.host), request.path, blobHost);
    requests[kind] = (requests[kind] ?? 0) + 1;
  });
  // fetch (undici) has its own channel: the sandbox's app-token credential uses it.
  subscribe('undici:request:create', (message) => {
    const request = (message as { request: { method: string; origin: string; path: string } }).request;
    const kind = requestKind(request.method, new URL(request.origin).host, request.path, blobHost);
    requests[kind] = (requests[kind] ?? 0) + 1;
  });
  new PerformanceObserver((list) => {
    const share = onCpuShare();
    for (const entry of list.getEntries()) {
      gcPauseMs += entry.duration;
      gcCpuMs += entry.duration * share;
    }
  }).observe({ entryTypes: ['gc'] });
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => {
      profiler?.post(method, params, (error, result) => (error ? reject(error) : resolve(result)));
    });
  process.on('message', (message: ProbeRequest) => {
    const answer = (fields: Omit<ProbeAnswer, 'id'> = {}) => process.send?.({ id: message.id, ...fields } satisfies ProbeAnswer);
    switch (message.type) {
      case 'cpu': {
        const usage = process.cpuUsage();
        answer({ cpuMs: (usage.user + usage.system) / 1000, gcPauseMs, gcCpuMs, requests: { ...requests } });
        return;
      }
      case 'memory': {
        // Several passes: the first may only move objects to the old generation; weak callbacks run in between.
        const gc = (globalThis as { gc?: () => void }).gc;
        for (let pass = 0; pass < 4; pass++) gc?.();
        answer({ heapUsed: process.memoryUsage().heapUsed });
        return;
      }
      case 'heapSnapshot':
        // For a diff of what a parked conversation keeps (Chrome DevTools, Memory, Comparison).
        writeHeapSnapshot(message.file);
        answer();
        return;
      case 'profileStart':
        profiler = new Session();
        profiler.connect();
        void post('Profiler.enable')
          .then(() => post('Profiler.start'))
          .then(() => answer());
        return;
      case 'profileStop': {
        // V8's profile clock and hrtime are both CLOCK_MONOTONIC (microseconds in the profile).
        const cutoffUs = Number(process.hrtime.bigint() / 1000n);
        void post('Profiler.stop')
          .then((result) => {
            const { profile, dropped } = withoutSamplesAfter((result as { profile: CpuProfile }).profile, cutoffUs);
            return writeFile(message.file, JSON.stringify(profile)).then(() => dropped);
          })
          .then((dropped) => {
            profiler?.disconnect();
            profiler = undefined;
            answer({ droppedSamples: dropped });
          });
        return;
      }
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.once('SIGTERM', () => process.exit(0));
}

interface CpuProfile {
  nodes: unknown[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Drops the samples taken after `cutoffUs`: the profiler serialising itself, which is no turn's work. */
function withoutSamplesAfter(profile: CpuProfile, cutoffUs: number): { profile: CpuProfile; dropped: number } {
  let at = profile.startTime;
  let keep = 0;
  for (; keep < profile.timeDeltas.length; keep++) {
    at += profile.timeDeltas[keep] ?? 0;
    if (at > cutoffUs) break;
  }
  const dropped = profile.samples.length - keep;
  return {
    profile: {
      ...profile,
      samples: profile.samples.slice(0, keep),
      timeDeltas: profile.timeDeltas.slice(0, keep),
      endTime: Math.min(at, cutoffUs),
    },
    dropped,
  };
}

let lastSchedstat: readonly [number, number] = [0, 0];

/**
 * The main thread's time on a CPU over its time runnable (on a CPU or waiting for one) since the last call, so a
 * pause is scaled by how loaded the machine was around it; 1 where schedstat is missing (not Linux).
 */
function onCpuShare(): number {
  let now: [number, number];
  try {
    const [onCpu = 0, waiting = 0] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ').map(Number);
    now = [onCpu, waiting];
  } catch {
    return 1;
  }
  const onCpu = now[0] - lastSchedstat[0];
  const waiting = now[1] - lastSchedstat[1];
  lastSchedstat = now;
  return onCpu + waiting > 0 ? onCpu / (onCpu + waiting) : 1;
}
