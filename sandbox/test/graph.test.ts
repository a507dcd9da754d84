import { strict as assert } from 'node:assert';
import { DEMO_SEED_PATH, loadSeedFile } from '../index';
import { DEMO, appToken, bearer, signIn, startTestSandbox, type TestSandbox } from './helpers';

interface GraphErrorBody {
  error: { code: string; message: string; innerError: { date: string; 'request-id': string; 'client-request-id': string } };
}

describe('sandbox Graph API', () => {
  let t: TestSandbox;
  beforeEach(async () => {
    t = await startTestSandbox();
  });
  afterEach(() => t.stop());

  const graph = (path: string, init: RequestInit = {}) => fetch(`${t.sandbox.graphBaseUrl}/v1.0${path}`, init);

  describe('GET /me', () => {
    it("returns the signed-in user's id, UPN, display name and mail", async () => {
      const token = await signIn(t.sandbox, DEMO.katherine.upn);
      const response = await graph('/me', { headers: bearer(token) });
      const body = (await response.json()) as Record<string, unknown>;
      assert.equal(response.status, 200);
      assert.equal(body.id, DEMO.katherine.id);
      assert.equal(body.userPrincipalName, DEMO.katherine.upn);
      assert.equal(body.displayName, DEMO.katherine.displayName);
      assert.equal(body.mail, DEMO.katherine.upn);
    });

    it('returns only the $select-ed properties', async () => {
      const token = await signIn(t.sandbox, DEMO.katherine.upn);
      const body = (await (await graph('/me?$select=id,displayName', { headers: bearer(token) })).json()) as Record<string, unknown>;
      const { '@odata.context': _context, ...properties } = body;
      assert.deepEqual(properties, { id: DEMO.katherine.id, displayName: DEMO.katherine.displayName });
    });

    it('answers 400 for an unknown $select property', async () => {
      const token = await signIn(t.sandbox, DEMO.katherine.upn);
      const response = await graph('/me?$select=id,shoeSize', { headers: bearer(token) });
      assert.equal(response.status, 400);
      assert.match(((await response.json()) as GraphErrorBody).error.message, /shoeSize/);
    });

    it('answers 401 InvalidAuthenticationToken in the Graph error shape without a valid token', async () => {
      const response = await graph('/me', { headers: { ...bearer('not-a-token'), 'client-request-id': 'abc-123' } });
      const body = (await response.json()) as GraphErrorBody;
      assert.equal(response.status, 401);
      assert.equal(body.error.code, 'InvalidAuthenticationToken');
      assert.equal(body.error.innerError['client-request-id'], 'abc-123');
      assert.equal(body.error.innerError['request-id'], response.headers.get('request-id'));
      assert.equal(response.headers.get('client-request-id'), 'abc-123');
    });

    it('answers 401 once the user token has expired', async () => {
      const token = await signIn(t.sandbox, DEMO.katherine.upn);
      t.time.advance(3600 * 1000);
      assert.equal((await graph('/me', { headers: bearer(token) })).status, 401);
    });

    it('answers 400 to an app token, as /me needs a delegated token', async () => {
      const response = await graph('/me', { headers: bearer(await appToken(t.sandbox, DEMO.graphRights.id)) });
      assert.equal(response.status, 400);
    });
  });

  describe('GET /organization', () => {
    it("returns the user's organization with its verified domains", async () => {
      const token = await signIn(t.sandbox, DEMO.megan.upn);
      const body = (await (await graph('/organization', { headers: bearer(token) })).json()) as {
        value: Array<{ id: string; displayName: string; verifiedDomains: Array<{ name: string; isDefault: boolean }> }>;
      };
      assert.equal(body.value.length, 1);
      assert.equal(body.value[0]?.id, DEMO.contoso.id);
      assert.equal(body.value[0]?.displayName, DEMO.contoso.name);
      assert.deepEqual(
        body.value[0]?.verifiedDomains.map((d) => [d.name, d.isDefault]),
        [[DEMO.contoso.domain, true]],
      );
    });
  });

  describe('closing an account', () => {
    it('moves the user to deleted items: sign-in tokens stop working and the user is not found', async () => {
      const userToken = await signIn(t.sandbox, DEMO.katherine.upn);
      const app = bearer(await appToken(t.sandbox, DEMO.graphRights.id));
      assert.equal((await graph(`/users/${DEMO.katherine.id}`, { headers: app })).status, 200);

      assert.equal((await graph(`/users/${DEMO.katherine.id}`, { method: 'DELETE', headers: app })).status, 204);
      // Graph's answer to a deleted account's unexpired token is undocumented; the sandbox answers as for /users/{id}.
      const me = await graph('/me', { headers: bearer(userToken) });
      assert.equal(me.status, 404);
      assert.equal(((await me.json()) as GraphErrorBody).error.code, 'Request_ResourceNotFound');
      const lookup = await graph(`/users/${DEMO.katherine.id}`, { headers: app });
      assert.equal(lookup.status, 404);
      assert.equal(((await lookup.json()) as GraphErrorBody).error.code, 'Request_ResourceNotFound');
      assert.equal((await graph(`/users/${DEMO.katherine.id}`, { method: 'DELETE', headers: app })).status, 404);
    });

    it('deletes permanently from deleted items, and answers 404 for a user not in deleted items', async () => {
      const app = bearer(await appToken(t.sandbox, DEMO.graphRights.id));
      assert.equal((await graph(`/directory/deletedItems/${DEMO.dorothy.id}`, { method: 'DELETE', headers: app })).status, 404);
      await graph(`/users/${DEMO.dorothy.id}`, { method: 'DELETE', headers: app });
      assert.equal((await graph(`/directory/deletedItems/${DEMO.dorothy.id}`, { method: 'DELETE', headers: app })).status, 204);
      assert.equal((await graph(`/directory/deletedItems/${DEMO.dorothy.id}`, { method: 'DELETE', headers: app })).status, 404);
    });

    it("answers 404 Request_ResourceNotFound to another tenant's app token, as Graph does (the user does not exist there)", async () => {
      const contoso = bearer(await appToken(t.sandbox, DEMO.contoso.id));
      for (const method of ['GET', 'DELETE']) {
        const response = await graph(`/users/${DEMO.katherine.id}`, { method, headers: contoso });
        assert.equal(response.status, 404, method);
        assert.equal(((await response.json()) as GraphErrorBody).error.code, 'Request_ResourceNotFound');
      }
      assert.equal(
        (await graph(`/users/${DEMO.katherine.id}`, { headers: bearer(await appToken(t.sandbox, DEMO.graphRights.id)) })).status,
        200,
        'still there',
      );
    });

    it("answers 403 to the user's own delegated token", async () => {
      const token = await signIn(t.sandbox, DEMO.katherine.upn);
      assert.equal((await graph(`/users/${DEMO.katherine.id}`, { method: 'DELETE', headers: bearer(token) })).status, 403);
    });
  });

  describe('app tokens', () => {
    it('are refused for a wrong client secret', async () => {
      const response = await fetch(`${t.sandbox.loginBaseUrl}/${DEMO.graphRights.id}/oauth2/v2.0/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: '6a1c5e0b-5b1f-4f55-8d8e-0c5a2b9f7d10',
          client_secret: 'guess',
          scope: 'https://graph.microsoft.com/.default',
        }),
      });
      assert.equal(response.status, 401);
      assert.equal(((await response.json()) as { error: string }).error, 'invalid_client');
    });

    it("are refused as Entra refuses them in the demo's unmanaged tenant, where the app has no service principal (AADSTS7000229)", async () => {
      const response = await fetch(`${t.sandbox.loginBaseUrl}/${DEMO.fabrikam.id}/oauth2/v2.0/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: '6a1c5e0b-5b1f-4f55-8d8e-0c5a2b9f7d10',
          client_secret: 'sandbox-client-secret',
          scope: 'https://graph.microsoft.com/.default',
        }),
      });
      assert.equal(response.status, 401);
      const body = (await response.json()) as { error: string; error_codes: number[]; error_description: string; error_uri: string };
      assert.equal(body.error, 'invalid_client');
      assert.deepEqual(body.error_codes, [7000229]);
      assert.match(
        body.error_description,
        new RegExp(
          `^AADSTS7000229: The client application 6a1c5e0b-5b1f-4f55-8d8e-0c5a2b9f7d10 is missing service principal in the tenant ${DEMO.fabrikam.id}\\. See instructions here: https://go\\.microsoft\\.com/fwlink/\\?linkid=2225119 Trace ID: `,
        ),
      );
      assert.equal(body.error_uri, 'https://login.microsoftonline.com/error?code=7000229');
      assert.ok(await appToken(t.sandbox, DEMO.graphRights.id), 'the Graph-rights demo tenant still gets tokens');
    });

    it('are refused in a tenant seeded without the service principal, whatever its name', async () => {
      await t.stop();
      const seed = await loadSeedFile(DEMO_SEED_PATH);
      t = await startTestSandbox({
        seed: {
          ...seed,
          tenants: seed.tenants.map((tenant) => (tenant.id === DEMO.graphRights.id ? { ...tenant, appServicePrincipal: false } : tenant)),
        },
      });
      await assert.rejects(appToken(t.sandbox, DEMO.graphRights.id), /401 invalid_client: AADSTS7000229/);
      assert.ok(await appToken(t.sandbox, DEMO.contoso.id), 'a tenant with the service principal still gets tokens');
    });

    it('carry the tenant they were issued for in the tid claim, as Entra access tokens do', async () => {
      const token = await appToken(t.sandbox, DEMO.graphRights.id);
      const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { tid?: string; idtyp?: string };
      assert.equal(claims.tid, DEMO.graphRights.id);
      assert.equal(claims.idtyp, 'app');
    });

    it('need a tenant id, because they are issued per tenant', async () => {
      await assert.rejects(t.sandbox.appCredential.getToken('https://graph.microsoft.com/.default'), /tenantId/);
    });

    it('are refused for an unknown tenant', async () => {
      await assert.rejects(
        t.sandbox.appCredential.getToken('https://graph.microsoft.com/.default', { tenantId: '00000000-0000-0000-0000-000000000000' }),
        /400/,
      );
    });
  });

  describe('unsupported routes', () => {
    it('answer 501 NotImplemented in the Graph error shape', async () => {
      const response = await graph('/users', { headers: bearer(await appToken(t.sandbox, DEMO.graphRights.id)) });
      assert.equal(response.status, 501);
      assert.equal(((await response.json()) as GraphErrorBody).error.code, 'NotImplemented');
      assert.ok(response.headers.get('request-id'));
    });
  });

  describe('health', () => {
    it('answers 200 on /healthz', async () => {
      assert.equal((await fetch(`${t.sandbox.url}/healthz`)).status, 200);
    });
  });
});
