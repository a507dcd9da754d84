import assert from 'node:assert/strict';
import type { ContainerClient } from '@azure/storage-blob';
import type { StoreItem, StoreItems } from 'botbuilder';
import { BlobsStorage } from 'botbuilder-azure-blobs';
import { BlobStateStorage, stateBlobName } from '../../bot/storage/blobStateStorage';
import { isStateBlobName } from '../../bot/storage/stateExpiry';
import { azuriteAccount, type RunningAzurite } from '../support/azurite';
import { createFreshContainer, expectAppError } from './storageTestSupport';

/** Keys as channels make them, and the edge cases of botbuilder-azure-blobs' `sanitizeBlobKey`. */
const KEYS = {
  teams: 'msteams/conversations/19:abc@thread.v2/users/29:1a2b-3c4d',
  emulator: 'emulator/conversations/6f1e2d3c|livechat/users/b2c1a0f9',
  doubleSlash: 'webchat//conversations/x//users/y/',
  leadingSlash: '/directline/conversations/z/users/w',
  nonAscii: 'webchat/conversations/会話 ü+&?#%/users/ユーザー',
  overlong: `webchat/conversations/${'c'.repeat(1100)}/users/u`,
  manySegments: `webchat/${Array.from({ length: 300 }, (_, i) => `s${i}`).join('/')}`,
};

const STATE = {
  dialogState: { dialogStack: [{ id: 'mainDialog', state: { stepIndex: 2 } }] },
  progress: { step: 'warning', language: 'ja' },
  name: '山田 ü',
};

/** One item of a read, typed (botbuilder's `StoreItems` are `any`). */
function itemOf(items: StoreItems, key: string): Record<string, unknown> | undefined {
  return items[key] as Record<string, unknown> | undefined;
}

async function blobNames(container: ContainerClient): Promise<string[]> {
  const names: string[] = [];
  for await (const blob of container.listBlobsFlat()) names.push(blob.name);
  return names.sort();
}

describe("BlobStateStorage (conversation state on the records' container, STORAGE=blob, Azurite)", () => {
  let azurite: RunningAzurite;
  let container: ContainerClient;
  let storage: BlobStateStorage;
  before(async function () {
    this.timeout(30_000);
    azurite = await azuriteAccount();
  });
  after(async () => {
    await azurite?.stop();
  });
  beforeEach(() => {
    container = createFreshContainer(azurite.connectionString);
    storage = new BlobStateStorage({ containerClient: container });
  });

  describe('state botbuilder-azure-blobs 4.23.3 wrote, and state it reads', () => {
    it("reads what BlobsStorage wrote, under every kind of key, with the blob's ETag as eTag", async () => {
      const theirs = new BlobsStorage(azurite.connectionString, container.containerName);
      for (const key of Object.values(KEYS)) await theirs.write({ [key]: { ...STATE, key } });
      const ours = await storage.read(Object.values(KEYS));
      const expected = await theirs.read(Object.values(KEYS));
      assert.deepEqual(ours, expected);
      for (const key of Object.values(KEYS)) {
        assert.deepEqual({ ...ours[key], eTag: undefined }, { ...STATE, key, eTag: undefined });
        assert.match(String(itemOf(ours, key)?.eTag), /^"?0x/);
      }
    });

    it('writes the blobs BlobsStorage reads back: the same names, bodies and content type', async () => {
      for (const key of Object.values(KEYS)) await storage.write({ [key]: { ...STATE, key, eTag: '*' } });
      const ours = await blobNames(container);
      assert.deepEqual(
        ours,
        Object.values(KEYS)
          .map((key) => stateBlobName(key))
          .sort(),
      );
      const theirs = new BlobsStorage(azurite.connectionString, container.containerName);
      const read = await theirs.read(Object.values(KEYS));
      for (const key of Object.values(KEYS)) assert.deepEqual({ ...read[key], eTag: undefined }, { ...STATE, key, eTag: undefined });
      const properties = await container.getBlobClient(stateBlobName(KEYS.teams)).getProperties();
      assert.equal(properties.contentType, 'application/json');

      // The same names BlobsStorage gives: written again by it, no second blob appears.
      for (const key of Object.values(KEYS)) await theirs.write({ [key]: { ...STATE, key, by: 'BlobsStorage' } });
      assert.deepEqual(await blobNames(container), ours);
      assert.equal(itemOf(await storage.read([KEYS.nonAscii]), KEYS.nonAscii)?.by, 'BlobsStorage');
    });

    it("names a channel's state blob as the idle-state sweep expects it (one path segment)", () => {
      assert.ok(isStateBlobName(stateBlobName(KEYS.teams)));
      assert.ok(isStateBlobName(stateBlobName(KEYS.emulator)));
      assert.equal(stateBlobName(KEYS.overlong).length, 1024);
    });
  });

  describe('eTags, as BlobsStorage and MemoryStorage agree on them', () => {
    it('overwrites with eTag `*` or none, whatever is stored', async () => {
      await storage.write({ [KEYS.teams]: { turn: 1, eTag: '*' } });
      await storage.write({ [KEYS.teams]: { turn: 2 } });
      await storage.write({ [KEYS.teams]: { turn: 3, eTag: '*' } });
      assert.equal(itemOf(await storage.read([KEYS.teams]), KEYS.teams)?.turn, 3);
    });

    it('writes with the eTag read, and refuses a stale one with the eTag conflict BlobsStorage reports', async () => {
      await storage.write({ [KEYS.teams]: { turn: 1 } });
      const first = (await storage.read([KEYS.teams]))[KEYS.teams] as StoreItem;
      await storage.write({ [KEYS.teams]: { ...first, turn: 2 } });
      const stale = await expectAppError(storage.write({ [KEYS.teams]: { ...first, turn: 3 } }), 'RECORD_CONFLICT');
      assert.match(stale.message, /Storage: error writing ".*" due to eTag conflict\.$/);
      assert.equal(itemOf(await storage.read([KEYS.teams]), KEYS.teams)?.turn, 2);
    });

    it('refuses an eTag for an item that is not stored (If-Match on a missing blob), as BlobsStorage does', async () => {
      await storage.write({ [KEYS.emulator]: { turn: 1 } });
      const etag = itemOf(await storage.read([KEYS.emulator]), KEYS.emulator)?.eTag as string;
      await expectAppError(storage.write({ [KEYS.teams]: { turn: 1, eTag: etag } }), 'RECORD_CONFLICT');
      const theirs = new BlobsStorage(azurite.connectionString, container.containerName);
      await assert.rejects(theirs.write({ [KEYS.teams]: { turn: 1, eTag: etag } }));
      assert.deepEqual(await storage.read([KEYS.teams]), {});
    });
  });

  describe('missing items and deletes', () => {
    it('reads a missing key as absent, beside one that is there, and makes the container on first use', async () => {
      assert.equal(await container.exists(), false);
      assert.deepEqual(await storage.read([KEYS.teams]), {});
      assert.equal(await container.exists(), true);
      await storage.write({ [KEYS.emulator]: { turn: 1 } });
      assert.deepEqual(Object.keys(await storage.read([KEYS.teams, KEYS.emulator])), [KEYS.emulator]);
    });

    it('deletes an item, and a missing one without complaint', async () => {
      await storage.write({ [KEYS.teams]: { turn: 1 }, [KEYS.emulator]: { turn: 1 } });
      await storage.delete([KEYS.teams, KEYS.doubleSlash]);
      assert.deepEqual(Object.keys(await storage.read([KEYS.teams, KEYS.emulator])), [KEYS.emulator]);
      assert.deepEqual(await blobNames(container), [stateBlobName(KEYS.emulator)]);
    });

    it('reports a state blob that is not JSON as unreadable, naming no key', async () => {
      await container.createIfNotExists();
      await container.getBlockBlobClient(stateBlobName(KEYS.teams)).upload('{"torn', 6);
      const error = await expectAppError(storage.read([KEYS.teams]), 'RECORD_UNREADABLE');
      assert.doesNotMatch(error.message, /msteams|19:abc/);
    });

    it('refuses an empty key, as BlobsStorage does', () => {
      assert.throws(() => stateBlobName(''), /empty/);
    });
  });
});
