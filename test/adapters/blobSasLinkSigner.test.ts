import assert from 'node:assert/strict';
import { BlobServiceClient, type ContainerClient, type UserDelegationKey } from '@azure/storage-blob';
import { accountKeyFromConnectionString, BlobSasLinkSigner, type UserDelegationKeySource } from '../../adapters/blob/blobSasLinkSigner';
import { isAppError } from '../../services/errors';
import { azuriteAccount, type RunningAzurite } from '../support/azurite';
import { createRecordingLogger } from './support/loopbackServer';
import { rejectionOf } from './support/adapterHarness';

const HOUR_MS = 60 * 60 * 1000;
const OPERATION_ID = '0f8fad5b-d9cb-469f-a165-70867728950e';

function createDelegationKeySource(): UserDelegationKeySource & { calls: Array<{ startsOn: Date; expiresOn: Date }> } {
  const calls: Array<{ startsOn: Date; expiresOn: Date }> = [];
  return {
    accountName: 'contosoexports',
    calls,
    getUserDelegationKey: async (startsOn, expiresOn): Promise<UserDelegationKey> => {
      calls.push({ startsOn, expiresOn });
      return {
        signedObjectId: '11111111-2222-4333-8444-555555555555',
        signedTenantId: '8d2e6f40-3b7a-4e0c-8c1d-6a4b9e2f7c02',
        signedStartsOn: startsOn,
        signedExpiresOn: expiresOn,
        signedService: 'b',
        signedVersion: '2025-01-05',
        value: Buffer.from('delegation-key-for-tests').toString('base64'),
      };
    },
  };
}

describe('BlobSasLinkSigner', () => {
  describe('with an account key, against Azurite', () => {
    let azurite: RunningAzurite;
    let container: ContainerClient;
    let blobUrl: string;
    before(async () => {
      azurite = await azuriteAccount();
      container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('exports');
      await container.create();
      const blob = container.getBlockBlobClient(`${OPERATION_ID}/personal-data.json`);
      await blob.upload('{"user":"ada"}', 14);
      blobUrl = blob.url;
    });
    after(async () => {
      await azurite.stop();
    });

    function createSigner(now?: () => Date) {
      const { logger, records } = createRecordingLogger();
      return {
        signer: new BlobSasLinkSigner({
          kind: 'accountKey',
          credential: accountKeyFromConnectionString(azurite.connectionString),
          logger,
          now,
        }),
        records,
      };
    }

    it('signs a link that downloads the file', async () => {
      const { signer } = createSigner();
      const link = await signer.sign(blobUrl, new Date(Date.now() + HOUR_MS));
      const response = await fetch(link);
      assert.equal(response.status, 200);
      assert.equal(await response.text(), '{"user":"ada"}');
    });

    it('signs a read-only link: it cannot overwrite the file', async () => {
      const { signer } = createSigner();
      const link = await signer.sign(blobUrl, new Date(Date.now() + HOUR_MS));
      const response = await fetch(link, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: 'replaced' });
      assert.equal(response.status, 403);
    });

    it('signs a link for that one file, not its neighbours', async () => {
      const { signer } = createSigner();
      await container.getBlockBlobClient(`${OPERATION_ID}/other.json`).upload('{}', 2);
      const link = new URL(await signer.sign(blobUrl, new Date(Date.now() + HOUR_MS)));
      link.pathname = link.pathname.replace('personal-data.json', 'other.json');
      assert.equal((await fetch(link)).status, 403);
    });

    it('signs a link that stops working when it expires', async () => {
      const { signer } = createSigner(() => new Date(Date.now() - 2 * HOUR_MS));
      const link = await signer.sign(blobUrl, new Date(Date.now() - HOUR_MS));
      assert.equal((await fetch(link)).status, 403);
    });

    it('refuses a blob of another storage account', async () => {
      const { signer } = createSigner();
      const error = await rejectionOf(
        signer.sign('https://someoneelse.blob.core.windows.net/exports/x.json', new Date(Date.now() + HOUR_MS)),
      );
      assert.ok(isAppError(error, 'EXPORT_UNAVAILABLE'), String(error));
    });

    it('refuses an expiry in the past', async () => {
      const { signer } = createSigner();
      const error = await rejectionOf(signer.sign(blobUrl, new Date(Date.now() - 1_000)));
      assert.ok(isAppError(error, 'EXPORT_UNAVAILABLE'), String(error));
    });

    it('logs neither the signature nor the blob name', async () => {
      const { signer, records } = createSigner();
      const link = new URL(await signer.sign(blobUrl, new Date(Date.now() + HOUR_MS)));
      const serialized = JSON.stringify(records);
      assert.ok(!serialized.includes(link.searchParams.get('sig') ?? 'missing'));
      assert.doesNotMatch(serialized, /personal-data/);
      assert.equal(records.length, 1);
    });
  });

  describe('with a user delegation key', () => {
    const now = new Date('2025-03-01T09:00:00Z');
    const blob = 'https://contosoexports.blob.core.windows.net/exports/0f8fad5b/personal-data.json';

    function createSigner() {
      const keySource = createDelegationKeySource();
      const { logger } = createRecordingLogger();
      return { signer: new BlobSasLinkSigner({ kind: 'userDelegation', keySource, logger, now: () => now }), keySource };
    }

    it('signs a read-only HTTPS link carrying the delegation key identity', async () => {
      const { signer } = createSigner();
      const link = new URL(await signer.sign(blob, new Date(now.getTime() + 24 * HOUR_MS)));
      assert.equal(`${link.origin}${link.pathname}`, blob);
      assert.equal(link.searchParams.get('sp'), 'r');
      assert.equal(link.searchParams.get('sr'), 'b');
      assert.equal(link.searchParams.get('spr'), 'https');
      assert.equal(link.searchParams.get('skoid'), '11111111-2222-4333-8444-555555555555');
      assert.equal(link.searchParams.get('se'), '2025-03-02T09:00:00Z');
      assert.ok(link.searchParams.get('sig'));
    });

    it('asks for one key and reuses it while it covers the link', async () => {
      const { signer, keySource } = createSigner();
      await signer.sign(blob, new Date(now.getTime() + HOUR_MS));
      await signer.sign(blob, new Date(now.getTime() + 48 * HOUR_MS));
      assert.equal(keySource.calls.length, 1);
    });

    it('refuses a link that would outlive the 7-day key limit', async () => {
      const { signer } = createSigner();
      const error = await rejectionOf(signer.sign(blob, new Date(now.getTime() + 8 * 24 * HOUR_MS)));
      assert.ok(isAppError(error, 'EXPORT_UNAVAILABLE'), String(error));
    });

    it('reports EXPORT_UNAVAILABLE when the account gives no key', async () => {
      const { logger } = createRecordingLogger();
      const keySource: UserDelegationKeySource = {
        accountName: 'contosoexports',
        getUserDelegationKey: () => Promise.reject(new Error('AuthorizationPermissionMismatch')),
      };
      const signer = new BlobSasLinkSigner({ kind: 'userDelegation', keySource, logger, now: () => now });
      const error = await rejectionOf(signer.sign(blob, new Date(now.getTime() + HOUR_MS)));
      assert.ok(isAppError(error, 'EXPORT_UNAVAILABLE'), String(error));
    });
  });

  describe('accountKeyFromConnectionString', () => {
    it('names what is missing without echoing the connection string', () => {
      assert.throws(
        () => accountKeyFromConnectionString('DefaultEndpointsProtocol=https;AccountName=contoso;SharedAccessSignature=sv=secretish'),
        (error: unknown) => isAppError(error, 'CONFIG_INVALID') && !error.message.includes('secretish'),
      );
    });
  });
});
