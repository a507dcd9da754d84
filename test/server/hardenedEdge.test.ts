import { strict as assert } from 'node:assert';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication, type Activity } from 'botbuilder';
import { AuthenticationConstants } from 'botframework-connector';
import { botFrameworkEndpointKeys } from '../../bot/botFrameworkEndpoints';
import { ReusedClientsAuthentication } from '../../bot/reusedClients';
import { createServer, DEFAULT_MAX_BODY_BYTES } from '../../server/createServer';
import { startServer } from '../../server/lifecycle';
import { silentLogger } from '../../services/logger';
import { startBotFrameworkOpenId, type BotFrameworkOpenId } from '../support/botFrameworkOpenId';
import { startHarness, type BotHarness } from '../support/botHarness';

const APP_ID = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';
const TENANT_ID = '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d';

interface RawAnswer {
  readonly head: string;
  readonly body: string;
  /** True when the server closed the connection after answering. */
  readonly closed: boolean;
}

/** Writes `request` on a raw socket and collects what comes back until the server closes the connection. */
function rawRequest(url: string, request: string | Buffer): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      resolve({ head: split < 0 ? text : text.slice(0, split), body: split < 0 ? '' : text.slice(split + 4), closed: true });
    });
    socket.write(request);
  });
}

function upgradeRequest(path: string): string {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;
}

/** A JWT that decodes (RS256, a key id no OpenID metadata lists) but that nobody signed. */
function unsignedJwt(): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: 'RS256', typ: 'JWT', kid: 'not-a-real-key' })}.${part({ iss: 'https://api.botframework.com', aud: APP_ID, nbf: now - 60, exp: now + 3600, serviceurl: 'https://smba.trafficmanager.net/teams/' })}.c2lnbmF0dXJl`;
}

/** The claims of a token the Bot Connector sends to this bot (issuer, audience = app id, the service URL). */
function channelClaims(): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: 'https://api.botframework.com',
    aud: APP_ID,
    nbf: now - 60,
    exp: now + 3600,
    serviceurl: 'https://smba.trafficmanager.net/teams/',
  };
}

interface Edge {
  /** The text of every turn the bot ran. */
  readonly turns: string[];
  post(activity: object, token: string): Promise<Response>;
  stop(): Promise<void>;
}

/**
 * The HTTP edge as index.ts builds it (createServer; a CloudAdapter over the SDK's own authentication behind
 * ReusedClientsAuthentication) for a SingleTenant bot whose channel keys come from `metadataUrl`, with a bot that
 * records its turns.
 */
async function startEdge(metadataUrl: string): Promise<Edge> {
  const authentication = new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppType: 'SingleTenant',
    MicrosoftAppId: APP_ID,
    MicrosoftAppPassword: 'not-a-real-secret',
    MicrosoftAppTenantId: TENANT_ID,
    // Every endpoint at the public cloud's value (one override makes the SDK take a whole custom cloud), but the
    // channel's OpenID metadata, which is the stand-in's.
    ...botFrameworkEndpointKeys({ oauthUrl: AuthenticationConstants.OAuthUrl }),
    ToBotFromChannelOpenIdMetadataUrl: metadataUrl,
  });
  const turns: string[] = [];
  const bot = new ActivityHandler().onMessage(async (context, next) => {
    turns.push(context.activity.text);
    await next();
  });
  const server = createServer({
    adapter: new CloudAdapter(new ReusedClientsAuthentication({ inner: authentication })),
    bot,
    logger: silentLogger,
    maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
    authenticate: (activity, authHeader) => authentication.authenticateRequest(activity as Activity, authHeader),
  });
  const listening = await startServer(server, { port: 0, host: '127.0.0.1', graceMs: 1000, logger: silentLogger });
  return {
    turns,
    post: (activity, token) =>
      fetch(`${listening.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(activity),
      }),
    stop: () => listening.stop(),
  };
}

describe('the HTTP edge refuses what the Bot Framework never sends', () => {
  let harness: BotHarness;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => {
    await harness.stop();
  });

  const post = (path: string, body: Blob | string, headers: Record<string, string>) =>
    fetch(`${harness.bot.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  describe('compressed bodies', () => {
    for (const path of ['/api/messages', '/api/webchat/token']) {
      it(`answers 415 UnsupportedContentEncoding to a gzip body that is not gzip on ${path}, and keeps serving`, async () => {
        const response = await post(path, 'this is not gzip', { 'content-encoding': 'gzip', origin: harness.bot.url });
        assert.equal(response.status, 415);
        assert.deepEqual(await response.json(), {
          error: {
            code: 'UnsupportedContentEncoding',
            message: 'Send the body uncompressed: no Content-Encoding other than identity is accepted.',
          },
        });
        assert.equal((await fetch(`${harness.bot.url}/healthz`)).status, 200);
      });
    }

    it('answers 415 to a gzip bomb without inflating it', async () => {
      // 20 MB of zeros in about 20 KB: the body parser would count only the compressed bytes against its limit.
      const bomb = new Blob([new Uint8Array(gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x20)))]);
      const response = await post('/api/messages', bomb, { 'content-encoding': 'gzip' });
      assert.equal(response.status, 415);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'UnsupportedContentEncoding');
    });

    it('refuses deflate and br too, and accepts an explicit identity', async () => {
      for (const encoding of ['deflate', 'br', 'GZIP'])
        assert.equal((await post('/api/messages', '{}', { 'content-encoding': encoding })).status, 415, encoding);
      const identity = await post('/api/messages', '[1]', { 'content-encoding': 'identity' });
      assert.equal(identity.status, 400, 'identity reaches the activity check');
    });
  });

  describe('protocol upgrades', () => {
    it('answers an Upgrade: websocket request with 400 UpgradeNotSupported and closes the connection', async () => {
      const answer = await rawRequest(harness.bot.url, upgradeRequest('/api/messages'));
      assert.match(answer.head, /^HTTP\/1\.1 400 /);
      assert.equal((JSON.parse(answer.body) as { error: { code: string } }).error.code, 'UpgradeNotSupported');
      assert.equal(answer.closed, true);
    });
  });

  describe('error bodies', () => {
    it("answers malformed JSON with a stable code and a message that is not the parser's", async () => {
      const response = await post('/api/messages', '{"type": "message",', {});
      assert.equal(response.status, 400);
      const text = await response.text();
      assert.deepEqual(JSON.parse(text), { error: { code: 'InvalidJson', message: 'The body is not valid JSON.' } });
    });

    it('answers an unknown path with 404 NotFound in the same shape', async () => {
      const response = await fetch(`${harness.bot.url}/nothing/here`);
      assert.equal(response.status, 404);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'NotFound');
    });

    it('answers an oversized body with 413 PayloadTooLarge', async () => {
      const response = await post('/api/messages', JSON.stringify({ type: 'message', text: 'x'.repeat(400 * 1024) }), {});
      assert.equal(response.status, 413);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'PayloadTooLarge');
    });
  });
});

describe('the HTTP edge with Bot Framework authentication on', () => {
  let harness: BotHarness;
  before(async () => {
    harness = await startHarness({
      MicrosoftAppType: 'SingleTenant',
      MicrosoftAppId: APP_ID,
      MicrosoftAppTenantId: TENANT_ID,
      MicrosoftAppPassword: 'not-a-real-secret',
    });
  });
  after(async () => {
    await harness.stop();
  });

  it('answers 401 before any validation detail to a malformed activity without a token', async () => {
    const response = await fetch(`${harness.bot.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'message' }),
    });
    assert.equal(response.status, 401);
    const text = await response.text();
    assert.deepEqual(JSON.parse(text), { error: { code: 'Unauthorized', message: 'The request is not authorized.' } });
    assert.doesNotMatch(text, /must be|channelId|serviceUrl/);
  });
});

describe('the HTTP edge checking Bot Framework tokens against the channel keys (OpenID stand-in on loopback)', () => {
  const ACTIVITY = {
    type: 'message',
    text: 'hi',
    channelId: 'msteams',
    serviceUrl: 'https://smba.trafficmanager.net/teams/',
    conversation: { id: 'c' },
    from: { id: 'u' },
    recipient: { id: 'b' },
  };

  describe('with the keys served', () => {
    let openId: BotFrameworkOpenId;
    let edge: Edge;
    before(async () => {
      openId = await startBotFrameworkOpenId({ endorsements: ['msteams'] });
      edge = await startEdge(openId.metadataUrl);
    });
    after(async () => {
      await edge.stop();
      await openId.stop();
    });

    it('accepts a channel token signed by a listed key and runs the turn', async () => {
      const token = openId.sign(channelClaims());
      const response = await edge.post(ACTIVITY, token);
      assert.equal(response.status, 200);
      assert.deepEqual(edge.turns, ['hi']);
    });

    it("answers a token signed by a key it does not list with 401 and a plain problem body, never the exception's text", async () => {
      const response = await edge.post(ACTIVITY, unsignedJwt());
      assert.equal(response.status, 401);
      const text = await response.text();
      assert.deepEqual(JSON.parse(text), { error: { code: 'Unauthorized', message: 'The request is not authorized.' } });
      assert.ok(openId.requests.includes('/v1/.well-known/keys'), 'the keys were read from the stand-in');
    });

    it("refuses a token of a key the activity's channel does not endorse", async () => {
      const response = await edge.post({ ...ACTIVITY, channelId: 'webchat' }, openId.sign(channelClaims()));
      assert.equal(response.status, 401);
    });
  });

  describe('with the metadata service out of reach', () => {
    it("answers 500 with a plain problem body, never the exception's text, when nothing answers at the address", async () => {
      const openId = await startBotFrameworkOpenId({ endorsements: ['msteams'] });
      await openId.stop();
      const edge = await startEdge(openId.metadataUrl);
      try {
        const response = await edge.post(ACTIVITY, openId.sign(channelClaims()));
        assert.equal(response.status, 500);
        const body = (await response.json()) as { error: { code: string; message: string } };
        assert.deepEqual(body, { error: { code: 'InternalError', message: body.error.message } });
        assert.doesNotMatch(body.error.message, /openid|metadata|fetch|key|Error|at /i);
        assert.deepEqual(edge.turns, []);
      } finally {
        await edge.stop();
      }
    });

    it('answers 401 when the service answers with an error status (the SDK calls every failed key lookup unauthorized)', async () => {
      const openId = await startBotFrameworkOpenId({ endorsements: ['msteams'], metadataStatus: 503 });
      const edge = await startEdge(openId.metadataUrl);
      try {
        const response = await edge.post(ACTIVITY, openId.sign(channelClaims()));
        assert.equal(response.status, 401);
        assert.deepEqual(openId.requests, ['/v1/.well-known/openidconfiguration']);
        assert.deepEqual(edge.turns, []);
      } finally {
        await edge.stop();
        await openId.stop();
      }
    });
  });
});

describe('stopping the HTTP server', () => {
  it('stops while an Upgrade request and a half-sent request hold sockets open, and closes them', async () => {
    const harness = await startHarness();
    const { hostname, port } = new URL(harness.bot.url);
    // Each socket's close is awaited from the moment it connects: the upgrade one may be closed before stop().
    const open = (request: string) =>
      new Promise<{ closed: Promise<void> }>((resolve, reject) => {
        const socket = connect(Number(port), hostname, () => {
          socket.write(request);
          socket.resume();
          resolve({ closed: new Promise<void>((closed) => socket.once('close', () => closed())) });
        });
        socket.on('error', reject);
      });
    const sockets = [
      await open(upgradeRequest('/api/messages')),
      await open('POST /api/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n'),
    ];
    await harness.stop();
    await Promise.all(sockets.map((socket) => socket.closed));
  });
});
