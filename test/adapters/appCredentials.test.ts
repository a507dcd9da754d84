import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import {
  appCredentialProviderFromTokenCredential,
  createAppCredentialProvider,
  graphScopeFor,
} from '../../adapters/credentials/appCredentials';
import { TOKEN_REFRESH_MARGIN_MS } from '../../adapters/credentials/tokenProvider';
import { createRecordingLogger } from './support/loopbackServer';
import { createClientCertificatePem, startHttpsTokenEndpoint, type HttpsTokenEndpoint } from './support/httpsTokenEndpoint';

const FABRIKAM = '5b0c3a1e-7f1d-4c55-9a51-2f6f0c6a9e01';
const CONTOSO = '8d2e6f40-3b7a-4e0c-8c1d-6a4b9e2f7c02';
const CLIENT_ID = '6a1c5e0b-5b1f-4f55-8d8e-0c5a2b9f7d10';
const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

/** A TokenCredential that records what it was asked for. */
function createRecordingCredential(): { credential: TokenCredential; calls: Array<{ scopes: string | string[]; tenantId?: string }> } {
  const calls: Array<{ scopes: string | string[]; tenantId?: string }> = [];
  return {
    calls,
    credential: {
      getToken: async (scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> => {
        calls.push({ scopes, tenantId: options?.tenantId });
        return { token: `token-for-${options?.tenantId}`, expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    },
  };
}

describe('createAppCredentialProvider', () => {
  describe('with a client secret against an HTTPS authority', () => {
    let endpoint: HttpsTokenEndpoint;
    before(async () => {
      endpoint = await startHttpsTokenEndpoint();
    });
    after(async () => {
      await endpoint.stop();
    });

    function createProvider() {
      const { logger, records } = createRecordingLogger();
      const provider = createAppCredentialProvider(
        { kind: 'clientSecret', clientId: CLIENT_ID, clientSecret: 'test-client-secret-value' },
        {
          logger,
          authorityHost: endpoint.authorityHost,
          disableInstanceDiscovery: true,
          transport: { agent: new https.Agent({ ca: endpoint.ca }) },
        },
      );
      return { provider, records };
    }

    it('asks the tenant token endpoint once and reuses the token for the second call', async () => {
      const { provider } = createProvider();
      const before = endpoint.tokenRequests.length;
      const first = await provider.getToken(FABRIKAM, GRAPH_SCOPE);
      const second = await provider.getToken(FABRIKAM, GRAPH_SCOPE);
      assert.equal(first, second);
      const made = endpoint.tokenRequests.slice(before);
      assert.equal(made.length, 1);
      assert.equal(made[0]?.tenantId, FABRIKAM);
      assert.equal(made[0]?.form.get('grant_type'), 'client_credentials');
      assert.equal(made[0]?.form.get('client_id'), CLIENT_ID);
      assert.equal(made[0]?.form.get('scope'), GRAPH_SCOPE);
    });

    it('gets each tenant its own credential and token', async () => {
      const { provider, records } = createProvider();
      const before = endpoint.tokenRequests.length;
      const fabrikam = await provider.getToken(FABRIKAM, GRAPH_SCOPE);
      const contoso = await provider.getToken(CONTOSO, GRAPH_SCOPE);
      await provider.getToken(CONTOSO, GRAPH_SCOPE);
      assert.notEqual(fabrikam, contoso);
      assert.deepEqual(
        endpoint.tokenRequests.slice(before).map((request) => request.tenantId),
        [FABRIKAM, CONTOSO],
      );
      assert.equal(records.filter((record) => record.message.startsWith('created a "clientSecret" credential')).length, 2);
    });

    it('never logs the client secret or a token', async () => {
      const { provider, records } = createProvider();
      const token = await provider.getToken(FABRIKAM, GRAPH_SCOPE);
      const serialized = JSON.stringify(records);
      assert.doesNotMatch(serialized, /test-client-secret-value/);
      assert.ok(!serialized.includes(token));
    });
  });

  describe('with a client certificate against an HTTPS authority', () => {
    let endpoint: HttpsTokenEndpoint;
    let dir: string;
    let certificatePath: string;
    before(async () => {
      endpoint = await startHttpsTokenEndpoint();
      dir = await mkdtemp(join(tmpdir(), 'client-cert-'));
      certificatePath = await createClientCertificatePem(dir);
    });
    after(async () => {
      await endpoint.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it('signs a client assertion per tenant and reuses each token', async () => {
      const { logger } = createRecordingLogger();
      const provider = createAppCredentialProvider(
        { kind: 'clientCertificate', clientId: CLIENT_ID, certificatePath },
        {
          logger,
          authorityHost: endpoint.authorityHost,
          disableInstanceDiscovery: true,
          transport: { agent: new https.Agent({ ca: endpoint.ca }) },
        },
      );
      await provider.getToken(FABRIKAM, GRAPH_SCOPE);
      await provider.getToken(FABRIKAM, GRAPH_SCOPE);
      await provider.getToken(CONTOSO, GRAPH_SCOPE);
      assert.deepEqual(
        endpoint.tokenRequests.map((request) => request.tenantId),
        [FABRIKAM, CONTOSO],
      );
      const form = endpoint.tokenRequests[0]?.form;
      assert.equal(form?.get('client_assertion_type'), 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      assert.equal(form?.get('client_secret'), null);
      assert.match(form?.get('client_assertion') ?? '', /^[\w-]+\.[\w-]+\.[\w-]+$/);
    });
  });

  describe('with the production chain', () => {
    it('builds without workload identity settings instead of throwing at start-up', () => {
      const { logger } = createRecordingLogger();
      const provider = createAppCredentialProvider({ kind: 'default' }, { logger });
      assert.equal(typeof provider.getToken, 'function');
    });
  });
});

describe('appCredentialProviderFromTokenCredential', () => {
  it('passes the tenant and scope on to the credential', async () => {
    const { credential, calls } = createRecordingCredential();
    const { logger } = createRecordingLogger();
    const provider = appCredentialProviderFromTokenCredential(credential, { logger });
    assert.equal(await provider.getToken(CONTOSO, GRAPH_SCOPE), `token-for-${CONTOSO}`);
    assert.deepEqual(calls, [{ scopes: GRAPH_SCOPE, tenantId: CONTOSO }]);
  });

  it('refuses a credential that returns no token', async () => {
    const { logger } = createRecordingLogger();
    const provider = appCredentialProviderFromTokenCredential({ getToken: async () => null }, { logger });
    await assert.rejects(provider.getToken(CONTOSO, GRAPH_SCOPE), /returned no token/);
  });

  describe('token cache', () => {
    it('reuses a tenant token until shortly before it expires, then asks again', async () => {
      let clock = Date.parse('2026-01-01T10:00:00Z');
      const { credential, calls } = createRecordingCredential();
      const expiring: TokenCredential = {
        getToken: async (scopes, options) => ({
          token: (await credential.getToken(scopes, options))?.token ?? '',
          expiresOnTimestamp: clock + 3_600_000,
        }),
      };
      const { logger } = createRecordingLogger();
      const provider = appCredentialProviderFromTokenCredential(expiring, { logger, now: () => clock });
      await provider.getToken(CONTOSO, GRAPH_SCOPE);
      clock += 3_600_000 - TOKEN_REFRESH_MARGIN_MS - 1;
      await provider.getToken(CONTOSO, GRAPH_SCOPE);
      assert.equal(calls.length, 1);
      clock += 1;
      await provider.getToken(CONTOSO, GRAPH_SCOPE);
      assert.equal(calls.length, 2);
    });

    it('keeps tenants and scopes apart and asks once for calls that start together', async () => {
      const { credential, calls } = createRecordingCredential();
      const { logger } = createRecordingLogger();
      const provider = appCredentialProviderFromTokenCredential(credential, { logger });
      const tokens = await Promise.all([CONTOSO, CONTOSO, FABRIKAM, CONTOSO].map((tenant) => provider.getToken(tenant, GRAPH_SCOPE)));
      await provider.getToken(CONTOSO, 'https://other.example/.default');
      assert.deepEqual(tokens, [`token-for-${CONTOSO}`, `token-for-${CONTOSO}`, `token-for-${FABRIKAM}`, `token-for-${CONTOSO}`]);
      assert.deepEqual(
        calls.map((c) => `${c.tenantId} ${String(c.scopes)}`),
        [`${CONTOSO} ${GRAPH_SCOPE}`, `${FABRIKAM} ${GRAPH_SCOPE}`, `${CONTOSO} https://other.example/.default`],
      );
    });

    it('does not keep a failure: the next call asks again', async () => {
      let fail = true;
      const { credential, calls } = createRecordingCredential();
      const flaky: TokenCredential = {
        getToken: async (scopes, options) => {
          const token = await credential.getToken(scopes, options);
          if (fail) throw new Error('token endpoint unavailable');
          return token;
        },
      };
      const { logger } = createRecordingLogger();
      const provider = appCredentialProviderFromTokenCredential(flaky, { logger });
      await assert.rejects(provider.getToken(CONTOSO, GRAPH_SCOPE), /unavailable/);
      fail = false;
      assert.equal(await provider.getToken(CONTOSO, GRAPH_SCOPE), `token-for-${CONTOSO}`);
      assert.equal(calls.length, 2);
    });
  });
});

describe('graphScopeFor', () => {
  it('derives the .default scope from the Graph origin, ignoring any path', () => {
    assert.equal(graphScopeFor('https://graph.microsoft.com'), GRAPH_SCOPE);
    assert.equal(graphScopeFor('http://127.0.0.1:3979/graph'), 'http://127.0.0.1:3979/.default');
  });
});
