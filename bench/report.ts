/**
 * The table `npm run bench` prints: every row of issue 22 from one interleaved run (bench/rounds.ts), the echo bot
 * and the same-shape anchor beside the bot, goals and verdicts.
 */
import type { ColdStart } from './coldStart';
import type { ClosureFigures, WelcomeFigures } from './rounds';
import { round } from './traffic';

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
  readonly welcome: ReadonlyArray<{ readonly target: string; readonly connections: number; readonly figures: WelcomeFigures }>;
  /** By row: memory, file, blob (two instances), anchor. */
  readonly closure: Readonly<Record<string, ClosureFigures>>;
  readonly parked: { readonly memory: ParkedFigures; readonly file: ParkedFigures };
  readonly coldStart: readonly ColdStart[];
  readonly loggedErrors: number;
}

export const GOALS = {
  welcome: { memory: 0.85, file: 0.6 } as Readonly<Record<string, number>>,
  /** Bot CPU per closure over the same-shape anchor's (issue 22, item 3). */
  closureOverAnchor: 1,
  /** Bot CPU per closure with Blob over file storage's (item 2). */
  blobOverFile: 1.5,
  blobRequestsPerClosure: 15,
  parkedHeapKB: 2,
  coldStartSeconds: 0.7,
} as const;

const ROW_NAMES: Readonly<Record<string, string>> = {
  memory: 'memory storage',
  file: 'file storage',
  blob: 'Blob storage, 2 instances',
  blobOne: 'Blob storage, 1 instance',
  anchor: 'same-shape anchor (memory)',
};

export function formatReport(report: BenchReport): string {
  const verdict = (met: boolean | undefined) => (met === undefined ? 'n/a' : met ? 'met' : 'NOT met');
  const rows: string[][] = [['measure', 'echo bot', 'this bot', 'ratio / value', 'goal', 'verdict']];
  const echoOf = (connections: number) => report.welcome.find((w) => w.target === 'echo' && w.connections === connections)?.figures;
  for (const w of report.welcome) {
    const echo = echoOf(w.connections);
    if (w.target === 'echo' || !echo) continue;
    const ratio = w.figures.turnsPerSecond / Math.max(echo.turnsPerSecond, 1e-9);
    const goal = GOALS.welcome[w.target];
    rows.push([
      `welcome turn, ${ROW_NAMES[w.target] ?? w.target}, ${w.connections} conn.`,
      rateText(echo),
      rateText(w.figures),
      `${ratio.toFixed(2)}x (CPU ${(w.figures.cpuMsPerTurn / Math.max(echo.cpuMsPerTurn, 1e-9)).toFixed(2)}x)`,
      goal === undefined ? '-' : `>= ${goal}x`,
      goal === undefined ? '-' : verdict(ratio >= goal),
    ]);
  }
  const closure = report.closure;
  const cpu = (row: string) => closure[row]?.cpuMsPerClosure;
  const ratioOf = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b <= 0 ? undefined : a / b);
  const goals: Record<string, { text: string; ratio?: number; goal?: number; to: string }> = {
    memory: { text: 'anchor', ratio: ratioOf(cpu('memory'), cpu('anchor')), goal: GOALS.closureOverAnchor, to: 'anchor' },
    file: { text: 'anchor', ratio: ratioOf(cpu('file'), cpu('anchor')), goal: GOALS.closureOverAnchor, to: 'anchor' },
    blob: { text: 'file', ratio: ratioOf(cpu('blob'), cpu('file')), goal: GOALS.blobOverFile, to: 'file' },
    // Beside the two-instance row: the same bot alone, so what a second instance on the same core adds shows.
    blobOne: { text: 'file', ratio: ratioOf(cpu('blobOne'), cpu('file')), to: 'file' },
  };
  for (const [row, c] of Object.entries(closure)) {
    const g = goals[row];
    rows.push([
      `bot CPU per whole closure, ${ROW_NAMES[row] ?? row}${c.profiled ? ' (PROFILED)' : ''}`,
      '-',
      `p50 ${c.p50Ms} / p99 ${c.p99Ms} ms, GC CPU ${c.gcCpuMsPerClosure} ms (pauses ${c.gcPauseMsPerClosure} ms), ${c.closures} ok, ${c.failed} failed`,
      `${c.cpuMsPerClosure} ms${g?.ratio === undefined ? '' : ` (${g.ratio.toFixed(2)}x ${g.to})`}`,
      g?.goal === undefined ? '-' : `<= ${g.goal}x ${g.to}`,
      g?.goal === undefined ? '-' : verdict(c.failed === 0 && g.ratio !== undefined ? g.ratio <= g.goal : undefined),
    ]);
  }
  for (const [row, c] of Object.entries(closure)) {
    rows.push([
      `outgoing calls per closure, ${ROW_NAMES[row] ?? row}`,
      '-',
      kindsText(c.requestsPerClosure, 'call '),
      `${c.outgoingCallsPerClosure}`,
      '-',
      '-',
    ]);
  }
  const blob = closure.blob;
  if (blob)
    rows.push([
      `Blob requests per closure, ${ROW_NAMES.blob}`,
      '-',
      kindsText(blob.requestsPerClosure, 'blob '),
      `${blob.blobRequestsPerClosure}`,
      `<= ${GOALS.blobRequestsPerClosure}`,
      verdict(blob.failed === 0 ? blob.blobRequestsPerClosure <= GOALS.blobRequestsPerClosure : undefined),
    ]);
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

function rateText(rate: WelcomeFigures): string {
  return `${rate.turnsPerSecond} turns/s, ${rate.cpuMsPerTurn} ms CPU/turn (p50 ${rate.p50} / p99 ${rate.p99} ms${rate.failed ? `, ${rate.failed} failed` : ''})`;
}

/** `GET state 2, PUT state 1.5, ...` for the kinds under `prefix`. */
function kindsText(requests: Readonly<Record<string, number>>, prefix: string): string {
  const kinds = Object.entries(requests).filter(([kind]) => kind.startsWith(prefix));
  return kinds.length === 0 ? 'none' : kinds.map(([kind, n]) => `${kind.slice(prefix.length)} ${n}`).join(', ');
}
