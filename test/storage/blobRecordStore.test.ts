import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { BlobRecordStore } from '../../adapters/storage/blobRecordStore';
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite, type RunningAzurite } from '../support/azurite';
import { createFreshContainer, expectAppError } from './storageTestSupport';

interface Doc {
  status: string;
}

/** A client without the SDK's retries, so a failure surfaces on the first attempt. */
function createContainerClient(blobEndpoint: string): ContainerClient {
  return new ContainerClient(`${blobEndpoint}/records`, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY), {
    retryOptions: { maxTries: 1 },
  });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

describe('BlobRecordStore', () => {
  describe('on Azurite', () => {
    let azurite: RunningAzurite;
    before(async () => {
      azurite = await startAzurite();
    });
    after(async () => {
      await azurite.stop();
    });

    it('creates its missing container on first use', async () => {
      const containerClient = createFreshContainer(azurite.connectionString);
      assert.equal(await containerClient.exists(), false);
      await new BlobRecordStore<Doc>({ containerClient, prefix: 'closureRequests/' }).create('r1', { status: 'pending' });
      assert.equal(await containerClient.exists(), true);
    });

    it('keeps each record in one JSON blob under its prefix', async () => {
      const containerClient = createFreshContainer(azurite.connectionString);
      await new BlobRecordStore<Doc>({ containerClient, prefix: 'closureRequests/' }).create('r1', { status: 'pending' });
      const names: string[] = [];
      for await (const item of containerClient.listBlobsFlat()) names.push(item.name);
      assert.deepEqual(names, ['closureRequests/r1.json']);
      assert.deepEqual(JSON.parse((await containerClient.getBlobClient(names[0]).downloadToBuffer()).toString('utf8')), {
        status: 'pending',
      });
    });
  });

  describe('when the service fails', () => {
    let server: Server | undefined;
    afterEach(async () => {
      // The SDK keeps connections alive; close them or `close` waits for their idle timeout.
      server?.closeAllConnections();
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
      server = undefined;
    });

    it('reports a connection refused as STORAGE_UNAVAILABLE with the cause', async () => {
      server = createServer();
      const port = await listen(server);
      await new Promise((resolve) => server?.close(resolve));
      server = undefined;
      const store = new BlobRecordStore<Doc>({
        containerClient: createContainerClient(`http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`),
        prefix: 'r/',
      });

      const error = await expectAppError(store.get('r1'), 'STORAGE_UNAVAILABLE');
      assert.ok(error.cause instanceof Error);
    });

    it('reports a 5xx answer as STORAGE_UNAVAILABLE, not as a conflict', async () => {
      server = createServer((request, response) => {
        // The container exists; only the blob write fails.
        if (request.url?.includes('restype=container')) {
          response.statusCode = 201;
          return void response.end();
        }
        response.statusCode = 503;
        response.setHeader('content-type', 'application/xml');
        response.setHeader('x-ms-error-code', 'ServerBusy');
        response.end('<?xml version="1.0" encoding="utf-8"?><Error><Code>ServerBusy</Code><Message>busy</Message></Error>');
      });
      const port = await listen(server);
      const store = new BlobRecordStore<Doc>({
        containerClient: createContainerClient(`http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`),
        prefix: 'r/',
      });

      const error = await expectAppError(store.replace('r1', { status: 'closed' }, '"0x1"'), 'STORAGE_UNAVAILABLE');
      assert.match(error.message, /record "r1" was not written \(HTTP 503 ServerBusy\)/);
    });
  });
});
