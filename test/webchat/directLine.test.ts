import { strict as assert } from 'node:assert';
import { startTestSandbox, type TestSandbox } from '@account-closure-bot/sandbox/testing';
import { DirectLineTestClient, generateToken, startFakeBot, type FakeBot } from './directLineClient';

const USER = 'dl_0123456789abcdef';

describe('the sandbox Direct Line 3.0 stand-in', () => {
  let env: TestSandbox;
  let bot: FakeBot;
  let domain: string;
  let secret: string;

  beforeEach(async () => {
    env = await startTestSandbox();
    bot = await startFakeBot();
    await env.sandbox.attachBot(bot.url);
    ({ domain, secret } = env.sandbox.directLine);
  });
  afterEach(async () => {
    await env.stop();
    await bot.stop();
  });

  async function connect(userId = USER, extra: Record<string, unknown> = {}): Promise<DirectLineTestClient> {
    const { status, body } = await generateToken(domain, secret, { user: { id: userId }, ...extra });
    assert.equal(status, 200);
    return new DirectLineTestClient(domain, String(body.token), String(body.conversationId));
  }

  describe('tokens', () => {
    it('exchanges the secret for a JWT naming the user, bound to a new conversation, valid an hour', async () => {
      const { status, body } = await generateToken(domain, secret, { user: { id: USER } });
      assert.equal(status, 200);
      assert.equal(typeof body.conversationId, 'string');
      assert.equal(body.expires_in, 3600);
      const claims = JSON.parse(Buffer.from(String(body.token).split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
      assert.equal(claims.user, USER, 'Web Chat reads the user id from the token');
      assert.equal(claims.conv, body.conversationId);
    });

    it('refuses to generate a token with anything but the secret', async () => {
      const client = await connect();
      assert.equal((await generateToken(domain, client.token)).status, 403);
      assert.equal((await generateToken(domain, 'not-the-secret')).status, 403);
    });

    it('refreshes a token into a new one for the same conversation and user', async () => {
      const client = await connect();
      const response = await fetch(`${domain}/tokens/refresh`, { method: 'POST', headers: client.headers() });
      const body = (await response.json()) as { token: string; conversationId: string };
      assert.equal(response.status, 200);
      assert.notEqual(body.token, client.token);
      assert.equal(body.conversationId, client.conversationId);
      client.token = body.token;
      await client.start();
      assert.equal((await client.says('hi')).status, 200);
      assert.equal((bot.received.at(-1)?.from as { id: string } | undefined)?.id, USER);
    });

    it('answers 403 once a token has expired', async () => {
      const client = await connect();
      env.time.advance(3601 * 1000);
      const response = await fetch(`${domain}/conversations/${client.conversationId}/activities`, { headers: client.headers() });
      assert.equal(response.status, 403);
    });
  });

  describe('conversations', () => {
    it("starts the token's conversation once (201, then 200) and tells the bot both members joined", async () => {
      const client = await connect();
      const first = await client.start();
      assert.equal(first.status, 201);
      const body = (await first.json()) as Record<string, unknown>;
      assert.equal(body.conversationId, client.conversationId);
      assert.match(
        String(body.streamUrl),
        new RegExp(`^ws://127\\.0\\.0\\.1:\\d+/v3/directline/conversations/${client.conversationId}/stream\\?watermark=&t=`),
      );
      assert.equal((await client.start()).status, 200);
      const updates = bot.received.filter((a) => a.type === 'conversationUpdate');
      assert.equal(updates.length, 1);
      assert.deepEqual(
        (updates[0].membersAdded as Array<{ id: string }>).map((m) => m.id),
        ['account-closure-bot', USER],
      );
    });

    it('refuses a token of another conversation, reading or posting', async () => {
      const mine = await connect();
      const theirs = await connect('dl_someone_else');
      await mine.start();
      const foreign = new DirectLineTestClient(domain, theirs.token, mine.conversationId);
      const read = await fetch(`${domain}/conversations/${mine.conversationId}/activities`, { headers: foreign.headers() });
      assert.equal(read.status, 403);
      assert.equal((await foreign.says('let me in')).status, 403);
      assert.equal(bot.received.filter((a) => a.type === 'message').length, 0, 'nothing reached the bot');
    });

    it('refuses a request from an origin the token does not trust', async () => {
      const trusted = await connect(USER, { trustedOrigins: ['https://www.example.org'] });
      const elsewhere = new DirectLineTestClient(domain, trusted.token, trusted.conversationId, 'https://evil.example');
      assert.equal((await elsewhere.start()).status, 403);
      const home = new DirectLineTestClient(domain, trusted.token, trusted.conversationId, 'https://www.example.org');
      assert.equal((await home.start()).status, 201);
    });

    it('answers 401 without an Authorization header', async () => {
      const response = await fetch(`${domain}/conversations`, { method: 'POST' });
      assert.equal(response.status, 401);
      assert.deepEqual(Object.keys(((await response.json()) as { error: object }).error), ['code', 'message']);
    });
  });

  describe('activities', () => {
    it("echoes the user's activity with its clientActivityID, then the bot's reply, with ids, timestamps and the channel", async () => {
      const client = await connect();
      await client.start();
      const posted = await client.says('hello', 'client-42');
      assert.equal(posted.status, 200);
      const activities = await client.poll();
      const echo = activities.find((a) => a.id === posted.body.id);
      assert.ok(echo, 'the posted activity comes back under the id the post answered');
      assert.deepEqual(echo.channelData, { clientActivityID: 'client-42' });
      const reply = activities.find((a) => a.replyToId === echo.id);
      assert.equal(reply?.text, 'echo: hello');
      for (const activity of [echo, reply]) {
        assert.equal(activity.channelId, 'directline');
        assert.deepEqual(activity.conversation, { id: client.conversationId });
        assert.ok(!Number.isNaN(Date.parse(activity.timestamp ?? '')), 'a timestamp');
        assert.equal(activity.serviceUrl, undefined, "the client never sees the bot's serviceUrl");
      }
      assert.ok(activities.indexOf(echo) < activities.indexOf(reply), 'the echo comes first');
    });

    it("forces from.id to the token's user, whatever the client claims", async () => {
      const client = await connect();
      await client.start();
      await client.says('who am I');
      const atBot = bot.received.find((a) => a.type === 'message')!;
      assert.equal((atBot.from as { id: string }).id, USER);
      assert.equal(atBot.channelId, 'directline');
      assert.equal(atBot.serviceUrl, env.sandbox.url);
      assert.deepEqual(atBot.recipient, { id: 'account-closure-bot', name: 'Account Closure Bot', role: 'bot' });
      const [echo] = (await client.poll()).filter((a) => a.type === 'message');
      assert.equal(echo.from.id, USER);
    });

    it('pages by watermark: a string, and only newer activities after it', async () => {
      const client = await connect();
      await client.start();
      await client.says('one');
      const first = await client.poll();
      assert.equal(typeof client.watermark, 'string');
      assert.equal(first.length, 2);
      assert.deepEqual(await client.poll(), [], 'nothing new');
      await client.says('two');
      assert.deepEqual(
        (await client.poll()).map((a) => a.text),
        ['two', 'echo: two'],
      );
    });

    it('answers a watermark it never gave out from the oldest activity, so the client keeps polling', async () => {
      const client = await connect();
      await client.start();
      await client.says('one');
      for (const unknown of ['99', 'not-a-watermark', '-1']) {
        const response = await fetch(`${domain}/conversations/${client.conversationId}/activities?watermark=${unknown}`, {
          headers: client.headers(),
        });
        assert.equal(response.status, 200);
        const body = (await response.json()) as { activities: Array<{ text?: string }>; watermark: string };
        assert.deepEqual(
          body.activities.map((a) => a.text),
          ['one', 'echo: one'],
        );
        assert.equal(body.watermark, '2');
      }
    });

    it("refuses the bot's updates and deletes with 405, as Azure's Direct Line does, and changes nothing", async () => {
      const client = await connect();
      await client.start();
      await client.says('card please');
      const reply = (await client.poll()).find((a) => a.text === 'echo: card please')!;
      for (const method of ['PUT', 'DELETE']) {
        const refused = await fetch(
          `${env.sandbox.url}/v3/conversations/${client.conversationId}/activities/${encodeURIComponent(reply.id)}`,
          {
            method,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ type: 'message', text: 'updated', from: reply.from }),
          },
        );
        assert.equal(refused.status, 405);
      }
      assert.deepEqual(await client.poll(), [], 'nothing was delivered again');
    });

    it("hands one conversation's activities to the bot one at a time, in order", async () => {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      await bot.stop();
      bot = await startFakeBot({ beforeAnswer: (activity) => (activity.type === 'message' ? held : undefined) });
      await env.sandbox.attachBot(bot.url);
      const client = await connect();
      await client.start();
      const posts = Promise.all([client.says('first'), client.says('second')]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(bot.received.filter((a) => a.type === 'message').length, 1, 'the second waits while the bot is busy with the first');
      release();
      await posts;
      const logged = (await client.poll()).filter((a) => a.from.role === 'user').map((a) => a.text);
      assert.deepEqual(
        bot.received.filter((a) => a.type === 'message').map((a) => a.text),
        logged,
        "the bot hears them in the conversation's order",
      );
    });

    it('answers 502 BotError when the bot fails', async () => {
      await bot.stop();
      bot = await startFakeBot({ status: 500, reply: false });
      await env.sandbox.attachBot(bot.url);
      const client = await connect();
      await client.start();
      const failed = await client.says('hello');
      assert.equal(failed.status, 502);
      assert.equal((failed.body.error as { code: string }).code, 'BotError');
    });

    it('answers 502 BotError while no bot is attached, and still opens the conversation', async () => {
      const detached = await startTestSandbox();
      try {
        const { body } = await generateToken(detached.sandbox.directLine.domain, detached.sandbox.directLine.secret, {
          user: { id: USER },
        });
        const client = new DirectLineTestClient(detached.sandbox.directLine.domain, String(body.token), String(body.conversationId));
        assert.equal((await client.start()).status, 201);
        const failed = await client.says('hello');
        assert.equal(failed.status, 502);
        assert.match(String((failed.body.error as { message: string }).message), /attachBot/);
      } finally {
        await detached.stop();
      }
    });
  });

  describe('sign-in links (enhanced authentication)', () => {
    it("rewrites the OAuth card's sign-in link and hands the code_challenge Web Chat appends on to the sign-in page", async () => {
      const client = await connect();
      await client.start();
      const link = `${env.sandbox.loginBaseUrl}/signin?state=abc123`;
      await fetch(`${env.sandbox.url}/v3/conversations/${client.conversationId}/activities`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'message',
          from: { id: 'account-closure-bot' },
          attachments: [
            {
              contentType: 'application/vnd.microsoft.card.oauth',
              content: { connectionName: 'c', buttons: [{ type: 'signin', title: 'Sign in', value: link }] },
            },
          ],
        }),
      });
      const [card] = await client.poll();
      const value = String((card.attachments![0].content.buttons as Array<{ value: string }>)[0].value);
      assert.equal(value, `${domain}/session/signin?state=abc123`);
      const session = (await (await fetch(`${domain}/session/getsessionid`, { headers: client.headers() })).json()) as {
        sessionId: string;
      };
      const opened = await fetch(value + encodeURIComponent(`&code_challenge=${session.sessionId}`), { redirect: 'manual' });
      assert.equal(opened.status, 302);
      assert.equal(opened.headers.get('location'), `${link}&code_challenge=${encodeURIComponent(session.sessionId)}`);
    });
  });

  describe('browsers on another origin (CORS)', () => {
    it('answers the preflight and reflects the origin with credentials allowed', async () => {
      const preflight = await fetch(`${domain}/conversations`, {
        method: 'OPTIONS',
        headers: { origin: 'http://localhost:3978', 'access-control-request-method': 'POST' },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get('access-control-allow-origin'), 'http://localhost:3978');
      assert.equal(preflight.headers.get('access-control-allow-credentials'), 'true');
      assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /authorization/);
    });
  });
});
