import assert from 'node:assert/strict';
import type { AccountCloser } from '../../services/accountCloser';
import { appCredentialProviderFromTokenCredential, graphScopeFor, type AppCredentialProvider } from '../../services/credentials/appCredentials';
import { AppError, isAppError } from '../../services/errors';
import { GraphAccountCloser } from '../../services/graph/graphAccountCloser';
import { clientRequestIdFor } from '../../services/graph/graphSupport';
import { ForbiddenFallbackCloser } from '../../services/portal/forbiddenFallbackCloser';
import { PortalHandOffCloser } from '../../services/portal/portalHandOff';
import { appToken, bearer, DEMO, startTestSandbox, type TestSandbox } from '../sandbox/helpers';
import { createTestHttp, rejectionOf } from './support/adapterHarness';
import { startLossyProxy, type LossyProxy } from './support/lossyProxy';

const PORTAL_URL = 'https://myaccount.microsoft.com/';
const DELETE_USER = /^\/graph\/v1\.0\/users\/[^/]+$/;
const PURGE_USER = /^\/graph\/v1\.0\/directory\/deletedItems\/[^/]+$/;
const ADA = { objectId: DEMO.ada.id, tenantId: DEMO.fabrikam.id };

describe('GraphAccountCloser against the sandbox', () => {
  let t: TestSandbox;
  let proxy: LossyProxy;
  beforeEach(async () => {
    t = await startTestSandbox();
    proxy = await startLossyProxy(t.sandbox.url);
  });
  afterEach(async () => {
    await proxy.stop();
    await t.stop();
  });

  function createCloser(credentials?: AppCredentialProvider) {
    const { http, logger, records, waits } = createTestHttp();
    const graphBaseUrl = `${proxy.url}/graph`;
    const closer = new GraphAccountCloser({
      http,
      credentials: credentials ?? appCredentialProviderFromTokenCredential(t.sandbox.appCredential, { logger }),
      graphBaseUrl,
      scope: graphScopeFor(graphBaseUrl),
      logger,
    });
    return { closer, records, waits, logger };
  }

  /** Status of GET /users/{id} with an app token: 200 while the user exists (not deleted). */
  async function userStatus(objectId: string, tenantId: string): Promise<number> {
    const response = await fetch(`${t.sandbox.graphBaseUrl}/v1.0/users/${objectId}`, { headers: bearer(await appToken(t.sandbox, tenantId)) });
    return response.status;
  }

  /** Whether the user is still in deleted items: a purge succeeds (204) only then. */
  async function stillInDeletedItems(objectId: string, tenantId: string): Promise<boolean> {
    const response = await fetch(`${t.sandbox.graphBaseUrl}/v1.0/directory/deletedItems/${objectId}`, { method: 'DELETE', headers: bearer(await appToken(t.sandbox, tenantId)) });
    return response.status === 204;
  }

  const graphCalls = () => proxy.requests.filter((r) => r.path.startsWith('/graph/')).map((r) => `${r.method} ${r.path}`);

  describe('closing an account', () => {
    it('deletes the user, then removes it from deleted items for good', async () => {
      const { closer } = createCloser();
      assert.deepEqual(await closer.close(ADA, { requestId: 'req-1' }), { kind: 'closed' });
      assert.deepEqual(graphCalls(), [`DELETE /graph/v1.0/users/${DEMO.ada.id}`, `DELETE /graph/v1.0/directory/deletedItems/${DEMO.ada.id}`]);
      assert.equal(await userStatus(DEMO.ada.id, DEMO.fabrikam.id), 404);
      assert.equal(await stillInDeletedItems(DEMO.ada.id, DEMO.fabrikam.id), false);
    });

    it('sends a client-request-id derived from the request id, per step', async () => {
      const { closer } = createCloser();
      await closer.close(ADA, { requestId: 'req-1' });
      const ids = proxy.requests.filter((r) => r.path.startsWith('/graph/')).map((r) => r.headers['client-request-id']);
      assert.deepEqual(ids, [clientRequestIdFor('req-1', 'delete'), clientRequestIdFor('req-1', 'purge')]);
      assert.match(String(ids[0]), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    });

    it('closes once more without error when the same request is retried after it succeeded', async () => {
      const { closer } = createCloser();
      await closer.close(ADA, { requestId: 'req-1' });
      assert.deepEqual(await closer.close(ADA, { requestId: 'req-1' }), { kind: 'closed' });
    });
  });

  describe('when the connection is reset in the middle of the delete', () => {
    it('retries, takes "not found" as done and closes exactly once', async () => {
      const { closer, records } = createCloser();
      proxy.loseAnswers({ method: 'DELETE', path: DELETE_USER });
      assert.deepEqual(await closer.close(ADA, { requestId: 'req-1' }), { kind: 'closed' });
      const deletes = proxy.requests.filter((r) => DELETE_USER.test(r.path));
      assert.deepEqual(deletes.map((r) => r.upstreamStatus), [204, 404]);
      assert.equal(deletes[0]?.headers['client-request-id'], deletes[1]?.headers['client-request-id']);
      assert.equal(await stillInDeletedItems(DEMO.ada.id, DEMO.fabrikam.id), false);
      assert.equal(records.filter((r) => r.message === 'user was already deleted').length, 1);
    });

    it('retries when the reset came before the directory acted', async () => {
      const { closer } = createCloser();
      t.sandbox.faults.inject({ method: 'DELETE', path: DELETE_USER, respond: 'reset' });
      assert.deepEqual(await closer.close(ADA, { requestId: 'req-1' }), { kind: 'closed' });
      assert.equal(await userStatus(DEMO.ada.id, DEMO.fabrikam.id), 404);
    });

    it('takes "not found" on the purge after a lost purge answer as done', async () => {
      const { closer } = createCloser();
      proxy.loseAnswers({ method: 'DELETE', path: PURGE_USER });
      assert.deepEqual(await closer.close(ADA, { requestId: 'req-1' }), { kind: 'closed' });
      assert.deepEqual(proxy.requests.filter((r) => PURGE_USER.test(r.path)).map((r) => r.upstreamStatus), [204, 404]);
    });
  });

  describe('when the directory refuses', () => {
    it('reports CLOSE_FORBIDDEN for a 403 and leaves the user alone', async () => {
      const { closer } = createCloser();
      t.sandbox.faults.inject({ method: 'DELETE', path: DELETE_USER, respond: { status: 403, body: { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges' } } } });
      const error = await rejectionOf(closer.close(ADA, { requestId: 'req-1' }));
      assert.ok(isAppError(error, 'CLOSE_FORBIDDEN'), String(error));
      assert.equal(await userStatus(DEMO.ada.id, DEMO.fabrikam.id), 200);
    });

    it('reports CLOSE_FORBIDDEN when the app token is for another tenant than the user', async () => {
      const { closer } = createCloser();
      const error = await rejectionOf(closer.close({ objectId: DEMO.megan.id, tenantId: DEMO.fabrikam.id }, { requestId: 'req-1' }));
      assert.ok(isAppError(error, 'CLOSE_FORBIDDEN'), String(error));
      assert.equal(await userStatus(DEMO.megan.id, DEMO.contoso.id), 200);
    });
  });

  describe('when the directory is unavailable', () => {
    it('reports DIRECTORY_UNAVAILABLE after retries and leaves the user alone', async () => {
      const { closer, waits } = createCloser();
      t.sandbox.faults.inject({ method: 'DELETE', path: DELETE_USER, times: 3, respond: { status: 503 } });
      const error = await rejectionOf(closer.close(ADA, { requestId: 'req-1' }));
      assert.ok(isAppError(error, 'DIRECTORY_UNAVAILABLE'), String(error));
      assert.equal(waits.length, 2);
      assert.equal(await userStatus(DEMO.ada.id, DEMO.fabrikam.id), 200);
    });

    it('still reports closed when only the permanent removal fails, and logs it as an error', async () => {
      const { closer, records } = createCloser();
      t.sandbox.faults.inject({ method: 'DELETE', path: PURGE_USER, times: 3, respond: { status: 503 } });
      assert.deepEqual(await closer.close(ADA, { requestId: 'req-1' }), { kind: 'closed' });
      assert.equal(await userStatus(DEMO.ada.id, DEMO.fabrikam.id), 404);
      assert.ok(records.some((r) => r.level === 'error' && r.fields?.objectId === DEMO.ada.id));
    });

    it('reports DIRECTORY_UNAVAILABLE and sends nothing when no app token can be had', async () => {
      const { closer } = createCloser({ getToken: async () => Promise.reject(new Error('AADSTS7000215: Invalid client secret provided.')) });
      const error = await rejectionOf(closer.close(ADA, { requestId: 'req-1' }));
      assert.ok(isAppError(error, 'DIRECTORY_UNAVAILABLE'), String(error));
      assert.deepEqual(graphCalls(), []);
    });
  });

  describe('with the forbidden fallback', () => {
    it('hands the user off to the portal when Graph answers 403, logging why', async () => {
      const { closer: inner, logger, records } = createCloser();
      const closer = new ForbiddenFallbackCloser({ inner, portalUrl: PORTAL_URL, logger });
      t.sandbox.faults.inject({ method: 'DELETE', path: DELETE_USER, respond: { status: 403, body: { error: { code: 'Authorization_RequestDenied', message: 'no' } } } });
      assert.deepEqual(await closer.close(ADA, { requestId: 'req-1' }), { kind: 'handedOff', portalUrl: PORTAL_URL, reason: 'forbidden' });
      assert.equal(await userStatus(DEMO.ada.id, DEMO.fabrikam.id), 200);
      assert.ok(records.some((r) => r.namespace.endsWith('portal:forbiddenFallback') && r.level === 'warn' && r.fields?.requestId === 'req-1'));
    });
  });
});

describe('ForbiddenFallbackCloser', () => {
  function createInner(outcome: () => Promise<never>): AccountCloser {
    return { close: outcome };
  }

  it('passes every other failure through unchanged', async () => {
    const { logger } = createTestHttp();
    const unavailable = new AppError('DIRECTORY_UNAVAILABLE', 'down');
    const closer = new ForbiddenFallbackCloser({ inner: createInner(() => Promise.reject(unavailable)), portalUrl: PORTAL_URL, logger });
    assert.equal(await rejectionOf(closer.close(ADA, { requestId: 'req-1' })), unavailable);
  });

  it('logs the reason for a hand-off with the request id', async () => {
    const { logger, records } = createTestHttp();
    const closer = new ForbiddenFallbackCloser({ inner: createInner(() => Promise.reject(new AppError('CLOSE_FORBIDDEN', 'denied'))), portalUrl: PORTAL_URL, logger });
    await closer.close(ADA, { requestId: 'req-7' });
    const warning = records.find((r) => r.level === 'warn');
    assert.equal(warning?.fields?.requestId, 'req-7');
    assert.match(warning?.message ?? '', /refused/);
  });
});

describe('PortalHandOffCloser', () => {
  it('hands off by configuration without touching the directory', async () => {
    const { logger, records } = createTestHttp();
    const closer = new PortalHandOffCloser({ portalUrl: PORTAL_URL, logger });
    assert.deepEqual(await closer.close(ADA, { requestId: 'req-1' }), { kind: 'handedOff', portalUrl: PORTAL_URL, reason: 'configured' });
    assert.equal(records[0]?.fields?.requestId, 'req-1');
  });
});
