/**
 * What a benchmarked server process (bench/botServer.ts, bench/echoBot.ts) tells the orchestrator over its IPC
 * channel: its own CPU time and, after full garbage collections, its heap and RSS. Measured inside the process
 * so the figures are that process's alone (the load generator and the sandbox run in others). With `--profile`,
 * the orchestrator also starts and stops a V8 CPU profile around each measured phase (node:inspector), so a
 * profile holds that phase's turns and not the process's start-up.
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector';
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';

export type ProbeRequest =
  | { readonly type: 'cpu' | 'memory' | 'profileStart' | 'allocationsStart'; readonly id: number }
  | { readonly type: 'profileStop' | 'allocationsStop' | 'heapSnapshot'; readonly id: number; readonly file: string };
export type ProbeAnswer = {
  readonly id: number;
  readonly cpuMs?: number;
  /** Time spent in garbage collection so far (perf_hooks `gc` entries), part of `cpuMs`. */
  readonly gcMs?: number;
  readonly heapUsed?: number;
  /** `heapUsed` without V8's code spaces: what the program's objects take, not the machine code the JIT compiled. */
  readonly dataHeapUsed?: number;
  readonly rss?: number;
};

/** Printed on stdout once the server listens, followed by its base URL. */
export const READY_PREFIX = 'BENCH-READY ';

export function answerProbes(): void {
  let profiler: Session | undefined;
  let gcMs = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
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
        answer({ cpuMs: (usage.user + usage.system) / 1000, gcMs });
        return;
      }
      case 'memory': {
        // Several passes: the first may only move objects to the old generation; weak callbacks run in between.
        const gc = (globalThis as { gc?: () => void }).gc;
        for (let pass = 0; pass < 4; pass++) gc?.();
        const usage = process.memoryUsage();
        const code = getHeapSpaceStatistics()
          .filter((space) => space.space_name.startsWith('code'))
          .reduce((sum, space) => sum + space.space_used_size, 0);
        answer({ heapUsed: usage.heapUsed, dataHeapUsed: usage.heapUsed - code, rss: usage.rss });
        return;
      }
      case 'heapSnapshot':
        // For a diff of what a parked conversation keeps (Chrome DevTools, Memory, Comparison).
        writeHeapSnapshot(message.file);
        answer();
        return;
      case 'profileStart':
      case 'allocationsStart': {
        const cpu = message.type === 'profileStart';
        profiler = new Session();
        profiler.connect();
        // Allocations: every sampled one, the collected ones too (what the garbage collector had to work through).
        const sampling = { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true };
        void post(cpu ? 'Profiler.enable' : 'HeapProfiler.enable')
          .then(() => (cpu ? post('Profiler.start') : post('HeapProfiler.startSampling', sampling)))
          .then(() => answer());
        return;
      }
      case 'profileStop':
      case 'allocationsStop':
        // A `.cpuprofile`, or a `.heapprofile` of sampled allocations (Chrome DevTools, Memory, "Allocation sampling").
        void post(message.type === 'profileStop' ? 'Profiler.stop' : 'HeapProfiler.stopSampling')
          .then((result) => writeFile(message.file, JSON.stringify((result as { profile: unknown }).profile)))
          .then(() => {
            profiler?.disconnect();
            profiler = undefined;
            answer();
          });
        return;
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.once('SIGTERM', () => process.exit(0));
}
