import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { BlobsStorage } from 'botbuilder-azure-blobs';
import { BlobRecordStore } from '../../adapters/storage/blobRecordStore';
import { BlobStateExpiry, isStateBlobName } from '../../bot/storage/stateExpiry';
import { OpenRecordIndex, type OpenMark } from '../../services/openRecordIndex';
import { DEFAULT_SCAN_PAGE_SIZE } from '../../services/recordStore';
import { azuriteAccount, type RunningAzurite } from '../support/azurite';
import { createFreshContainer, createRecordingLogger } from './storageTestSupport';

const DAY_MS = 86_400_000;

interface Doc {
  readonly status: 'open' | 'closed';
  readonly at: string;
}

/** One request to Azurite as sent: the method, the blob name (empty for the container) and the query. */
interface Sent {
  readonly method: string;
  readonly blob: string;
  readonly query: URLSearchParams;
}

/** Every request sent to `host` while `work` runs, in order (node:diagnostics_channel, as the SDK sends them). */
async function requestsTo<T>(host: string, work: (sent: readonly Sent[]) => Promise<T>): Promise<{ result: T; sent: Sent[] }> {
  const sent: Sent[] = [];
  const onRequest = (message: unknown): void => {
    const request = (message as { request: ClientRequest }).request;
    if (request.getHeader('host') !== host) return;
    const [path = '', query = ''] = request.path.split('?');
    // /<account>/<container>/<blob name...>
    const blob = path.split('/').filter(Boolean).slice(2).map(decodeURIComponent).join('/');
    sent.push({ method: request.method, blob, query: new URLSearchParams(query) });
  };
  subscribe('http.client.request.start', onRequest);
  try {
    return { result: await work(sent), sent };
  } finally {
    unsubscribe('http.client.request.start', onRequest);
  }
}

const isListing = (request: Sent): boolean => request.blob === '' && request.query.get('comp') === 'list';
const isRead = (request: Sent): boolean => request.method === 'GET' && request.blob !== '';

describe('walks over Blob storage page (issue 22: memory flat in the number of records)', () => {
  let azurite: RunningAzurite;
  let host: string;
  before(async () => {
    azurite = await azuriteAccount();
    host = new URL(azurite.blobEndpoint).host;
  });
  after(async () => {
    await azurite?.stop();
  });

  it('scan() lists a page at a time and reads only that page before handing it over: never more records held than a page', async () => {
    const container = createFreshContainer(azurite.connectionString);
    const store = new BlobRecordStore<Doc>({ containerClient: container, prefix: 'walked/' });
    for (let i = 0; i < 10; i++) await store.create(`r${i}`, { status: 'closed', at: '2025-01-01T00:00:00.000Z' });

    const { result: pages, sent } = await requestsTo(host, async (sentSoFar) => {
      const seen: Array<{ size: number; listings: number; reads: number }> = [];
      for await (const page of store.scan(4)) {
        seen.push({ size: page.length, listings: sentSoFar.filter(isListing).length, reads: sentSoFar.filter(isRead).length });
      }
      return seen;
    });

    assert.deepEqual(
      pages.map((page) => page.size),
      [4, 4, 2],
    );
    // When page n is handed over, n listings were made and exactly the records of pages 1..n were read: no read-ahead.
    let handedOver = 0;
    pages.forEach((page, n) => {
      handedOver += page.size;
      assert.equal(page.listings, n + 1, `listings made before page ${n + 1}`);
      assert.equal(page.reads, handedOver, `records read before page ${n + 1} was handed over`);
    });
    const listings = sent.filter(isListing);
    assert.equal(listings.length, 3);
    for (const listing of listings) assert.equal(listing.query.get('maxresults'), '4');
  });

  it("the index's rebuild and the retention sweep ask List Blobs for pages of DEFAULT_SCAN_PAGE_SIZE, never the service's 5,000", async () => {
    const container = createFreshContainer(azurite.connectionString);
    const records = new BlobRecordStore<Doc>({ containerClient: container, prefix: 'closureRequests/' });
    for (let i = 0; i < 5; i++) await records.create(`c${i}`, { status: i < 2 ? 'open' : 'closed', at: '2025-01-01T00:00:00.000Z' });
    const { logger } = createRecordingLogger();
    const index = new OpenRecordIndex<Doc>({
      records,
      index: new BlobRecordStore<OpenMark>({ containerClient: container, prefix: 'closureRequestsOpen/' }),
      isOpen: (doc) => doc.status === 'open',
      changedAt: (doc) => doc.at,
      keepClosedMs: DAY_MS,
      clock: () => new Date('2025-03-01T00:00:00.000Z'),
      logger,
    });

    const { result, sent } = await requestsTo(host, async () => {
      let open = 0;
      for await (const page of index.scan()) open += page.length;
      return { open, removed: await index.sweepClosed() };
    });

    assert.deepEqual(result, { open: 2, removed: 3 });
    const listings = sent.filter(isListing);
    // The rebuild's walk of the records, the walk of the marks, the retention's walk of the records.
    assert.equal(listings.length, 3);
    for (const listing of listings) assert.equal(listing.query.get('maxresults'), String(DEFAULT_SCAN_PAGE_SIZE));
  });

  it('the idle-state sweep lists only the top level, in bounded pages, and never lists the records or the audit', async () => {
    const container = createFreshContainer(azurite.connectionString);
    const records = new BlobRecordStore<Doc>({ containerClient: container, prefix: 'closureRequests/' });
    for (let i = 0; i < 4; i++) await records.create(`c${i}`, { status: 'closed', at: '2025-01-01T00:00:00.000Z' });
    await container.getAppendBlobClient('audit/2025-03-01/10/instance-0.jsonl').createIfNotExists();
    const state = new BlobsStorage(azurite.connectionString, container.containerName);
    const keys = Array.from({ length: 5 }, (_, i) => `msteams/conversations/19:idle-${i}@thread.v2/users/29:1user-${i}`);
    await state.write(Object.fromEntries(keys.map((key) => [key, { progress: 'welcome' }])));

    const { logger } = createRecordingLogger();
    const expiry = new BlobStateExpiry(container, { ttlMs: 7 * DAY_MS, clock: () => new Date(Date.now() + 8 * DAY_MS), logger }, 2);
    const { result: removed, sent } = await requestsTo(host, () => expiry.sweep());

    assert.equal(removed, 5);
    const listings = sent.filter(isListing);
    // Five state blobs and the two prefixes (`audit/`, `closureRequests/`), two entries a page.
    assert.ok(listings.length >= 3, `${listings.length} listings`);
    for (const listing of listings) {
      assert.equal(listing.query.get('maxresults'), '2');
      assert.equal(listing.query.get('delimiter'), '/');
    }
    const touched = sent.filter((request) => request.blob !== '');
    assert.deepEqual(
      touched.map((request) => request.method),
      keys.map(() => 'DELETE'),
    );
    assert.ok(touched.every((request) => isStateBlobName(request.blob)));
    assert.equal((await records.get('c0'))?.value.status, 'closed');
  });
});
