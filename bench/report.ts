/** The table `npm run bench` prints: the rows of issue 14's table, the echo bot beside the bot, goals and verdicts. */
import type { ColdStart } from './coldStart';
import { round, type Rate } from './traffic';

export interface ClosureFigures {
  readonly closures: number;
  readonly failed: number;
  readonly cpuMsPerClosure: number;
  /** Of which garbage collection (perf_hooks `gc` entries). */
  readonly gcMsPerClosure: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface ParkedFigures {
  readonly conversations: number;
  /** From heap snapshots: the program's own objects and strings (bench/heapSnapshotDiff.ts); the row's figure. */
  readonly programBytesPerConversation: number;
  /** From the same snapshots: what V8 keeps for itself (compiled code, feedback, system lists). */
  readonly v8BytesPerConversation: number;
  /** `process.memoryUsage().heapUsed` after full GCs: both of the above, and what the snapshots themselves left. */
  readonly heapUsedBytesPerConversation: number;
}

export interface BenchReport {
  readonly measuredAt: string;
  readonly machine: Record<string, unknown>;
  readonly settings: Record<string, unknown>;
  readonly welcome: ReadonlyArray<{
    readonly storage: 'memory' | 'file';
    readonly connections: number;
    readonly echo: Rate;
    readonly bot: Rate;
    readonly ratio: number;
  }>;
  readonly closure: { readonly memory: ClosureFigures; readonly file: ClosureFigures };
  readonly parked: { readonly memory: ParkedFigures; readonly file: ParkedFigures };
  readonly coldStart: readonly ColdStart[];
  readonly loggedErrors: number;
}

export const GOALS = { welcomeMemory: 0.85, welcomeFile: 0.6, closureCpuMs: 10, parkedHeapKB: 2, coldStartSeconds: 0.7 } as const;

export function formatReport(report: BenchReport): string {
  const verdict = (met: boolean | undefined) => (met === undefined ? 'n/a' : met ? 'met' : 'NOT met');
  const rows: string[][] = [['measure', 'echo bot', 'this bot', 'ratio / value', 'goal', 'verdict']];
  for (const w of report.welcome) {
    const goal = w.storage === 'memory' ? GOALS.welcomeMemory : GOALS.welcomeFile;
    rows.push([
      `welcome turn, ${w.storage} storage, ${w.connections} conn.`,
      rateText(w.echo),
      rateText(w.bot),
      `${w.ratio.toFixed(2)}x`,
      `>= ${goal}x`,
      verdict(w.ratio >= goal),
    ]);
  }
  for (const storage of ['memory', 'file'] as const) {
    const c = report.closure[storage];
    rows.push([
      `bot CPU per whole closure, ${storage}`,
      '-',
      `p50 ${c.p50Ms} / p99 ${c.p99Ms} ms, GC ${c.gcMsPerClosure} ms (${c.closures} ok, ${c.failed} failed)`,
      `${c.cpuMsPerClosure} ms`,
      `<= ${GOALS.closureCpuMs} ms`,
      verdict(c.failed === 0 ? c.cpuMsPerClosure <= GOALS.closureCpuMs : undefined),
    ]);
  }
  for (const storage of ['memory', 'file'] as const) {
    const p = report.parked[storage];
    const programKB = round(p.programBytesPerConversation / 1024, 2);
    const kb = (bytes: number) => `${round(bytes / 1024, 1)} KB`;
    rows.push([
      `heap per conversation parked at warning, ${storage}`,
      '-',
      `${p.conversations} parked; V8's own ${kb(p.v8BytesPerConversation)}, heapUsed ${kb(p.heapUsedBytesPerConversation)}`,
      `${programKB} KB`,
      `<= ${GOALS.parkedHeapKB} KB`,
      verdict(programKB <= GOALS.parkedHeapKB),
    ]);
  }
  for (const cold of report.coldStart) {
    rows.push([
      `cold start to /healthz, ${cold.command}`,
      '-',
      cold.note ?? `median of ${cold.runs}`,
      cold.seconds === undefined ? 'n/a' : `${cold.seconds} s`,
      `< ${GOALS.coldStartSeconds} s`,
      verdict(cold.seconds === undefined ? undefined : cold.seconds < GOALS.coldStartSeconds),
    ]);
  }
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  const lines = rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return [
    `machine: ${JSON.stringify(report.machine)}`,
    `settings: ${JSON.stringify(report.settings)}`,
    ...lines,
    `errors logged by the bots: ${report.loggedErrors}`,
  ].join('\n');
}

function rateText(rate: Rate): string {
  return `${rate.turnsPerSecond} turns/s (p50 ${rate.p50} / p99 ${rate.p99} ms${rate.failed ? `, ${rate.failed} failed` : ''})`;
}
