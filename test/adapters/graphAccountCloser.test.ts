import assert from 'node:assert/strict';
import {
  appCredentialProviderFromTokenCredential,
  graphScopeFor,
  type AppCredentialProvider,
} from '../../adapters/credentials/appCredentials';
import { isAppError } from '../../services/errors';
import { GraphAccountCloser } from '../../adapters/graph/graphAccountCloser';
import { clientRequestIdFor } from '../../adapters/graph/graphSupport';
import { PortalHandOffCloser } from '../../adapters/portal/portalHandOff';
import { DEMO_SEED_PATH, loadSeedFile } from '@account-closure-bot/sandbox';
import { appToken, bearer, DEMO, startTestSandbox, type TestSandbox } from '@account-closure-bot/sandbox/testing';
import { createTestHttp, rejectionOf } from './support/adapterHarness';
import { startLossyProxy, type LossyProxy } from './support/lossyProxy';

const PORTAL_URL = 'https://go.microsoft.com/fwlink/?linkid=873123';
const DELETE_USER = /^\/graph\/v1\.0\/users\/[^/]+$/;
const PURGE_USER = /^\/graph\/v1\.0\/directory\/deletedItems\/[^/]+$/;
const KATHERINE = { objectId: DEMO.katherine.id, tenantId: DEMO.graphRights.id };

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
      portalUrl: PORTAL_URL,
      logger,
    });
    return { closer, records, waits, logger };
  }

  /** Status of GET /users/{id} with an app token: 200 while the user exists (not deleted). */
  async function userStatus(objectId: string, tenantId: string): Promise<number> {
    const response = await fetch(`${t.sandbox.graphBaseUrl}/v1.0/users/${objectId}`, {
      headers: bearer(await appToken(t.sandbox, tenantId)),
    });
    return response.status;
  }

  /** Whether the user is still in deleted items: a purge succeeds (204) only then. */
  async function stillInDeletedItems(objectId: string, tenantId: string): Promise<boolean> {
    const response = await fetch(`${t.sandbox.graphBaseUrl}/v1.0/directory/deletedItems/${objectId}`, {
      method: 'DELETE',
      headers: bearer(await appToken(t.sandbox, tenantId)),
    });
    return response.status === 204;
  }

  const graphCalls = () => proxy.requests.filter((r) => r.path.startsWith('/graph/')).map((r) => `${r.method} ${r.path}`);

  describe('closing an account', () => {
    it('deletes the user, then removes it from deleted items for good', async () => {
      const { closer } = createCloser();
      let recorded = 0;
      assert.deepEqual(await closer.close(KATHERINE, { requestId: 'req-1', recordDeleteSent: async () => void recorded++ }), {
        kind: 'closed',
      });
      assert.deepEqual(
        graphCalls().map((call) => call.replace(/\?.*$/, '')),
        [
          `GET /graph/v1.0/users/${DEMO.katherine.id}`,
          `DELETE /graph/v1.0/users/${DEMO.katherine.id}`,
          `DELETE /graph/v1.0/directory/deletedItems/${DEMO.katherine.id}`,
        ],
      );
      assert.equal(recorded, 1, 'the delete was recorded on the request before it was sent');
      assert.equal(await userStatus(DEMO.katherine.id, DEMO.graphRights.id), 404);
      assert.equal(await stillInDeletedItems(DEMO.katherine.id, DEMO.graphRights.id), false);
    });

    it('sends a client-request-id derived from the request id, per step', async () => {
      const { closer } = createCloser();
      await closer.close(KATHERINE, { requestId: 'req-1' });
      const ids = proxy.requests.filter((r) => r.path.startsWith('/graph/')).map((r) => r.headers['client-request-id']);
      assert.deepEqual(ids, [
        clientRequestIdFor('req-1', 'find'),
        clientRequestIdFor('req-1', 'delete'),
        clientRequestIdFor('req-1', 'purge'),
      ]);
      assert.match(String(ids[1]), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    });

    it('closes once more without error when the same request, whose delete was sent, is retried after it succeeded', async () => {
      const { closer } = createCloser();
      await closer.close(KATHERINE, { requestId: 'req-1' });
      assert.deepEqual(await closer.close(KATHERINE, { requestId: 'req-1', deleteSent: true }), { kind: 'closed' });
    });

    it('does not count a missing user as closed when this request never sent a delete: it hands off', async () => {
      const { closer } = createCloser();
      await closer.close(KATHERINE, { requestId: 'req-1' });
      assert.deepEqual(await closer.close(KATHERINE, { requestId: 'req-2' }), {
        kind: 'handedOff',
        portalUrl: PORTAL_URL,
        reason: 'userNotFound',
      });
      assert.equal(
        proxy.requests.filter((r) => r.method === 'DELETE' && DELETE_USER.test(r.path)).length,
        1,
        'the second request sent no delete',
      );
    });
  });

  describe('when the connection is reset in the middle of the delete', () => {
    it('retries, takes "not found" as done and closes exactly once', async () => {
      const { closer, records } = createCloser();
      proxy.loseAnswers({ method: 'DELETE', path: DELETE_USER });
      assert.deepEqual(await closer.close(KATHERINE, { requestId: 'req-1' }), { kind: 'closed' });
      const deletes = proxy.requests.filter((r) => r.method === 'DELETE' && DELETE_USER.test(r.path));
      assert.deepEqual(
        deletes.map((r) => r.upstreamStatus),
        [204, 404],
      );
      assert.equal(deletes[0]?.headers['client-request-id'], deletes[1]?.headers['client-request-id']);
      assert.equal(await stillInDeletedItems(DEMO.katherine.id, DEMO.graphRights.id), false);
      assert.equal(records.filter((r) => r.message === 'user was already deleted').length, 1);
    });

    it('retries when the reset came before the directory acted', async () => {
      const { closer } = createCloser();
      t.sandbox.faults.inject({ method: 'DELETE', path: DELETE_USER, respond: 'reset' });
      assert.deepEqual(await closer.close(KATHERINE, { requestId: 'req-1' }), { kind: 'closed' });
      assert.equal(await userStatus(DEMO.katherine.id, DEMO.graphRights.id), 404);
    });

    it('takes "not found" on the purge after a lost purge answer as done', async () => {
      const { closer } = createCloser();
      proxy.loseAnswers({ method: 'DELETE', path: PURGE_USER });
      assert.deepEqual(await closer.close(KATHERINE, { requestId: 'req-1' }), { kind: 'closed' });
      assert.deepEqual(
        proxy.requests.filter((r) => PURGE_USER.test(r.path)).map((r) => r.upstreamStatus),
        [204, 404],
      );
    });
  });

  describe('when the directory refuses', () => {
    it('hands off for a 403 on the delete and leaves the user alone', async () => {
      const { closer } = createCloser();
      t.sandbox.faults.inject({
        method: 'DELETE',
        path: DELETE_USER,
        respond: { status: 403, body: { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges' } } },
      });
      assert.deepEqual(await closer.close(KATHERINE, { requestId: 'req-1' }), {
        kind: 'handedOff',
        portalUrl: PORTAL_URL,
        reason: 'forbidden',
      });
      assert.equal(await userStatus(DEMO.katherine.id, DEMO.graphRights.id), 200);
    });

    it('hands off for a 403 on the lookup, before any delete', async () => {
      const { closer } = createCloser();
      t.sandbox.faults.inject({
        method: 'GET',
        path: DELETE_USER,
        respond: { status: 403, body: { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges' } } },
      });
      assert.deepEqual(await closer.close(KATHERINE, { requestId: 'req-1' }), {
        kind: 'handedOff',
        portalUrl: PORTAL_URL,
        reason: 'forbidden',
      });
      assert.equal(proxy.requests.filter((r) => r.method === 'DELETE').length, 0);
    });

    it("hands off when the user's tenant answers 404 for a user it does not hold (Graph's cross-tenant answer), deleting nothing", async () => {
      const { closer } = createCloser();
      // Megan is in Contoso; a token for Fabrikam finds no such user there: Graph (and the sandbox) answer 404, not 403.
      const outcome = await closer.close({ objectId: DEMO.megan.id, tenantId: DEMO.graphRights.id }, { requestId: 'req-1' });
      assert.deepEqual(outcome, { kind: 'handedOff', portalUrl: PORTAL_URL, reason: 'userNotFound' });
      assert.deepEqual(
        proxy.requests.filter((r) => r.path.startsWith('/graph/')).map((r) => `${r.method} ${r.upstreamStatus}`),
        ['GET 404'],
      );
      assert.equal(await userStatus(DEMO.megan.id, DEMO.contoso.id), 200);
    });

    it("hands off, calling no Graph at all, when the app token is for the bot's home tenant (a managed identity), not the user's", async () => {
      const { logger } = createTestHttp();
      const sandboxTokens = appCredentialProviderFromTokenCredential(t.sandbox.appCredential, { logger });
      // A managed identity's token is always for its home tenant, whatever tenant is asked for.
      const homeTenantOnly: AppCredentialProvider = { getToken: (_tenantId, scope) => sandboxTokens.getToken(DEMO.graphRights.id, scope) };
      const { closer } = createCloser(homeTenantOnly);
      const outcome = await closer.close({ objectId: DEMO.megan.id, tenantId: DEMO.contoso.id }, { requestId: 'req-1' });
      assert.deepEqual(outcome, { kind: 'handedOff', portalUrl: PORTAL_URL, reason: 'otherTenant' });
      assert.deepEqual(graphCalls(), []);
      assert.equal(await userStatus(DEMO.megan.id, DEMO.contoso.id), 200);
    });
  });

  describe("when the app has no service principal in the user's tenant (an unmanaged tenant)", () => {
    it("hands off on Entra's AADSTS7000229 from the token endpoint, calling no Graph at all", async () => {
      await t.stop();
      const seed = await loadSeedFile(DEMO_SEED_PATH);
      t = await startTestSandbox({
        seed: {
          ...seed,
          tenants: seed.tenants.map((tenant) => (tenant.id === DEMO.graphRights.id ? { ...tenant, appServicePrincipal: false } : tenant)),
        },
      });
      await proxy.stop();
      proxy = await startLossyProxy(t.sandbox.url);
      const { closer, records } = createCloser();
      assert.deepEqual(await closer.close(KATHERINE, { requestId: 'req-1' }), {
        kind: 'handedOff',
        portalUrl: PORTAL_URL,
        reason: 'noAppToken',
      });
      assert.deepEqual(graphCalls(), []);
      const warning = records.find((r) => r.level === 'warn' && r.fields?.reason === 'noAppToken');
      assert.match(String((warning?.fields?.error as Error | undefined)?.message), /AADSTS7000229/);
    });
  });

  describe('when the directory is unavailable', () => {
    it('reports DIRECTORY_UNAVAILABLE after retries and leaves the user alone', async () => {
      const { closer, waits } = createCloser();
      t.sandbox.faults.inject({ method: 'DELETE', path: DELETE_USER, times: 3, respond: { status: 503 } });
      const error = await rejectionOf(closer.close(KATHERINE, { requestId: 'req-1' }));
      assert.ok(isAppError(error, 'DIRECTORY_UNAVAILABLE'), String(error));
      assert.equal(waits.length, 2);
      assert.equal(await userStatus(DEMO.katherine.id, DEMO.graphRights.id), 200);
    });

    it('still reports closed when only the permanent removal fails, and logs it as an error', async () => {
      const { closer, records } = createCloser();
      t.sandbox.faults.inject({ method: 'DELETE', path: PURGE_USER, times: 3, respond: { status: 503 } });
      assert.deepEqual(await closer.close(KATHERINE, { requestId: 'req-1' }), { kind: 'closed' });
      assert.equal(await userStatus(DEMO.katherine.id, DEMO.graphRights.id), 404);
      assert.ok(records.some((r) => r.level === 'error' && r.fields?.objectId === DEMO.katherine.id));
    });

    it('hands off, sending nothing, when no app token can be had before any delete', async () => {
      const { closer } = createCloser({
        getToken: async () => Promise.reject(new Error('AADSTS7000215: Invalid client secret provided.')),
      });
      assert.deepEqual(await closer.close(KATHERINE, { requestId: 'req-1' }), {
        kind: 'handedOff',
        portalUrl: PORTAL_URL,
        reason: 'noAppToken',
      });
      assert.deepEqual(graphCalls(), []);
    });

    it('reports DIRECTORY_UNAVAILABLE (outcome unknown, for the reconciler) when no app token can be had after its delete was sent', async () => {
      const { closer } = createCloser({ getToken: async () => Promise.reject(new Error('network down')) });
      const error = await rejectionOf(closer.close(KATHERINE, { requestId: 'req-1', deleteSent: true }));
      assert.ok(isAppError(error, 'DIRECTORY_UNAVAILABLE'), String(error));
    });
  });
});

describe('PortalHandOffCloser', () => {
  it('hands off by configuration without touching the directory', async () => {
    const { logger, records } = createTestHttp();
    const closer = new PortalHandOffCloser({ portalUrl: PORTAL_URL, logger });
    assert.deepEqual(await closer.close(KATHERINE, { requestId: 'req-1' }), {
      kind: 'handedOff',
      portalUrl: PORTAL_URL,
      reason: 'configured',
    });
    assert.equal(records[0]?.fields?.requestId, 'req-1');
  });
});
