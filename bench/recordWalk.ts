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
import type { RecordStore } from '../services/recordStore';
import { startAzurite } from '../test/support/azurite';

const DEFAULT_RECORDS = 100_000;
const SAMPLE_EVERY_MS = 5;

type Mode = 'before' | 'after';

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

/** In the child: one walk, with the heap sampled while it runs. Prints one JSON line. */
async function walk(where: Where, mode: Mode): Promise<void> {
  const records = storeOf<ClosureRequest>(where, 'closureRequests');
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
  if (first === '--walk') return walk(JSON.parse(second ?? '{}') as Where, process.argv[4] as Mode);
  const count = Number(first && first !== '--blob' ? first : DEFAULT_RECORDS);
  const blob = process.argv.includes('--blob');
  const dir = await mkdtemp(join(tmpdir(), 'record-walk-'));
  const azurite = blob ? await startAzurite() : undefined;
  const where: Where = azurite ? { kind: 'blob', connectionString: azurite.connectionString } : { kind: 'file', dir };
  try {
    process.stdout.write(`seeding ${count} closed closure requests in ${where.kind === 'file' ? dir : 'Azurite'}\n`);
    await seed(where, count);
    for (const mode of ['before', 'after'] as const) {
      const args = ['--expose-gc', '--import', 'tsx', __filename, '--walk', JSON.stringify(where), mode, String(count)];
      const line = execFileSync(process.execPath, args, { encoding: 'utf8' });
      process.stdout.write(line);
    }
  } finally {
    await azurite?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

void main();
