import { strict as assert } from 'node:assert';
import { loadConfig, ConfigError } from '../../config/config';
import { silentLogger } from '../../services/logger';
import { parseFaultRule, connectSandbox, sandboxControlRoutes } from '@account-closure-bot/sandbox';
import { DEMO, startTestSandbox, type TestSandbox } from '@account-closure-bot/sandbox/testing';

const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

function startSharedSandbox(options: { enableFaults: boolean }): Promise<TestSandbox> {
  return startTestSandbox({
    extraRoutes: (sandbox) => sandboxControlRoutes({ sandbox, enableFaults: options.enableFaults, logger: silentLogger }),
  });
}

describe('the shared sandbox', () => {
  describe('connectSandbox', () => {
    let t: TestSandbox;
    beforeEach(async () => {
      t = await startSharedSandbox({ enableFaults: false });
    });
    afterEach(() => t.stop());

    it('learns the base URLs from the sandbox itself', async () => {
      const connection = await connectSandbox(t.sandbox.url);
      assert.deepEqual(
        [connection.graphBaseUrl, connection.loginBaseUrl, connection.tokenServiceUrl, connection.exportStorageLocation],
        [t.sandbox.graphBaseUrl, t.sandbox.loginBaseUrl, t.sandbox.tokenServiceUrl, t.sandbox.exportStorageLocation],
      );
    });

    it('gets app tokens that Graph on the sandbox accepts', async () => {
      const connection = await connectSandbox(t.sandbox.url);
      const token = await connection.appCredential.getToken(GRAPH_SCOPE, { tenantId: DEMO.graphRights.id });
      const user = await fetch(`${connection.graphBaseUrl}/v1.0/users/${DEMO.katherine.id}`, {
        headers: { authorization: `Bearer ${token?.token}` },
      });
      assert.equal(user.status, 200);
    });

    it('has download links signed by the sandbox, with a signature the sandbox checks', async () => {
      const connection = await connectSandbox(t.sandbox.url);
      const link = await connection.linkSigner.sign(`${connection.exportStorageLocation}/op-1/profile.json`, new Date(Date.now() + 60_000));
      assert.equal((await fetch(link)).status, 404, 'a valid signature for a blob that does not exist: BlobNotFound');
      assert.equal((await fetch(link.replace(/sig=[^&]+/, 'sig=forged'))).status, 403);
    });

    it('refuses to sign a URL outside the sandbox storage', async () => {
      const connection = await connectSandbox(t.sandbox.url);
      await assert.rejects(
        connection.linkSigner.sign('https://example.invalid/exports/x.json', new Date()),
        /SANDBOX_UNAVAILABLE: the sandbox answered 400/,
      );
    });

    it('fails at start-up, naming the URL, when no sandbox answers there', async () => {
      const url = t.sandbox.url;
      await t.stop();
      await assert.rejects(connectSandbox(url, { timeoutMs: 2_000 }), (error: Error) =>
        error.message.includes(`the sandbox at "${url}" does not answer`),
      );
      t = await startSharedSandbox({ enableFaults: false });
    });

    it('hands out its Direct Line and forwards web chat traffic to the bot that attached itself', async () => {
      const connection = await connectSandbox(t.sandbox.url);
      assert.deepEqual(connection.directLine, t.sandbox.directLine);
      await assert.rejects(connection.attachBot('http://127.0.0.1:1/not-messages'), /answered 400/);
      const received: string[] = [];
      const { createServer } = await import('node:http');
      const bot = createServer((req, res) => {
        received.push(`${req.method} ${req.url}`);
        res.statusCode = 200;
        res.end();
      });
      await new Promise<void>((resolve) => bot.listen(0, '127.0.0.1', resolve));
      try {
        const port = (bot.address() as import('node:net').AddressInfo).port;
        await connection.attachBot(`http://127.0.0.1:${port}/api/messages`);
        const generated = await fetch(`${connection.directLine.baseUrl}/v3/directline/tokens/generate`, {
          method: 'POST',
          headers: { authorization: `Bearer ${connection.directLine.secret}`, 'content-type': 'application/json' },
          body: JSON.stringify({ user: { id: 'dl_shared-sandbox-test' } }),
        });
        const { token, conversationId } = (await generated.json()) as { token: string; conversationId: string };
        await fetch(`${connection.directLine.baseUrl}/v3/directline/conversations`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
        });
        const posted = await fetch(`${connection.directLine.baseUrl}/v3/directline/conversations/${conversationId}/activities`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ type: 'message', text: 'hello', from: { id: 'dl_shared-sandbox-test' } }),
        });
        assert.equal(posted.status, 200);
        assert.ok(received.includes('POST /api/messages'), `the bot got: ${received.join(', ')}`);
      } finally {
        await new Promise<void>((resolve) => bot.close(() => resolve()));
      }
    });

    it('answers 501 to fault injection unless started with it', async () => {
      const response = await fetch(`${t.sandbox.url}/_sandbox/faults`, {
        method: 'POST',
        body: JSON.stringify({ path: '.', respond: 'hang' }),
      });
      assert.equal(response.status, 501);
    });
  });

  describe('fault injection over HTTP', () => {
    let t: TestSandbox;
    beforeEach(async () => {
      t = await startSharedSandbox({ enableFaults: true });
    });
    afterEach(() => t.stop());

    const faults = () => `${t.sandbox.url}/_sandbox/faults`;
    const inject = (rule: unknown) =>
      fetch(faults(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule) });

    it('lets a hangAfterHandling request do its work, then never answers it, and reports it as handled', async () => {
      assert.equal((await inject({ method: 'DELETE', path: '^/graph/v1\\.0/users/', respond: 'hangAfterHandling' })).status, 204);
      const token = (await t.sandbox.appCredential.getToken(GRAPH_SCOPE, { tenantId: DEMO.graphRights.id }))?.token;
      const userUrl = `${t.sandbox.graphBaseUrl}/v1.0/users/${DEMO.katherine.id}`;
      const headers = { authorization: `Bearer ${token}` };
      await assert.rejects(fetch(userUrl, { method: 'DELETE', headers, signal: AbortSignal.timeout(300) }), { name: 'TimeoutError' });
      assert.equal((await fetch(userUrl, { headers })).status, 404, 'the user was deleted although the caller never heard');
      const { fired } = (await (await fetch(faults())).json()) as { fired: Array<{ method: string; path: string; handled: boolean }> };
      assert.deepEqual(fired, [
        { method: 'DELETE', path: `/graph/v1.0/users/${DEMO.katherine.id}`, respond: 'hangAfterHandling', handled: true },
      ]);
    });

    it('answers /me in each named shape that is not Graph\'s "this object does not exist" (issue 18)', async () => {
      const expected: Record<string, { status: number; type: RegExp; code?: string }> = {
        proxyHtml404: { status: 404, type: /^text\/html/ },
        graphUnknownError404: { status: 404, type: /^application\/json/, code: 'UnknownError' },
        graphUnauthorized401: { status: 401, type: /^application\/json/, code: 'InvalidAuthenticationToken' },
        graphForbidden403: { status: 403, type: /^application\/json/, code: 'Authorization_RequestDenied' },
        graphServerError500: { status: 500, type: /^application\/json/, code: 'generalException' },
        graphUnavailable503: { status: 503, type: /^application\/json/, code: 'serviceNotAvailable' },
      };
      for (const [shape, answer] of Object.entries(expected)) {
        assert.equal((await inject({ method: 'GET', path: '^/graph/v1\\.0/me$', respond: shape })).status, 204, shape);
        const response = await fetch(`${t.sandbox.graphBaseUrl}/v1.0/me`);
        assert.equal(response.status, answer.status, shape);
        assert.match(response.headers.get('content-type') ?? '', answer.type, shape);
        const body = await response.text();
        if (answer.code) assert.equal((JSON.parse(body) as { error: { code: string } }).error.code, answer.code, shape);
        else assert.match(body, /<h1>Not Found<\/h1>/);
      }
      assert.equal((await fetch(`${t.sandbox.graphBaseUrl}/v1.0/me`)).status, 401, 'then the route itself answers again');
    });

    it('answers a rule it cannot use with 400 naming the problem', async () => {
      const response = await inject({ path: '(', respond: 'hang' });
      assert.equal(response.status, 400);
      assert.match(await response.text(), /not a valid regular expression/);
    });

    it('forgets armed and fired faults on DELETE', async () => {
      await inject({ path: '/userrealm/', times: 3, respond: { status: 503 } });
      assert.equal((await fetch(`${t.sandbox.loginBaseUrl}/common/userrealm/${DEMO.ada.upn}?api-version=2.1`)).status, 503);
      assert.equal((await fetch(faults(), { method: 'DELETE' })).status, 204);
      assert.equal((await fetch(`${t.sandbox.loginBaseUrl}/common/userrealm/${DEMO.ada.upn}?api-version=2.1`)).status, 200);
      assert.deepEqual(((await (await fetch(faults())).json()) as { fired: unknown[] }).fired, []);
    });
  });

  describe('parseFaultRule', () => {
    it('turns the path into a regular expression and keeps the rest', () => {
      const rule = parseFaultRule({ method: 'GET', path: '^/a$', times: 2, respond: { status: 429, headers: { 'retry-after': '1' } } });
      assert.ok(typeof rule !== 'string');
      assert.ok(rule.path.test('/a') && !rule.path.test('/ab'));
      assert.deepEqual(
        { ...rule, path: undefined },
        { method: 'GET', path: undefined, times: 2, respond: { status: 429, headers: { 'retry-after': '1' } } },
      );
    });

    it('names what is wrong with a rule', () => {
      const problemOf = (input: unknown) => {
        const parsed = parseFaultRule(input);
        return typeof parsed === 'string' ? parsed : '(accepted)';
      };
      assert.match(problemOf({ path: '.', respond: 'explode' }), /"respond" must be/);
      assert.match(problemOf({ path: '.', respond: { status: 42 } }), /respond\.status/);
      assert.match(problemOf({ path: '.', times: 0, respond: 'hang' }), /"times"/);
      assert.match(problemOf({ respond: 'hang' }), /"path"/);
    });
  });

  describe('settings for several instances', () => {
    it('refuses SANDBOX_URL with DIRECTORY=graph', () => {
      assert.throws(
        () =>
          loadConfig({
            DIRECTORY: 'graph',
            SANDBOX_URL: 'http://127.0.0.1:3979',
            AUDIT_HASH_KEY: Buffer.alloc(32).toString('base64'),
            EXPORT_STORAGE_LOCATION: 'https://a.blob.core.windows.net/x',
          }),
        (error: ConfigError) => error.problems.some((p) => p.startsWith('SANDBOX_URL is for DIRECTORY=sandbox only')),
      );
    });

    it('reads the lease and the reconcile interval in seconds, with the defaults of two minutes and one minute', () => {
      assert.deepEqual([loadConfig({}).closure.leaseSeconds, loadConfig({}).closure.reconcileIntervalSeconds], [120, 60]);
      const tuned = loadConfig({ CLOSURE_LEASE_SECONDS: '2', RECONCILE_INTERVAL_SECONDS: '1', SANDBOX_URL: 'http://127.0.0.1:4000/' });
      assert.deepEqual(
        [tuned.closure.leaseSeconds, tuned.closure.reconcileIntervalSeconds, tuned.sandbox.url],
        [2, 1, 'http://127.0.0.1:4000'],
      );
      assert.throws(() => loadConfig({ CLOSURE_LEASE_SECONDS: '0' }), /CLOSURE_LEASE_SECONDS must be a number of seconds from 0.1 to 3600/);
    });
  });
});
