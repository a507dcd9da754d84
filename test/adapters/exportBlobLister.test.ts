import assert from 'node:assert/strict';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { ContainerBlobLister } from '../../adapters/blob/exportBlobLister';
import { accountKeyFromConnectionString, BlobSasLinkSigner } from '../../adapters/blob/blobSasLinkSigner';
import { isAppError } from '../../services/errors';
import { azuriteAccount, type RunningAzurite } from '../support/azurite';
import { rejectionOf } from './support/adapterHarness';
import { createRecordingLogger } from './support/loopbackServer';

const OPERATION_ID = '0f8fad5b-d9cb-469f-a165-70867728950e';
const OTHER_OPERATION_ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const HOUR_MS = 60 * 60 * 1000;

/** The production listing against Azurite, Microsoft's own Blob storage emulator: the contract real Azure answers. */
describe('ContainerBlobLister against Azurite', () => {
  let azurite: RunningAzurite;
  let container: ContainerClient;
  before(async () => {
    azurite = await azuriteAccount();
    container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('exports');
    await container.create();
    const uploads: Array<[string, string]> = [
      [`${OPERATION_ID}/Exchange/mailbox.json`, '{"items":[]}'],
      [`${OPERATION_ID}/profile.json`, '{"user":"ada"}'],
      [`${OTHER_OPERATION_ID}/profile.json`, '{"user":"someone else"}'],
    ];
    for (const [name, body] of uploads) await container.getBlockBlobClient(name).upload(body, Buffer.byteLength(body));
  });
  after(async () => {
    await azurite.stop();
  });

  function createLister(client: ContainerClient = container) {
    const { logger } = createRecordingLogger();
    return new ContainerBlobLister({ container: client, timeoutMs: 10_000, logger });
  }

  it("lists every blob under the operation's folder, nested ones too, with sizes, and nothing of another operation", async () => {
    const blobs = await createLister().list(`${OPERATION_ID}/`);
    assert.deepEqual(
      blobs.map((blob) => ({ name: blob.name, sizeBytes: blob.sizeBytes })),
      [
        { name: `${OPERATION_ID}/Exchange/mailbox.json`, sizeBytes: 12 },
        { name: `${OPERATION_ID}/profile.json`, sizeBytes: 14 },
      ],
    );
  });

  it('gives URLs the SAS signer turns into working read links, one per blob', async () => {
    const { logger } = createRecordingLogger();
    const signer = new BlobSasLinkSigner({
      kind: 'accountKey',
      credential: accountKeyFromConnectionString(azurite.connectionString),
      logger,
    });
    const expiresAt = new Date(Date.now() + HOUR_MS);
    const bodies: string[] = [];
    for (const blob of await createLister().list(`${OPERATION_ID}/`)) {
      const response = await fetch(await signer.sign(blob.url, expiresAt));
      assert.equal(response.status, 200, blob.name);
      bodies.push(await response.text());
    }
    assert.deepEqual(bodies, ['{"items":[]}', '{"user":"ada"}']);
  });

  it('answers an empty list for a folder with no blobs', async () => {
    assert.deepEqual(await createLister().list('3b241101-e2bb-4255-8caf-4136c566a962/'), []);
  });

  it('refuses a folder with more blobs than an export holds, rather than linking a partial list', async () => {
    const { logger } = createRecordingLogger();
    const lister = new ContainerBlobLister({ container, timeoutMs: 10_000, maxBlobs: 1, logger });
    const error = await rejectionOf(lister.list(`${OPERATION_ID}/`));
    assert.ok(isAppError(error, 'EXPORT_UNAVAILABLE'), String(error));
  });

  it('reports EXPORT_UNAVAILABLE when the container does not exist', async () => {
    const missing = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('no-such-exports');
    const error = await rejectionOf(createLister(missing).list(`${OPERATION_ID}/`));
    assert.ok(isAppError(error, 'EXPORT_UNAVAILABLE'), String(error));
    assert.match(String(error), /could not be listed/);
  });

  it('builds a container given as a function on the first listing, once (a start that never lists never loads the SDK)', async () => {
    const { logger } = createRecordingLogger();
    let built = 0;
    const lister = new ContainerBlobLister({
      container: () => {
        built += 1;
        return container;
      },
      timeoutMs: 10_000,
      logger,
    });
    assert.equal(built, 0);
    assert.equal((await lister.list(`${OPERATION_ID}/`)).length, 2);
    assert.equal((await lister.list(`${OTHER_OPERATION_ID}/`)).length, 1);
    assert.equal(built, 1);
  });

  it('reports EXPORT_UNAVAILABLE when the container cannot be built', async () => {
    const { logger } = createRecordingLogger();
    const lister = new ContainerBlobLister({
      container: () => {
        throw new Error('Cannot find module');
      },
      timeoutMs: 10_000,
      logger,
    });
    const error = await rejectionOf(lister.list(`${OPERATION_ID}/`));
    assert.ok(isAppError(error, 'EXPORT_UNAVAILABLE'), String(error));
    assert.match(String(error), /could not be built/);
  });
});
