/**
 * `node --expose-gc --import tsx bench/recordWalk.ts [records] [--blob]`: the memory and CPU of one walk over every closure
 * request (the first reconcile pass after a start rebuilds the open-record index, and the daily retention sweep),
 * before (`RecordStore.list()`: every record in one array) and after (`scan()`: pages of 100). Each walk runs in a
 * child process of its own, so one's garbage never counts against the other. The figures go to docs/scaling.md.
 *
 * The records are written straight as files in FileRecordStore's format (no lock, no fsync: it is the walk that is
 * measured, not 100,000 writes), closed and settled, as a deployment has them after months. With `--blob` they are
 * blobs in one container of an Azurite started for the run (in memory), written through BlobRecordStore, and the walks
 * list and read them over HTTP as they would on Azure.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import type { ClosureRequest } from '../services/closureRequest';
import { silentLogger } from '../services/logger';
import { BlobRecordStore } from '../adapters/storage/blobRecordStore';
import { FileRecordStore } from '../adapters/storage/fileRecordStore';
import { OpenRecordIndex, type OpenMark } from '../services/openRecordIndex';
import { isOpenClosureRequest } from '../services/openRecords';
import type { RecordStore, ScannedRecord } from '../services/recordStore';
import { startAzurite } from '../test/support/azurite';

const DEFAULT_RECORDS = 100_000;
const SAMPLE_EVERY_MS = 5;

/**
 * `before`: `list()`, every record at once. The other three walk as today (`scan()`, pages of 100) and differ only
 * in how memory is read:
 * - `after`: the peak of V8's used heap, sampled every 5 ms. This counts garbage not yet collected: V8 grows the heap
 *   lazily and collects the old generation only when it reaches a limit it raises as the heap grows, so on a walk that
 *   makes garbage fast this figure says how lazy the collector was, not what the walk keeps.
 * - `live`: the heap used right after a full GC, taken when the store hands a page over (every `LIVE_EVERY_PAGES`th
 *   page: a full GC costs tens of ms); the largest of those is what the walk keeps alive, its current page included.
 *   Also the most records held at once (the largest page).
 * - `capped`: the `after` walk in a heap capped at the baseline plus `CAP_ABOVE_BASE_MB` (old space) with 1 MB
 *   semi-spaces, no forced GC: if the walk completes, it never needed more live memory than that.
 * - `capped-live`: both in one walk (the forced GCs do not lower what is live, so the cap still bounds it), for a
 *   size where Azurite makes each walk take half an hour.
 */
type Mode = 'before' | 'after' | 'live' | 'capped' | 'capped-live' | 'baseline';

/** A forced full GC at 1 page in 10: 100 readings per walk of 100,000 records. */
const LIVE_EVERY_PAGES = 10;

/** Issue 22's goal for a walk over 100,000 records: under +20 MB. */
const CAP_ABOVE_BASE_MB = 20;

type Gc = () => void;

/** Where the records live: a folder (FileRecordStore) or a container (BlobRecordStore, `where` its connection string). */
type Where = { readonly kind: 'file'; readonly dir: string } | { readonly kind: 'blob'; readonly connectionString: string };

const CONTAINER = 'record-walk';

function containerOf(connectionString: string): ContainerClient {
  return BlobServiceClient.fromConnectionString(connectionString).getContainerClient(CONTAINER);
}

function storeOf<T>(where: Where, name: string): RecordStore<T> {
  return where.kind === 'file'
    ? new FileRecordStore<T>({ dir: join(where.dir, name) })
    : new BlobRecordStore<T>({ containerClient: containerOf(where.connectionString), prefix: `${name}/` });
}

/** Adds `count` closed closure requests to what is there (a run of several sizes seeds each size on the last). */
async function seed(where: Where, count: number): Promise<void> {
  const folder = where.kind === 'file' ? join(where.dir, 'closureRequests') : '';
  if (where.kind === 'file') await mkdir(folder, { recursive: true });
  else await containerOf(where.connectionString).createIfNotExists();
  const blobs = storeOf<ClosureRequest>(where, 'closureRequests');
  const at = new Date('2026-06-01T00:00:00Z').toISOString();
  for (let i = 0; i < count; i += where.kind === 'file' ? 500 : 50) {
    await Promise.all(
      Array.from({ length: Math.min(where.kind === 'file' ? 500 : 50, count - i) }, async () => {
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
        if (where.kind === 'blob') await blobs.create(requestId, value);
        else await writeFile(join(folder, `${requestId}.json`), `${JSON.stringify({ writeId: randomUUID(), value })}\n`);
      }),
    );
  }
}

const MB = 1_048_576;

/** The `live` measure: a full GC as a page is handed over, the heap used after it; and the largest page. */
function livePages<T>(records: RecordStore<T>, gc: Gc, seen: { liveHeap: number; mostHeld: number }): RecordStore<T> {
  let pages = 0;
  return Object.assign(Object.create(records) as RecordStore<T>, {
    async *scan(pageSize?: number): AsyncIterable<ReadonlyArray<ScannedRecord<T>>> {
      for await (const page of records.scan(pageSize)) {
        seen.mostHeld = Math.max(seen.mostHeld, page.length);
        if (pages++ % LIVE_EVERY_PAGES === 0) {
          gc();
          seen.liveHeap = Math.max(seen.liveHeap, getHeapStatistics().used_heap_size);
        }
        yield page;
      }
    },
  });
}

/** In the child: one walk, with the heap sampled while it runs. Prints one JSON line. */
async function walk(where: Where, mode: Mode, count: number): Promise<void> {
  const gc = (globalThis as { gc?: Gc }).gc ?? ((): void => undefined);
  const seen = { liveHeap: 0, mostHeld: 0 };
  const stored = storeOf<ClosureRequest>(where, 'closureRequests');
  const live = mode === 'live' || mode === 'capped-live';
  const records = live ? livePages(stored, gc, seen) : stored;
  const index = new OpenRecordIndex<ClosureRequest>({
    records,
    index: storeOf<OpenMark>(where, `closureRequestsOpen-${mode}`),
    isOpen: isOpenClosureRequest,
    changedAt: (request) => request.updatedAt,
    keepClosedMs: 10 * 365 * 86_400_000,
    clock: () => new Date('2026-07-01T00:00:00Z'),
    logger: silentLogger,
  });
  // One request first, so the store's lazily loaded parts (the Blob SDK's pipeline and XML parser) are in the baseline.
  await records.get('cr_warmup');
  gc();
  const base = getHeapStatistics().used_heap_size;
  if (mode === 'baseline') return void process.stdout.write(`${JSON.stringify({ mode, baseHeapMB: +(base / MB).toFixed(1) })}\n`);
  seen.liveHeap = base;
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, getHeapStatistics().used_heap_size)), SAMPLE_EVERY_MS);
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  let walked = 0;
  if (mode === 'before') {
    // What the first reconcile pass (the index's rebuild) and the retention sweep did before issue 19: `list()`,
    // every record at once, once each.
    for (let walkNumber = 0; walkNumber < 2; walkNumber++) {
      const all = await records.list();
      peak = Math.max(peak, getHeapStatistics().used_heap_size);
      walked = all.filter((record) => !isOpenClosureRequest(record.value)).length;
    }
  } else {
    // Today: the index's rebuild on its first walk, then the retention sweep, both streamed in pages.
    for await (const page of index.scan()) walked -= page.length;
    await index.sweepClosed();
    walked += count;
  }
  clearInterval(sampler);
  peak = Math.max(peak, getHeapStatistics().used_heap_size);
  const used = process.cpuUsage(cpu);
  const line = {
    mode,
    records: walked,
    baseHeapMB: +(base / MB).toFixed(1),
    peakHeapAboveBaseMB: +((peak - base) / MB).toFixed(1),
    ...(live ? { liveHeapAboveBaseMB: +((seen.liveHeap - base) / MB).toFixed(1), mostRecordsHeld: seen.mostHeld } : {}),
    cpuSeconds: +((used.user + used.system) / 1e6).toFixed(2),
    wallSeconds: +(Number(process.hrtime.bigint() - started) / 1e9).toFixed(2),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** One walk in a child process of its own; `capped` runs in a heap capped `CAP_ABOVE_BASE_MB` above `baseMB`. */
function walkInChild(where: Where, mode: Mode, count: number, baseMB: number): string {
  const cap = mode.startsWith('capped') ? [`--max-old-space-size=${Math.ceil(baseMB + CAP_ABOVE_BASE_MB)}`, '--max-semi-space-size=1'] : [];
  const args = [...cap, '--expose-gc', '--import', 'tsx', __filename, '--walk', JSON.stringify(where), mode, String(count)];
  try {
    return execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const { status, signal } = error as { status: number | null; signal: string | null };
    return `${JSON.stringify({ mode, records: count, failed: signal ?? `exit ${status}`, capMB: Math.ceil(baseMB + CAP_ABOVE_BASE_MB) })}\n`;
  }
}

/**
 * `recordWalk.ts [records...] [--blob] [--modes before,after,live,capped,capped-live]`: each size (ascending) seeded on the last
 * (10,000 then 30,000 seeds 20,000 more), then one child per mode. `capped` takes its baseline from an earlier
 * line of the same size, or from a child that only warms up and measures it.
 */
async function main(): Promise<void> {
  const [, , first, second, mode, count] = process.argv;
  if (first === '--walk') return walk(JSON.parse(second ?? '{}') as Where, mode as Mode, Number(count));
  const args = process.argv.slice(2);
  const modesAt = args.indexOf('--modes');
  const modes = (modesAt >= 0 ? args[modesAt + 1] : 'before,after').split(',') as Mode[];
  const sizes = args.filter((arg, i) => /^\d+$/.test(arg) && i !== modesAt + 1).map(Number);
  if (sizes.length === 0) sizes.push(DEFAULT_RECORDS);
  const blob = args.includes('--blob');
  const dir = await mkdtemp(join(tmpdir(), 'record-walk-'));
  const azurite = blob ? await startAzurite() : undefined;
  const where: Where = azurite ? { kind: 'blob', connectionString: azurite.connectionString } : { kind: 'file', dir };
  try {
    let seeded = 0;
    for (const size of sizes.sort((a, b) => a - b)) {
      process.stdout.write(
        `seeding ${size - seeded} more closed closure requests (${size}) in ${where.kind === 'file' ? dir : 'Azurite'}\n`,
      );
      await seed(where, size - seeded);
      seeded = size;
      let baseMB = 0;
      for (const each of modes) {
        // A capped heap needs its baseline first: from an earlier mode's line, or from a child that only warms up.
        if (each.startsWith('capped') && baseMB === 0)
          baseMB = (JSON.parse(walkInChild(where, 'baseline', size, 0)) as { baseHeapMB: number }).baseHeapMB;
        const line = walkInChild(where, each, size, baseMB);
        baseMB = (JSON.parse(line) as { baseHeapMB?: number }).baseHeapMB ?? baseMB;
        process.stdout.write(line);
      }
    }
  } finally {
    await azurite?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

void main();
