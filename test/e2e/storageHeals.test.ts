import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { BlobsStorage } from 'botbuilder-azure-blobs';
import { startAzurite, type RunningAzurite } from '../support/azurite';
import { signInThroughChat, startHarness, textsOf, TEST_SEED, type BotHarness } from '../support/botHarness';
import { BLOCK_COUNT_EXCEEDED, startStorageProxy, type StorageFault, type StorageProxy } from '../support/storageProxy';

const KIM = TEST_SEED.users[0];

/**
 * What Azure answers while a managed identity's new role assignment has not reached the storage account yet (it can
 * take minutes: https://learn.microsoft.com/azure/role-based-access-control/troubleshooting#symptom---role-assignment-changes-are-not-being-detected),
 * not retried by the SDK: the blip that poisoned BlobsStorage for the life of the process.
 */
const NOT_AUTHORIZED_YET: StorageFault = () => ({ status: 403, code: 'AuthorizationPermissionMismatch' });
const TURN_FAILED = /^Sorry, something went wrong on my side/;

/** Polls /readyz until it answers `status`; returns its last body. Bounded, so a bot that never heals fails the test. */
async function readyzUntil(url: string, status: number): Promise<{ status: number; body: unknown }> {
  let last = { status: 0, body: undefined as unknown };
  for (let attempt = 0; attempt < 40; attempt++) {
    const response = await fetch(`${url}/readyz`);
    last = { status: response.status, body: await response.json() };
    if (last.status === status) return last;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return last;
}

describe('storage that heals (STORAGE=blob behind a proxy that refuses, then answers)', () => {
  let azurite: RunningAzurite;
  let proxy: StorageProxy;
  before(async function () {
    this.timeout(30_000);
    azurite = await startAzurite();
  });
  after(async () => {
    await azurite?.stop();
  });
  beforeEach(async () => {
    proxy = await startStorageProxy(azurite.blobEndpoint);
  });
  afterEach(async () => {
    await proxy.stop();
  });

  it('botbuilder-azure-blobs alone keeps its first failed container set-up: every later call fails (why the bot keeps its state with its own store)', async () => {
    const storage = new BlobsStorage(proxy.connectionString, 'raw-state', { storagePipelineOptions: { retryOptions: { maxTries: 1 } } });
    proxy.fault(NOT_AUTHORIZED_YET);
    await assert.rejects(storage.read(['a']));
    proxy.fault(undefined);
    await assert.rejects(storage.read(['a']), 'the storage answers again, and BlobsStorage still fails');
  });

  describe('a bot instance whose first conversation-state call fails', () => {
    let harness: BotHarness;
    afterEach(async () => {
      await harness?.stop();
    });

    it('answers the next turn normally once the storage answers, and /readyz says which part was not ready', async () => {
      harness = await startHarness({
        STORAGE: 'blob',
        STORAGE_BLOB_CONNECTION_STRING: proxy.connectionString,
        STORAGE_BLOB_CONTAINER: 'heals',
      });
      const user = harness.user();
      proxy.fault((req: IncomingMessage) => (req.url?.includes('/heals') ? NOT_AUTHORIZED_YET(req) : undefined));

      const during = await user.says('hello');
      assert.match(during[0]?.text ?? '', TURN_FAILED);
      const notReady = await readyzUntil(harness.bot.url, 503);
      assert.deepEqual(notReady, { status: 503, body: { status: 'notReady', parts: { storage: 'notReady', settings: 'ok' } } });
      const health = await fetch(`${harness.bot.url}/healthz`);
      assert.equal(health.status, 200, '/healthz stays liveness');

      proxy.fault(undefined);
      const after = await user.says('hello');
      assert.ok(after.length > 0);
      for (const reply of after) assert.doesNotMatch(reply.text ?? '', TURN_FAILED);
      const again = await user.says('hello');
      for (const reply of again) assert.doesNotMatch(reply.text ?? '', TURN_FAILED);
      assert.deepEqual(await readyzUntil(harness.bot.url, 200), {
        status: 200,
        body: { status: 'ready', parts: { storage: 'ok', settings: 'ok' } },
      });
    });
  });

  describe('an audit whose append blob Azure refuses (409 BlockCountExceedsLimit, every shard)', () => {
    let harness: BotHarness;
    afterEach(async () => {
      await harness?.stop();
    });

    it('tells the person the storage is unavailable, never that someone else changed it at the same moment', async () => {
      harness = await startHarness({
        STORAGE: 'blob',
        STORAGE_BLOB_CONNECTION_STRING: proxy.connectionString,
        STORAGE_BLOB_CONTAINER: 'full-audit',
      });
      proxy.fault((req: IncomingMessage) =>
        req.method === 'PUT' && req.url?.includes('comp=appendblock') ? BLOCK_COUNT_EXCEEDED : undefined,
      );
      const kim = harness.user();
      const replies = await signInThroughChat(kim, await kim.says('close my account'), KIM.upn, KIM.password);
      const text = textsOf(replies);
      assert.doesNotMatch(text, /Someone else changed this/);
      assert.match(text, /can't save your progress right now/);
    });
  });
});
