/**
 * `node --expose-gc --import tsx bench/recordWalk.ts [records]`: the memory and CPU of one walk over every closure
 * request (the first reconcile pass after a start rebuilds the open-record index, and the daily retention sweep),
 * before (`RecordStore.list()`: every record in one array) and after (`scan()`: pages of 100). Each walk runs in a
 * child process of its own, so one's garbage never counts against the other. The figures go to docs/scaling.md.
 *
 * The records are written straight as files in FileRecordStore's format (no lock, no fsync: it is the walk that is
 * measured, not 100,000 writes), closed and settled, as a deployment has them after months.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import type { ClosureRequest } from '../services/closureRequest';
import { silentLogger } from '../services/logger';
import { FileRecordStore } from '../adapters/storage/fileRecordStore';
import { OpenRecordIndex, type OpenMark } from '../services/openRecordIndex';
import { isOpenClosureRequest } from '../services/openRecords';

const DEFAULT_RECORDS = 100_000;
const SAMPLE_EVERY_MS = 5;

type Mode = 'before' | 'after';

async function seed(dir: string, count: number): Promise<void> {
  const folder = join(dir, 'closureRequests');
  await mkdir(folder, { recursive: true });
  const at = new Date('2026-06-01T00:00:00Z').toISOString();
  for (let i = 0; i < count; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, count - i) }, async () => {
        const requestId = `cr_${randomBytes(16).toString('hex')}`;
        const value: ClosureRequest = {
          requestId,
          channelId: 'msteams',
          channelUserId: `29:${randomBytes(24).toString('base64url')}`,
          objectId: randomUUID(),
          tenantId: randomUUID(),
          upnHash: randomBytes(32).toString('hex'),
          conversationId: `a:${randomBytes(32).toString('base64url')}`,
          nonceHash: randomBytes(32).toString('base64url'),
          status: 'closed',
          createdAt: at,
          expiresAt: at,
          updatedAt: at,
          attempts: 1,
          outcomeNotified: true,
        };
        await writeFile(join(folder, `${requestId}.json`), `${JSON.stringify({ writeId: randomUUID(), value })}\n`);
      }),
    );
  }
}

/** In the child: one walk, with the heap sampled while it runs. Prints one JSON line. */
async function walk(dir: string, mode: Mode): Promise<void> {
  const records = new FileRecordStore<ClosureRequest>({ dir: join(dir, 'closureRequests') });
  const index = new OpenRecordIndex<ClosureRequest>({
    records,
    index: new FileRecordStore<OpenMark>({ dir: join(dir, `closureRequestsOpen-${mode}`) }),
    isOpen: isOpenClosureRequest,
    changedAt: (request) => request.updatedAt,
    keepClosedMs: 10 * 365 * 86_400_000,
    clock: () => new Date('2026-07-01T00:00:00Z'),
    logger: silentLogger,
  });
  (globalThis as { gc?: () => void }).gc?.();
  const base = getHeapStatistics().used_heap_size;
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, getHeapStatistics().used_heap_size)), SAMPLE_EVERY_MS);
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  let seen = 0;
  if (mode === 'before') {
    // What the first reconcile pass (the index's rebuild) and the retention sweep did before issue 19: `list()`,
    // every record at once, once each.
    for (let walkNumber = 0; walkNumber < 2; walkNumber++) {
      const all = await records.list();
      peak = Math.max(peak, getHeapStatistics().used_heap_size);
      seen = all.filter((record) => !isOpenClosureRequest(record.value)).length;
    }
  } else {
    // Today: the index's rebuild on its first walk, then the retention sweep, both streamed in pages.
    for await (const page of index.scan()) seen -= page.length;
    await index.sweepClosed();
    seen += Number(process.argv[5]);
  }
  clearInterval(sampler);
  peak = Math.max(peak, getHeapStatistics().used_heap_size);
  const used = process.cpuUsage(cpu);
  process.stdout.write(
    `${JSON.stringify({
      mode,
      records: seen,
      peakHeapAboveBaseMB: +((peak - base) / 1_048_576).toFixed(1),
      cpuSeconds: +((used.user + used.system) / 1e6).toFixed(2),
      wallSeconds: +(Number(process.hrtime.bigint() - started) / 1e9).toFixed(2),
    })}\n`,
  );
}

async function main(): Promise<void> {
  const [, , first, second] = process.argv;
  if (first === '--walk') return walk(second ?? '', process.argv[4] as Mode);
  const count = Number(first ?? DEFAULT_RECORDS);
  const dir = await mkdtemp(join(tmpdir(), 'record-walk-'));
  try {
    process.stdout.write(`seeding ${count} closed closure requests under ${dir}\n`);
    await seed(dir, count);
    for (const mode of ['before', 'after'] as const) {
      const line = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', __filename, '--walk', dir, mode, String(count)], {
        encoding: 'utf8',
      });
      process.stdout.write(line);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

void main();
