import { strict as assert } from 'node:assert';
import { directLineOrigins } from '../../server/webchatRoutes';
import { FAKE_ISSUED_TOKEN as ISSUED, startFakeDirectLine, type FakeDirectLine } from './fakeDirectLine';
import { SECRET, startWebChat, type TestServer } from './webChatServer';

describe('POST /api/webchat/token', () => {
  let directLine: FakeDirectLine;
  let web: TestServer;
  beforeEach(async () => {
    directLine = await startFakeDirectLine();
  });
  afterEach(async () => {
    await web?.stop();
    await directLine.stop();
  });

  describe("for the bot's own page", () => {
    it("exchanges the secret for a token bound to a fresh dl_ user and the page's origin", async () => {
      web = await startWebChat(directLine);
      const { status, body, headers } = await web.token();
      assert.equal(status, 200);
      assert.equal(body.token, ISSUED);
      assert.equal(body.conversationId, 'conv-1');
      assert.match(String(body.userId), /^dl_[0-9a-f]{32}$/);
      assert.equal(body.domain, `${directLine.url}/v3/directline`);
      assert.equal(headers.get('cache-control'), 'no-store');
      const [sent] = directLine.requests;
      assert.equal(sent.path, '/v3/directline/tokens/generate');
      assert.equal(sent.authorization, `Bearer ${SECRET}`);
      assert.deepEqual(sent.body, { user: { id: body.userId }, trustedOrigins: [web.url] });
    });

    it('gives every page load its own user id', async () => {
      web = await startWebChat(directLine);
      const first = await web.token();
      const second = await web.token();
      assert.notEqual(first.body.userId, second.body.userId);
    });

    it('never puts the secret in the answer or in a log line', async () => {
      web = await startWebChat(directLine);
      const ok = await web.token();
      directLine.status = 500;
      const failed = await web.token();
      assert.equal(failed.status, 502);
      assert.equal((failed.body.error as { code: string }).code, 'DIRECT_LINE_UNAVAILABLE');
      const everything =
        ok.text +
        failed.text +
        JSON.stringify(web.logs, (_key, value: unknown) => (value instanceof Error ? `${value.message} ${value.stack}` : value));
      assert.ok(!everything.includes(SECRET), 'the secret leaked');
      assert.ok(!JSON.stringify(web.logs).includes(ISSUED), 'the issued token is not logged either');
      assert.ok(
        web.logs.some((r) => r.message.includes('could not be issued')),
        'the failure is logged',
      );
    });
  });

  describe('origins', () => {
    it('refuses an origin that is not listed, without asking Direct Line', async () => {
      web = await startWebChat(directLine);
      const { status, body } = await web.token({ origin: 'https://evil.example' });
      assert.equal(status, 403);
      assert.equal((body.error as { code: string }).code, 'OriginNotAllowed');
      assert.equal(directLine.requests.length, 0);
    });

    it('refuses a request without an Origin header', async () => {
      web = await startWebChat(directLine);
      assert.equal((await web.token({})).status, 403);
    });

    it('serves a listed origin with CORS headers and answers its preflight', async () => {
      web = await startWebChat(directLine);
      const { status, headers } = await web.token({ origin: 'https://www.example.org' });
      assert.equal(status, 200);
      assert.equal(headers.get('access-control-allow-origin'), 'https://www.example.org');
      const preflight = await fetch(`${web.url}/api/webchat/token`, {
        method: 'OPTIONS',
        headers: { origin: 'https://www.example.org', 'access-control-request-method': 'POST' },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://www.example.org');
      const foreign = await fetch(`${web.url}/api/webchat/token`, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      assert.equal(foreign.status, 403);
    });
  });

  describe('rate limit', () => {
    it('answers 429 with Retry-After once a client used its burst, and again after it earned a token back', async () => {
      let now = 1_000_000;
      web = await startWebChat(directLine, { rateLimit: { burst: 2, perMinute: 6 }, now: () => now });
      assert.equal((await web.token()).status, 200);
      assert.equal((await web.token()).status, 200);
      const limited = await web.token();
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get('retry-after'), '10');
      assert.equal(directLine.requests.length, 2, 'a limited request never reaches Direct Line');
      now += 10_000;
      assert.equal((await web.token()).status, 200);
    });

    it('counts clients by the last X-Forwarded-For hop behind App Service (TRUSTED_PROXY_HOPS=1)', async () => {
      web = await startWebChat(directLine, { rateLimit: { burst: 1, perMinute: 1 }, trustedProxyHops: 1, now: () => 0 });
      assert.equal((await web.token({ origin: web.url, 'x-forwarded-for': '203.0.113.7:50123' })).status, 200);
      assert.equal(
        (await web.token({ origin: web.url, 'x-forwarded-for': 'forged, 203.0.113.7:50999' })).status,
        429,
        'a prepended hop does not make a new client',
      );
      assert.equal((await web.token({ origin: web.url, 'x-forwarded-for': '198.51.100.2:40000' })).status, 200);
    });

    it('ignores X-Forwarded-For by default, so a forged hop does not buy a fresh budget', async () => {
      web = await startWebChat(directLine, { rateLimit: { burst: 1, perMinute: 1 }, now: () => 0 });
      assert.equal((await web.token({ origin: web.url, 'x-forwarded-for': '203.0.113.7' })).status, 200);
      assert.equal((await web.token({ origin: web.url, 'x-forwarded-for': '198.51.100.2' })).status, 429);
      assert.equal((await web.token({ origin: web.url })).status, 429);
    });

    it('with two trusted hops, counts the hop the outer proxy saw and ignores what the client prepended', async () => {
      web = await startWebChat(directLine, { rateLimit: { burst: 1, perMinute: 1 }, trustedProxyHops: 2, now: () => 0 });
      assert.equal((await web.token({ origin: web.url, 'x-forwarded-for': 'forged-1, 203.0.113.7, 10.0.0.4' })).status, 200);
      assert.equal((await web.token({ origin: web.url, 'x-forwarded-for': 'forged-2, 203.0.113.7, 10.0.0.5' })).status, 429);
    });

    it("checks the origin before charging the bucket: another site cannot use up a visitor's budget", async () => {
      web = await startWebChat(directLine, { rateLimit: { burst: 1, perMinute: 1 }, now: () => 0 });
      for (let i = 0; i < 3; i++) assert.equal((await web.token({ origin: 'https://evil.example' })).status, 403);
      assert.equal((await web.token()).status, 200, "the page's own request still has its budget");
    });
  });

  describe('without a Direct Line secret', () => {
    it("answers 503 in the visitor's language, and names the missing setting in the log", async () => {
      web = await startWebChat(undefined);
      const { status, body } = await web.token({ origin: web.url, 'accept-language': 'de-DE,de;q=0.9' });
      assert.equal(status, 503);
      assert.match(String((body.error as { message: string }).message), /Web-Chat ist auf diesem Server noch nicht eingerichtet/);
      assert.ok(web.logs.some((record) => /DIRECT_LINE_SECRET/.test(record.message)));
    });
  });
});

describe('GET / (the web chat page)', () => {
  let directLine: FakeDirectLine;
  let web: TestServer;
  beforeEach(async () => {
    directLine = await startFakeDirectLine();
    web = await startWebChat(directLine);
  });
  afterEach(async () => {
    await web.stop();
    await directLine.stop();
  });

  it('sends a strict Content-Security-Policy with a fresh style nonce per response', async () => {
    const first = await fetch(`${web.url}/`);
    const second = await fetch(`${web.url}/`);
    const csp = first.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    const origin = new URL(directLine.url).origin;
    const escape = (text: string) => text.replace(/[.:/]/g, '\\$&');
    // The stream's ws:// twin too: Web Chat's default transport is the WebSocket on the Direct Line host.
    assert.match(csp, new RegExp(`connect-src 'self' ${escape(origin)} ${escape(origin.replace(/^http/, 'ws'))}(;|$)`));
    assert.match(csp, /frame-ancestors 'self' https:\/\/www\.example\.org/);
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    assert.ok(nonce);
    assert.ok((await first.text()).includes(`content="${nonce}"`), 'the page hands Web Chat the same nonce');
    assert.notEqual(/'nonce-([^']+)'/.exec(second.headers.get('content-security-policy') ?? '')?.[1], nonce);
    assert.equal(first.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(first.headers.get('referrer-policy'), 'no-referrer');
  });

  it("allows the wss:// stream of an https:// Direct Line such as Azure's", () => {
    assert.equal(
      directLineOrigins('https://directline.botframework.com/v3/directline'),
      'https://directline.botframework.com wss://directline.botframework.com',
    );
    assert.equal(
      directLineOrigins('https://europe.directline.botframework.com/v3/directline'),
      'https://europe.directline.botframework.com wss://europe.directline.botframework.com',
    );
    assert.equal(directLineOrigins('http://127.0.0.1:3979/v3/directline'), 'http://127.0.0.1:3979 ws://127.0.0.1:3979');
  });

  it("serves Web Chat's full bundle, the script and the styles from the bot itself", async () => {
    for (const [path, type] of [
      ['/webchat/webchat.js', 'text/javascript'],
      ['/webchat/main.js', 'text/javascript'],
      ['/webchat/webchat.css', 'text/css'],
    ]) {
      const response = await fetch(`${web.url}${path}`);
      assert.equal(response.status, 200, path);
      assert.ok(response.headers.get('content-type')?.startsWith(type), path);
    }
    const bundle = await (await fetch(`${web.url}/webchat/webchat.js`)).text();
    assert.ok(bundle.includes('AdaptiveCard'), 'the full bundle, which renders Adaptive Cards');
  });
});
