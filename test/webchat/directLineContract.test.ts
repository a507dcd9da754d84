import { strict as assert } from 'node:assert';
import type { Message } from 'botframework-directlinejs';
import { WebSocket } from 'ws';
import { startSandbox, type Sandbox, type SandboxOptions } from '@account-closure-bot/sandbox';
import { createClock, createTempDir } from '@account-closure-bot/sandbox/testing';
import { generateToken, startFakeBot, type FakeBot } from './directLineClient';
import { ConnectionStatus, DirectLineJsClient } from './directLineJs';

const USER = 'dl_contract_user';
const text = (a: { type: string }) => (a as Message).text;
const echoOf = (sent: string) => (a: { type: string }) => text(a) === `echo: ${sent}`;

/**
 * The Direct Line stand-in held to the Direct Line 3.0 reference through Microsoft's own client
 * (botframework-directlinejs), point by point, on both transports where the point concerns receiving.
 */
describe('the sandbox Direct Line against botframework-directlinejs', () => {
  let temp: { dir: string; remove(): Promise<void> };
  let time: ReturnType<typeof createClock>;
  let sandbox: Sandbox;
  let bot: FakeBot;
  const clients: DirectLineJsClient[] = [];
  let options: SandboxOptions;

  beforeEach(async () => {
    temp = await createTempDir();
    time = createClock();
    options = { port: 0, dataDir: temp.dir, exportDelayMs: 60_000, clock: time.clock, directLineHeartbeatMs: 100 };
    sandbox = await startSandbox(options);
    bot = await startFakeBot();
    await sandbox.attachBot(bot.url);
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.end();
    await sandbox.stop();
    await bot.stop();
    await temp.remove();
  });

  function client(options: ConstructorParameters<typeof DirectLineJsClient>[0]): DirectLineJsClient {
    const created = new DirectLineJsClient(options);
    clients.push(created);
    return created;
  }

  async function token(): Promise<{ token: string; conversationId: string }> {
    const { status, body } = await generateToken(sandbox.directLine.domain, sandbox.directLine.secret, { user: { id: USER } });
    assert.equal(status, 200);
    return { token: String(body.token), conversationId: String(body.conversationId) };
  }

  describe('reconnecting (GET /conversations/{id})', () => {
    it('answers the secret with a token and a new streamUrl, and the client streams the conversation on', async () => {
      const first = client({ domain: sandbox.directLine.domain, secret: sandbox.directLine.secret, transport: 'polling' });
      await first.says('one');
      await first.waitFor(echoOf('one'), 'the first echo');
      const conversationId = first.conversationId;
      first.end();

      const response = await fetch(`${sandbox.directLine.domain}/conversations/${conversationId}?watermark=2`, {
        headers: { authorization: `Bearer ${sandbox.directLine.secret}` },
      });
      assert.equal(response.status, 200);
      const body = (await response.json()) as { conversationId: string; token: string; streamUrl: string };
      assert.equal(body.conversationId, conversationId);
      assert.match(body.streamUrl, /\/stream\?watermark=2&t=/);

      const again = client({
        domain: sandbox.directLine.domain,
        secret: sandbox.directLine.secret,
        conversationId,
        transport: 'webSocket',
      });
      await again.says('two');
      await again.waitFor(echoOf('two'), 'the echo over the stream');
    });

    it('replays over a new stream what came after the watermark, once', async () => {
      const { token: issued } = await token();
      const streaming = client({ domain: sandbox.directLine.domain, token: issued, transport: 'webSocket' });
      await streaming.says('one');
      await streaming.waitFor(echoOf('one'), 'the echo');
      const answer = await fetch(`${sandbox.directLine.domain}/conversations/${streaming.conversationId}?watermark=0`, {
        headers: { authorization: `Bearer ${issued}` },
      });
      const { streamUrl } = (await answer.json()) as { streamUrl: string };
      const replayed = await firstMessage(streamUrl);
      assert.deepEqual(
        replayed.activities.map((a) => a.text),
        ['one', 'echo: one'],
      );
      assert.equal(replayed.watermark, '2');
    });
  });

  describe('error codes', () => {
    it('answers an expired token with 403 TokenExpired; the client goes to ExpiredToken and resumes with a new token', async () => {
      const issued = await token();
      const chat = client({ domain: sandbox.directLine.domain, token: issued.token, transport: 'polling' });
      await chat.says('before');
      await chat.waitFor(echoOf('before'), 'the echo before expiry');
      time.advance(3601 * 1000);
      const raw = await fetch(`${sandbox.directLine.domain}/conversations/${issued.conversationId}/activities`, {
        headers: { authorization: `Bearer ${issued.token}` },
      });
      assert.equal(raw.status, 403);
      assert.equal(((await raw.json()) as { error: { code: string } }).error.code, 'TokenExpired');
      await chat.waitForStatus(ConnectionStatus.ExpiredToken);

      // The page's server can get a fresh token for the same conversation with the secret (reconnect).
      const fresh = (await (
        await fetch(`${sandbox.directLine.domain}/conversations/${issued.conversationId}`, {
          headers: { authorization: `Bearer ${sandbox.directLine.secret}` },
        })
      ).json()) as { token: string; streamUrl: string };
      chat.directLine.reconnect({ conversationId: issued.conversationId, token: fresh.token, streamUrl: fresh.streamUrl });
      await chat.says('after');
      await chat.waitFor(echoOf('after'), 'the echo after the new token');
    });

    it('tells a missing, an unknown, a malformed and an incomplete request apart by status and code', async () => {
      const { conversationId } = await token();
      const url = `${sandbox.directLine.domain}/conversations/${conversationId}/activities`;
      const cases: Array<[RequestInit, number, string]> = [
        [{ method: 'POST' }, 401, 'BadArgument'],
        [{ method: 'POST', headers: { authorization: 'Bearer not-a-token' } }, 403, 'BadArgument'],
        [
          {
            method: 'POST',
            headers: { authorization: `Bearer ${sandbox.directLine.secret}`, 'content-type': 'application/json' },
            body: '{not json',
          },
          400,
          'BadSyntax',
        ],
        [
          {
            method: 'POST',
            headers: { authorization: `Bearer ${sandbox.directLine.secret}`, 'content-type': 'application/json' },
            body: '{"text":"no type"}',
          },
          400,
          'MissingProperty',
        ],
      ];
      for (const [init, status, code] of cases) {
        const response = await fetch(url, init);
        assert.equal(response.status, status, JSON.stringify(init));
        assert.equal(((await response.json()) as { error: { code: string } }).error.code, code, JSON.stringify(init));
      }
    });
  });

  describe('limits', () => {
    it('answers an activity over the limit with 413 MessageSizeTooBig on a whole connection, and the next post goes through', async () => {
      const { token: issued } = await token();
      const chat = client({ domain: sandbox.directLine.domain, token: issued, transport: 'webSocket' });
      const refused = await chat.says('x'.repeat(70 * 1024)).then(
        () => undefined,
        (error: { status?: number; response?: { error?: { code?: string } } }) => error,
      );
      assert.equal(refused?.status, 413);
      assert.equal(refused?.response?.error?.code, 'MessageSizeTooBig');
      await chat.says('small');
      await chat.waitFor(echoOf('small'), 'the echo of the next message');
      assert.equal(bot.received.filter((a) => a.type === 'message').length, 1, 'the oversized activity never reached the bot');
    });
  });

  describe('the bot side', () => {
    it("refuses the bot's updateActivity with 405; the client never sees the activity change", async () => {
      const { token: issued, conversationId } = await token();
      const chat = client({ domain: sandbox.directLine.domain, token: issued, transport: 'webSocket' });
      await chat.says('card');
      const reply = await chat.waitFor(echoOf('card'), 'the reply');
      const update = await fetch(`${sandbox.url}/v3/conversations/${conversationId}/activities/${encodeURIComponent(String(reply.id))}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'message', id: reply.id, text: 'changed' }),
      });
      assert.equal(update.status, 405);
      await chat.says('after');
      await chat.waitFor(echoOf('after'), 'a later reply');
      assert.equal(chat.seen.filter((a) => a.id === reply.id).length, 1);
      assert.ok(!chat.seen.some((a) => text(a) === 'changed'));
    });

    it("keeps the start body's locale and gives it to the bot", async () => {
      const { token: issued } = await token();
      const chat = client({ domain: sandbox.directLine.domain, token: issued, transport: 'polling', locale: 'fr-FR' });
      await chat.waitForStatus(ConnectionStatus.Online);
      await chat.says('bonjour');
      await chat.waitFor(echoOf('bonjour'), 'the echo');
      const update = bot.received.find((a) => a.type === 'conversationUpdate');
      assert.equal(update?.locale, 'fr-FR');
    });
  });

  describe('watermarks', () => {
    for (const transport of ['polling', 'webSocket'] as const) {
      it(`goes on receiving (${transport}) from a watermark the conversation never gave out`, async () => {
        const issued = await token();
        const starter = client({ domain: sandbox.directLine.domain, token: issued.token, transport: 'polling' });
        await starter.says('one');
        await starter.waitFor(echoOf('one'), 'the first echo');
        starter.end();
        const resumed = client({
          domain: sandbox.directLine.domain,
          token: issued.token,
          conversationId: issued.conversationId,
          transport,
          watermark: '999',
        });
        await resumed.says('two');
        await resumed.waitFor(echoOf('two'), 'an echo after the unknown watermark');
      });
    }
  });

  describe('a restart of the sandbox', () => {
    it("keeps the secret, the tokens, the conversation, its watermark and the bot's endpoint", async () => {
      const issued = await token();
      const before = client({ domain: sandbox.directLine.domain, token: issued.token, transport: 'polling' });
      await before.says('one');
      await before.waitFor(echoOf('one'), 'the echo before the restart');
      before.end();
      const { port } = new URL(sandbox.url);
      const secret = sandbox.directLine.secret;
      await sandbox.stop();
      sandbox = await startSandbox({ ...options, port: Number(port) });
      assert.equal(sandbox.directLine.secret, secret);

      const after = client({
        domain: sandbox.directLine.domain,
        token: issued.token,
        conversationId: issued.conversationId,
        transport: 'webSocket',
      });
      await after.says('two');
      const echo = await after.waitFor(echoOf('two'), 'the echo after the restart');
      assert.match(String(echo.id), /\|0000004$/, 'positions go on where they were');
      assert.equal((bot.received.at(-1)?.from as { id?: string } | undefined)?.id, USER, 'the token still speaks for its user');
    });
  });

  describe('idle conversations', () => {
    it('forgets a conversation idle for a week, answering 404 for it (directlinejs reads that as ended)', async () => {
      const old = await token();
      const withSecret = { authorization: `Bearer ${sandbox.directLine.secret}` };
      assert.equal((await fetch(`${sandbox.directLine.domain}/conversations/${old.conversationId}`, { headers: withSecret })).status, 200);
      time.advance(8 * 24 * 60 * 60 * 1000);
      await token();
      assert.equal((await fetch(`${sandbox.directLine.domain}/conversations/${old.conversationId}`, { headers: withSecret })).status, 404);
    });
  });

  describe('the WebSocket stream', () => {
    it('sends empty keep-alive messages between activity sets', async () => {
      const { token: issued } = await token();
      const start = await fetch(`${sandbox.directLine.domain}/conversations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${issued}` },
      });
      const { streamUrl } = (await start.json()) as { streamUrl: string };
      const socket = new WebSocket(streamUrl);
      const message = await new Promise<string>((resolve, reject) => {
        socket.on('message', (data: Buffer) => resolve(data.toString('utf8')));
        socket.on('error', reject);
      });
      socket.close();
      assert.equal(message, '');
    });

    it('closes the older of two streams of one conversation with reason "collision"', async () => {
      const { token: issued, conversationId } = await token();
      await fetch(`${sandbox.directLine.domain}/conversations`, { method: 'POST', headers: { authorization: `Bearer ${issued}` } });
      const streamUrl = async () =>
        (
          (await (
            await fetch(`${sandbox.directLine.domain}/conversations/${conversationId}`, { headers: { authorization: `Bearer ${issued}` } })
          ).json()) as { streamUrl: string }
        ).streamUrl;
      const older = new WebSocket(await streamUrl());
      await new Promise((resolve) => older.once('open', resolve));
      const closed = new Promise<string>((resolve) =>
        older.once('close', (_code: number, reason: Buffer) => resolve(reason.toString('utf8'))),
      );
      const newer = new WebSocket(await streamUrl());
      assert.equal(await closed, 'collision');
      newer.close();
    });

    it('refuses a stream URL after its 60 seconds, or for another conversation, with 403 and no upgrade', async () => {
      const mine = await token();
      const theirs = await token();
      const answer = await fetch(`${sandbox.directLine.domain}/conversations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${mine.token}` },
      });
      const { streamUrl } = (await answer.json()) as { streamUrl: string };
      assert.equal(await upgradeStatus(streamUrl.replace(mine.conversationId, theirs.conversationId)), 403);
      time.advance(61_000);
      assert.equal(await upgradeStatus(streamUrl), 403);
    });

    it('pushes typing over the stream only, never into the polled history', async () => {
      const { token: issued, conversationId } = await token();
      const chat = client({ domain: sandbox.directLine.domain, token: issued, transport: 'webSocket' });
      await chat.waitForStatus(ConnectionStatus.Online);
      await chat.says('hello');
      await chat.waitFor(echoOf('hello'), 'the echo');
      await fetch(`${sandbox.url}/v3/conversations/${conversationId}/activities`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'typing', from: { id: 'bot', role: 'bot' } }),
      });
      await chat.waitFor((a) => a.type === 'typing', 'the typing indicator');
      const polled = (await (
        await fetch(`${sandbox.directLine.domain}/conversations/${conversationId}/activities`, {
          headers: { authorization: `Bearer ${issued}` },
        })
      ).json()) as { activities: Array<{ type: string }> };
      assert.ok(!polled.activities.some((a) => a.type === 'typing'));
    });
  });
});

async function firstMessage(streamUrl: string): Promise<{ activities: Array<{ text?: string }>; watermark: string }> {
  const socket = new WebSocket(streamUrl);
  try {
    return await new Promise((resolve, reject) => {
      socket.on('message', (data: Buffer) => {
        const textData = data.toString('utf8');
        if (textData) resolve(JSON.parse(textData) as { activities: Array<{ text?: string }>; watermark: string });
      });
      socket.on('error', reject);
    });
  } finally {
    socket.close();
  }
}

/** The HTTP status the service answers an upgrade with (101 when it accepts). */
function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      socket.terminate();
    });
    socket.on('open', () => {
      resolve(101);
      socket.close();
    });
    socket.on('error', (error) => (error.message.includes('Unexpected server response') ? undefined : reject(error)));
  });
}
