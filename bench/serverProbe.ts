/**
 * What a benchmarked server process (bench/botServer.ts, bench/echoBot.ts) tells the orchestrator over its IPC
 * channel: its own CPU time and, after full garbage collections, its heap and RSS. Measured inside the process
 * so the figures are that process's alone (the load generator and the sandbox run in others).
 */
export type ProbeRequest = { readonly type: 'cpu' | 'memory'; readonly id: number };
export type ProbeAnswer = { readonly id: number; readonly cpuMs?: number; readonly heapUsed?: number; readonly rss?: number };

/** Printed on stdout once the server listens, followed by its base URL. */
export const READY_PREFIX = 'BENCH-READY ';

export function answerProbes(): void {
  process.on('message', (message: ProbeRequest) => {
    if (message.type === 'cpu') {
      const usage = process.cpuUsage();
      process.send?.({ id: message.id, cpuMs: (usage.user + usage.system) / 1000 } satisfies ProbeAnswer);
      return;
    }
    // Several passes: the first may only move objects to the old generation; weak callbacks run in between.
    const gc = (globalThis as { gc?: () => void }).gc;
    for (let pass = 0; pass < 4; pass++) gc?.();
    const usage = process.memoryUsage();
    process.send?.({ id: message.id, heapUsed: usage.heapUsed, rss: usage.rss } satisfies ProbeAnswer);
  });
  // The orchestrator going away ends this process too; an orderly exit on SIGTERM writes a --cpu-prof profile.
  process.on('disconnect', () => process.exit(0));
  process.once('SIGTERM', () => process.exit(0));
}
