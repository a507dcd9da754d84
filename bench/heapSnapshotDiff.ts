/**
 * `node --import tsx bench/heapSnapshotDiff.ts <before.heapsnapshot> <after.heapsnapshot> [conversations]`: what
 * a heap gained between two V8 heap snapshots (from `npm run bench -- --heap-snapshots DIR`, taken around the
 * parked conversations), summed by node type and constructor, per conversation when a count is given. Separates
 * what the program keeps (objects, strings) from what V8 keeps for itself (compiled code, feedback, the
 * prototype-users lists behind generator-based async code), which `process.memoryUsage().heapUsed` lumps together.
 */
import { readFile } from 'node:fs/promises';

interface HeapSnapshot {
  readonly snapshot: { readonly meta: { readonly node_fields: string[]; readonly node_types: [string[], ...unknown[]] } };
  readonly nodes: number[];
  readonly strings: string[];
}

const STRING_TYPES = new Set(['string', 'concatenated string', 'sliced string']);

async function totals(file: string): Promise<Map<string, { count: number; bytes: number }>> {
  const snapshot = JSON.parse(await readFile(file, 'utf8')) as HeapSnapshot;
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const [width, typeAt, nameAt, sizeAt] = [fields.length, fields.indexOf('type'), fields.indexOf('name'), fields.indexOf('self_size')];
  const byKind = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt] ?? 0] ?? '?';
    const name = STRING_TYPES.has(type)
      ? '(text)'
      : ['code', 'hidden', 'number'].includes(type)
        ? ''
        : (snapshot.strings[snapshot.nodes[i + nameAt] ?? 0] ?? '');
    const kind = `${type}${name ? ` ${name.slice(0, 60)}` : ''}`;
    const entry = byKind.get(kind) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += snapshot.nodes[i + sizeAt] ?? 0;
    byKind.set(kind, entry);
  }
  return byKind;
}

export interface HeapGain {
  /** Bytes of the program's own objects and strings the heap gained. */
  readonly programBytes: number;
  /** Bytes V8 keeps for itself: compiled code, feedback and other hidden objects, `system /` lists. */
  readonly v8Bytes: number;
  readonly rows: ReadonlyArray<{ readonly kind: string; readonly count: number; readonly bytes: number }>;
}

function isV8Own(kind: string): boolean {
  return kind.startsWith('code') || kind.startsWith('hidden') || kind.includes('system / ');
}

/** What the heap gained from `before` to `after` (two `.heapsnapshot` files). */
export async function heapGain(before: string, after: string): Promise<HeapGain> {
  const a = await totals(before);
  const b = await totals(after);
  const rows = [...b].map(([kind, { count, bytes }]) => ({
    kind,
    count: count - (a.get(kind)?.count ?? 0),
    bytes: bytes - (a.get(kind)?.bytes ?? 0),
  }));
  const sum = (own: boolean) => rows.filter((row) => isV8Own(row.kind) === own).reduce((total, row) => total + row.bytes, 0);
  return { programBytes: sum(false), v8Bytes: sum(true), rows };
}

async function main([before, after, conversations = '1']: string[]): Promise<void> {
  if (!before || !after) throw new Error('usage: bench/heapSnapshotDiff.ts <before.heapsnapshot> <after.heapsnapshot> [conversations]');
  const per = Number(conversations);
  const { programBytes, v8Bytes, rows } = await heapGain(before, after);
  const line = (label: string, bytes: number) => `${label.padEnd(58)}${(bytes / per).toFixed(0).padStart(9)} B\n`;
  process.stdout.write(`per ${per === 1 ? 'snapshot pair' : `conversation (${per})`}\n`);
  process.stdout.write(line('the program: objects and strings', programBytes));
  process.stdout.write(line('V8 itself: compiled code, feedback, system lists', v8Bytes));
  for (const row of [...rows].sort((x, y) => y.bytes - x.bytes).slice(0, 20))
    process.stdout.write(line(`  ${row.kind} (${row.count >= 0 ? '+' : ''}${row.count})`, row.bytes));
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
