import { strict as assert } from 'node:assert';
import { access } from 'node:fs/promises';
import * as path from 'node:path';
import { EXPORT_FILE_NAMES } from '../exportJobs';
import { DEMO, appToken, bearer, startTestSandbox, type TestSandbox } from './helpers';

interface Operation {
  id: string;
  status: string;
  storageLocation: string;
  userId: string;
  submittedDateTime: string;
  completedDateTime: string | null;
  progress: number;
}

const EXPORT_DELAY_MS = 10_000;

describe('sandbox data export', () => {
  let t: TestSandbox;
  let app: { authorization: string };
  beforeEach(async () => {
    t = await startTestSandbox({ exportDelayMs: EXPORT_DELAY_MS });
    app = bearer(await appToken(t.sandbox, DEMO.graphRights.id));
  });
  afterEach(() => t.stop());

  const graph = (p: string, init: RequestInit = {}) => fetch(`${t.sandbox.graphBaseUrl}/v1.0${p}`, init);
  const requestExport = (userId: string, headers = app, body: unknown = { storageLocation: t.sandbox.exportStorageLocation }) =>
    graph(`/users/${userId}/exportPersonalData`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const readOperation = async (location: string) => (await (await fetch(location, { headers: app })).json()) as Operation;
  const exportFile = (opId: string, name = 'profile.json') => path.join(t.dataDir, 'blobs', 'exports', opId, name);
  const blobUrl = (opId: string, name = 'profile.json') => `${t.sandbox.exportStorageLocation}/${opId}/${name}`;
  const listBlobs = (query: string) => fetch(`${t.sandbox.exportStorageLocation}?${query}`);
  const exists = (file: string) =>
    access(file).then(
      () => true,
      () => false,
    );

  async function completedExport(): Promise<Operation> {
    const location = (await requestExport(DEMO.katherine.id)).headers.get('location') ?? '';
    t.time.advance(EXPORT_DELAY_MS);
    return readOperation(location);
  }

  describe('the export job', () => {
    it('answers 202 with a Location of the data policy operation', async () => {
      const response = await requestExport(DEMO.katherine.id);
      assert.equal(response.status, 202);
      assert.equal(await response.text(), '');
      assert.match(
        response.headers.get('location') ?? '',
        new RegExp(`^${t.sandbox.graphBaseUrl}/v1\\.0/dataPolicyOperations/[0-9a-f-]{36}$`),
      );
    });

    it('runs, then completes exportDelayMs after submission and writes its files', async () => {
      const location = (await requestExport(DEMO.katherine.id)).headers.get('location') ?? '';
      const first = await readOperation(location);
      assert.equal(first.status, 'notStarted');
      assert.equal(first.userId, DEMO.katherine.id);
      assert.equal(first.storageLocation, t.sandbox.exportStorageLocation);
      assert.equal(first.completedDateTime, null);

      t.time.advance(EXPORT_DELAY_MS / 2);
      const halfway = await readOperation(location);
      assert.equal(halfway.status, 'running');
      assert.equal(halfway.progress, 50);
      assert.equal(await exists(exportFile(first.id)), false);

      t.time.advance(EXPORT_DELAY_MS / 2);
      const done = await readOperation(location);
      assert.equal(done.status, 'complete');
      assert.equal(done.progress, 100);
      assert.equal(Date.parse(done.completedDateTime ?? ''), Date.parse(done.submittedDateTime) + EXPORT_DELAY_MS);
      for (const name of EXPORT_FILE_NAMES) assert.equal(await exists(exportFile(first.id, name)), true, name);
    });

    it('answers 400 to a body without a storage location', async () => {
      assert.equal((await requestExport(DEMO.katherine.id, app, { somethingElse: true })).status, 400);
    });

    it("answers 404 Request_ResourceNotFound to another tenant's app token, as Graph does", async () => {
      const response = await requestExport(DEMO.katherine.id, bearer(await appToken(t.sandbox, DEMO.contoso.id)));
      assert.equal(response.status, 404);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'Request_ResourceNotFound');
    });

    it('answers 404 Request_ResourceNotFound for an unknown user', async () => {
      const response = await requestExport('00000000-0000-0000-0000-0000000000aa');
      assert.equal(response.status, 404);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'Request_ResourceNotFound');
    });

    it('answers 501 for a storage location outside the sandbox', async () => {
      assert.equal((await requestExport(DEMO.katherine.id, app, { storageLocation: 'https://example.invalid/container' })).status, 501);
    });

    it('fails when the account is closed before the export completes', async () => {
      const location = (await requestExport(DEMO.katherine.id)).headers.get('location') ?? '';
      await graph(`/users/${DEMO.katherine.id}`, { method: 'DELETE', headers: app });
      t.time.advance(EXPORT_DELAY_MS);
      assert.equal((await readOperation(location)).status, 'failed');
    });
  });

  describe('the signed download link', () => {
    it("serves the user's data as an attachment until it expires", async () => {
      const operation = await completedExport();
      const link = await t.sandbox.linkSigner.sign(blobUrl(operation.id), new Date(t.time.clock().getTime() + 60_000));
      const response = await fetch(link);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-disposition') ?? '', /^attachment; filename="profile.json"$/);
      const profile = (await response.json()) as { id: string; userPrincipalName: string };
      assert.equal(profile.id, DEMO.katherine.id);
      assert.equal(profile.userPrincipalName, DEMO.katherine.upn);
      const expires = new Date(t.time.clock().getTime() + 60_000);
      const organization = (await (
        await fetch(await t.sandbox.linkSigner.sign(blobUrl(operation.id, 'organization.json'), expires))
      ).json()) as {
        displayName: string;
      };
      assert.equal(organization.displayName, DEMO.graphRights.name);
      const info = (await (await fetch(await t.sandbox.linkSigner.sign(blobUrl(operation.id, 'export-info.json'), expires))).json()) as {
        exportedDateTime: string;
      };
      assert.equal(info.exportedDateTime, operation.completedDateTime);

      t.time.advance(60_000);
      const expired = await fetch(link);
      assert.equal(expired.status, 403);
      assert.equal(expired.headers.get('x-ms-error-code'), 'AuthenticationFailed');
    });

    it('answers 403 when the signature or the expiry was tampered with', async () => {
      const operation = await completedExport();
      const link = new URL(await t.sandbox.linkSigner.sign(blobUrl(operation.id), new Date(t.time.clock().getTime() + 60_000)));
      const badSig = new URL(link);
      const sig = link.searchParams.get('sig') ?? '';
      badSig.searchParams.set('sig', `${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`);
      const laterExpiry = new URL(link);
      laterExpiry.searchParams.set('se', new Date(t.time.clock().getTime() + 86_400_000).toISOString());
      const unsigned = blobUrl(operation.id);
      assert.equal((await fetch(badSig)).status, 403);
      assert.equal((await fetch(laterExpiry)).status, 403);
      assert.equal((await fetch(unsigned)).status, 403);
    });

    it('refuses to sign a URL that is not sandbox storage', async () => {
      await assert.rejects(t.sandbox.linkSigner.sign('https://example.invalid/exports/x.json', new Date()), RangeError);
    });
  });

  describe('List Blobs on the export container', () => {
    it("answers EnumerationResults XML with the operation folder's blobs, names in order and sizes", async () => {
      const operation = await completedExport();
      const response = await listBlobs(`restype=container&comp=list&prefix=${operation.id}/`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'application/xml');
      const xml = await response.text();
      assert.match(xml, /^<\?xml version="1\.0" encoding="utf-8"\?><EnumerationResults ServiceEndpoint="[^"]+" ContainerName="exports">/);
      assert.match(xml, new RegExp(`<Prefix>${operation.id}/</Prefix>`));
      const names = [...xml.matchAll(/<Name>([^<]+)<\/Name>/g)].map((match) => match[1]);
      assert.deepEqual(
        names,
        [...EXPORT_FILE_NAMES].sort().map((name) => `${operation.id}/${name}`),
      );
      const sizes = [...xml.matchAll(/<Content-Length>(\d+)<\/Content-Length>/g)].map((match) => Number(match[1]));
      assert.ok(sizes.every((size) => size > 0));
    });

    it("lists nothing of another operation's folder, and an empty Blobs for a prefix with none", async () => {
      const operation = await completedExport();
      const xml = await (await listBlobs('restype=container&comp=list&prefix=00000000-0000-0000-0000-000000000000/')).text();
      assert.match(xml, /<Blobs><\/Blobs>/);
      assert.doesNotMatch(xml, new RegExp(operation.id));
    });

    it('answers 404 ContainerNotFound for a container never written to, and 400 without restype=container&comp=list', async () => {
      await completedExport();
      const missing = await fetch(`${t.sandbox.exportStorageLocation}-none?restype=container&comp=list`);
      assert.equal(missing.status, 404);
      assert.equal(missing.headers.get('x-ms-error-code'), 'ContainerNotFound');
      const wrong = await listBlobs('comp=list');
      assert.equal(wrong.status, 400);
      assert.equal(wrong.headers.get('x-ms-error-code'), 'UnsupportedQueryParameter');
    });
  });

  describe('closing the account', () => {
    it('deletes the export files once their download links have expired', async () => {
      const operation = await completedExport();
      await t.sandbox.linkSigner.sign(blobUrl(operation.id), new Date(t.time.clock().getTime() + 60_000));
      assert.equal((await graph(`/users/${DEMO.katherine.id}`, { method: 'DELETE', headers: app })).status, 204);
      assert.equal(await exists(exportFile(operation.id)), true);

      t.time.advance(60_000);
      // Housekeeping runs by the clock on the next request, whatever it is.
      await fetch(`${t.sandbox.graphBaseUrl}/v1.0/me`);
      assert.equal(await exists(exportFile(operation.id)), false);
    });

    it('deletes export files at once when no link was handed out', async () => {
      const operation = await completedExport();
      await graph(`/users/${DEMO.katherine.id}`, { method: 'DELETE', headers: app });
      assert.equal(await exists(exportFile(operation.id)), false);
    });
  });
});
