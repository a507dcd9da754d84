/**
 * What a benchmarked server process (bench/botServer.ts, bench/echoBot.ts) tells the orchestrator over its IPC
 * channel: its own CPU and GC time, its heap after full garbage collections, and heap snapshots. Measured inside the process
 * so the figures are that process's alone (the load generator and the sandbox run in others). With `--profile`,
 * the orchestrator also starts and stops a V8 CPU profile around each measured phase (node:inspector), so a
 * profile holds that phase's turns and not the process's start-up.
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector';
import { PerformanceObserver } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';

export type ProbeRequest =
  | { readonly type: 'cpu' | 'memory' | 'profileStart'; readonly id: number }
  | { readonly type: 'profileStop' | 'heapSnapshot'; readonly id: number; readonly file: string };
export type ProbeAnswer = {
  readonly id: number;
  readonly cpuMs?: number;
  /** Time spent in garbage collection so far (perf_hooks `gc` entries), part of `cpuMs`. */
  readonly gcMs?: number;
  readonly heapUsed?: number;
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
      case 'profileStop':
        void post('Profiler.stop')
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
