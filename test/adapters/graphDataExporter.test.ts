import assert from 'node:assert/strict';
import {
  appCredentialProviderFromTokenCredential,
  graphScopeFor,
  type AppCredentialProvider,
} from '../../adapters/credentials/appCredentials';
import type { ExportHandle } from '../../services/dataExporter';
import { Messages } from '../../conversation/messages';
import { isAppError } from '../../services/errors';
import { GraphDataExporter } from '../../adapters/graph/graphDataExporter';
import { rm } from 'node:fs/promises';
import * as path from 'node:path';
import { ContainerClient } from '@azure/storage-blob';
import { ContainerBlobLister } from '../../adapters/blob/exportBlobLister';
import { EXPORT_FILE_NAMES } from '@account-closure-bot/sandbox';
import { appToken, bearer, DEMO, startTestSandbox, type TestSandbox } from '@account-closure-bot/sandbox/testing';
import { createTestHttp, rejectionOf } from './support/adapterHarness';

const EXPORT_DELAY_MS = 60_000;
const LINK_TTL_MS = 24 * 60 * 60 * 1000;
const EXPORT = /^\/graph\/v1\.0\/users\/[^/]+\/exportPersonalData$/;
const OPERATION = /^\/graph\/v1\.0\/dataPolicyOperations\/[^/]+$/;
const KATHERINE = { objectId: DEMO.katherine.id, tenantId: DEMO.graphRights.id };

describe('GraphDataExporter against the sandbox', () => {
  let t: TestSandbox;
  beforeEach(async () => {
    t = await startTestSandbox({ exportDelayMs: EXPORT_DELAY_MS });
  });
  afterEach(async () => {
    await t.stop();
  });

  function createExporter(credentials?: AppCredentialProvider) {
    const { http, logger, records, waits } = createTestHttp();
    const { graphBaseUrl } = t.sandbox;
    const exporter = new GraphDataExporter({
      http,
      credentials: credentials ?? appCredentialProviderFromTokenCredential(t.sandbox.appCredential, { logger }),
      portalUrl: 'https://go.microsoft.com/fwlink/?linkid=873123',
      graphBaseUrl,
      scope: graphScopeFor(graphBaseUrl),
      storageLocation: t.sandbox.exportStorageLocation,
      // Microsoft's own client against the sandbox's List Blobs stand-in, as index.ts wires it.
      lister: new ContainerBlobLister({ container: new ContainerClient(t.sandbox.exportStorageLocation), timeoutMs: 10_000, logger }),
      signer: t.sandbox.linkSigner,
      linkTtlMs: LINK_TTL_MS,
      now: t.time.clock,
      logger,
    });
    return { exporter, records, waits };
  }

  async function expectUnavailable(promise: Promise<unknown>): Promise<void> {
    const error = await rejectionOf(promise);
    assert.ok(isAppError(error, 'EXPORT_UNAVAILABLE'), `expected EXPORT_UNAVAILABLE, got ${String(error)}`);
  }

  describe('an export from request to download', () => {
    it('starts a job, reports it running, then ready with one expiring link per blob in the operation folder', async () => {
      const { exporter } = createExporter();
      const handle = await exporter.start(KATHERINE, { requestId: 'req-1' });
      assert.ok(handle.operationUrl.startsWith(`${t.sandbox.graphBaseUrl}/v1.0/dataPolicyOperations/`));
      assert.deepEqual(await exporter.status(handle), { kind: 'running' });

      t.time.advance(EXPORT_DELAY_MS);
      const status = await exporter.status(handle);
      assert.equal(status.kind, 'ready');
      if (status.kind !== 'ready') return;
      assert.equal(status.expiresAt.getTime(), t.time.clock().getTime() + LINK_TTL_MS);
      assert.deepEqual(
        status.files.map((file) => file.name),
        [...EXPORT_FILE_NAMES].sort(),
      );
      const opId = new URL(handle.operationUrl).pathname.split('/').pop() ?? '';
      for (const file of status.files) {
        assert.ok(new URL(file.downloadUrl).pathname.endsWith(`/exports/${opId}/${file.name}`), file.downloadUrl);
        const download = await fetch(file.downloadUrl);
        assert.equal(download.status, 200);
        const bytes = Buffer.from(await download.arrayBuffer());
        assert.equal(bytes.length, file.sizeBytes);
        if (file.name === 'profile.json') assert.equal((JSON.parse(bytes.toString('utf8')) as { id: string }).id, DEMO.katherine.id);
      }
      t.time.advance(LINK_TTL_MS + 1);
      for (const file of status.files) assert.equal((await fetch(file.downloadUrl)).status, 403);
    });

    it("lists only this operation's folder, not another export's files in the same container", async () => {
      const { exporter } = createExporter();
      const first = await exporter.start(KATHERINE, { requestId: 'req-1' });
      t.time.advance(EXPORT_DELAY_MS);
      const second = await exporter.start(KATHERINE, { requestId: 'req-2' });
      t.time.advance(EXPORT_DELAY_MS);
      const [a, b] = [await exporter.status(first), await exporter.status(second)];
      assert.ok(a.kind === 'ready' && b.kind === 'ready');
      assert.equal(a.files.length, EXPORT_FILE_NAMES.length);
      const urls = new Set([...a.files, ...b.files].map((file) => new URL(file.downloadUrl).pathname));
      assert.equal(urls.size, EXPORT_FILE_NAMES.length * 2);
    });

    it('says the export is ready with no files when the operation folder is empty, linking nothing', async () => {
      const { exporter } = createExporter();
      const handle = await exporter.start(KATHERINE, { requestId: 'req-1' });
      t.time.advance(EXPORT_DELAY_MS);
      const opId = new URL(handle.operationUrl).pathname.split('/').pop() ?? '';
      assert.equal((await exporter.status(handle)).kind, 'ready');
      await rm(path.join(t.dataDir, 'blobs', 'exports', opId), { recursive: true, force: true });
      const status = await exporter.status(handle);
      assert.ok(status.kind === 'ready');
      assert.deepEqual(status.files, []);
    });

    it('reports EXPORT_UNAVAILABLE, never a ready export, when the container cannot be listed', async () => {
      const { exporter } = createExporter();
      const handle = await exporter.start(KATHERINE, { requestId: 'req-1' });
      t.time.advance(EXPORT_DELAY_MS);
      t.sandbox.faults.inject({ method: 'GET', path: /^\/storage\/exports$/, times: 10, respond: { status: 403 } });
      await expectUnavailable(exporter.status(handle));
    });

    it('reports failed when the directory fails the job', async () => {
      const { exporter } = createExporter();
      const handle = await exporter.start(KATHERINE, { requestId: 'req-1' });
      const token = await appToken(t.sandbox, DEMO.graphRights.id);
      assert.equal(
        (await fetch(`${t.sandbox.graphBaseUrl}/v1.0/users/${DEMO.katherine.id}`, { method: 'DELETE', headers: bearer(token) })).status,
        204,
      );
      t.time.advance(EXPORT_DELAY_MS);
      assert.equal((await exporter.status(handle)).kind, 'failed');
    });
  });

  describe('when Graph throttles', () => {
    it('backs off on a 429 without Retry-After and then starts the export', async () => {
      const { exporter, waits } = createExporter();
      t.sandbox.faults.inject({
        method: 'POST',
        path: EXPORT,
        times: 2,
        respond: { status: 429, body: { error: { code: 'TooManyRequests', message: 'Too many requests' } } },
      });
      const handle = await exporter.start(KATHERINE, { requestId: 'req-1' });
      assert.deepEqual(waits, [100, 200]);
      assert.deepEqual(await exporter.status(handle), { kind: 'running' });
    });

    it('rides out a 503 while reading the status', async () => {
      const { exporter } = createExporter();
      const handle = await exporter.start(KATHERINE, { requestId: 'req-1' });
      t.sandbox.faults.inject({ method: 'GET', path: OPERATION, respond: { status: 503 } });
      assert.deepEqual(await exporter.status(handle), { kind: 'running' });
    });
  });

  describe('when starting fails', () => {
    it('does not repeat a POST whose connection was reset, since a second job could start', async () => {
      const { exporter, waits } = createExporter();
      t.sandbox.faults.inject({ method: 'POST', path: EXPORT, respond: 'reset' });
      await expectUnavailable(exporter.start(KATHERINE, { requestId: 'req-1' }));
      assert.deepEqual(waits, []);
    });

    it("hands the export off to the portal, requesting nothing, when the user's tenant answers 404 for the user (Graph's cross-tenant answer)", async () => {
      const { logger } = createTestHttp();
      const sandboxTokens = appCredentialProviderFromTokenCredential(t.sandbox.appCredential, { logger });
      // A managed identity's token: always for its home tenant (Contoso), whatever tenant is asked for.
      const { exporter } = createExporter({ getToken: (_tenantId, scope) => sandboxTokens.getToken(DEMO.contoso.id, scope) });
      const error = await rejectionOf(exporter.start(KATHERINE, { requestId: 'ex-1' }));
      assert.ok(isAppError(error, 'EXPORT_HANDED_OFF'), String(error));
      assert.match(
        Messages.error(error),
        /https:\/\/go\.microsoft\.com\/fwlink\/\?linkid=873123[\s\S]*New export request[\s\S]*system-generated logs[\s\S]*up to a month/,
      );
    });

    it('hands the export off when no app token can be had (no service principal in the tenant)', async () => {
      const { exporter } = createExporter({
        getToken: async () =>
          Promise.reject(new Error("AADSTS700016: Application with identifier 'x' was not found in the directory 'Fabrikam'.")),
      });
      const error = await rejectionOf(exporter.start(KATHERINE, { requestId: 'ex-1' }));
      assert.ok(isAppError(error, 'EXPORT_HANDED_OFF'), String(error));
    });

    it('reports EXPORT_UNAVAILABLE for a 202 without a Location', async () => {
      const { exporter } = createExporter();
      t.sandbox.faults.inject({ method: 'POST', path: EXPORT, respond: { status: 202 } });
      await expectUnavailable(exporter.start(KATHERINE, { requestId: 'req-1' }));
    });

    it('refuses a Location outside Graph', async () => {
      const { exporter } = createExporter();
      t.sandbox.faults.inject({
        method: 'POST',
        path: EXPORT,
        respond: { status: 202, headers: { location: 'https://attacker.example/v1.0/dataPolicyOperations/1' } },
      });
      await expectUnavailable(exporter.start(KATHERINE, { requestId: 'req-1' }));
    });
  });

  describe('when reading the status fails', () => {
    it('sends no token to a handle that points outside Graph', async () => {
      const { exporter } = createExporter();
      const handle = await exporter.start(KATHERINE, { requestId: 'req-1' });
      const foreign: ExportHandle = { ...handle, operationUrl: handle.operationUrl.replace(t.sandbox.graphBaseUrl, 'http://127.0.0.1:9') };
      await expectUnavailable(exporter.status(foreign));
    });

    it('reports EXPORT_UNAVAILABLE for an unknown status', async () => {
      const { exporter } = createExporter();
      const handle = await exporter.start(KATHERINE, { requestId: 'req-1' });
      const id = new URL(handle.operationUrl).pathname.split('/').pop();
      t.sandbox.faults.inject({ method: 'GET', path: OPERATION, respond: { status: 200, body: { id, status: 'paused' } } });
      await expectUnavailable(exporter.status(handle));
    });

    it('reports EXPORT_UNAVAILABLE for a malformed body', async () => {
      const { exporter } = createExporter();
      const handle = await exporter.start(KATHERINE, { requestId: 'req-1' });
      t.sandbox.faults.inject({
        method: 'GET',
        path: OPERATION,
        respond: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"status": "compl' },
      });
      await expectUnavailable(exporter.status(handle));
    });
  });
});
