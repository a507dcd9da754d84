import { strict as assert } from 'node:assert';
import type { Activity } from 'botframework-schema';
import { SIGNED_IN_EVENT, type SignedInEvent } from '../index';
import { DEMO, bearer, createChannel, getSignInLink, getToken, signIn, startTestSandbox, submitSignIn, type TestSandbox } from './helpers';

describe('sandbox sign-in', () => {
  let t: TestSandbox;
  beforeEach(async () => {
    t = await startTestSandbox();
  });
  afterEach(() => t.stop());

  describe('the sign-in page', () => {
    it('shows an accessible form with labelled username and password fields', async () => {
      const link = await getSignInLink(t.sandbox, createChannel());
      const response = await fetch(link);
      const html = await response.text();
      assert.equal(response.status, 200);
      assert.match(html, /<html lang="en">/);
      assert.match(html, /<label for="username">/);
      assert.match(html, /<input id="username" name="username"/);
      assert.match(html, /<label for="password">/);
      assert.match(html, /<input id="password" name="password" type="password"/);
      assert.match(html, /<form method="post"/);
    });

    it('shows a six-digit code after a correct password', async () => {
      const page = await submitSignIn(await getSignInLink(t.sandbox, createChannel()), DEMO.ada.upn, DEMO.password);
      assert.equal(page.status, 200);
      assert.match(page.code ?? '', /^\d{6}$/);
      assert.match(page.html, /Type this code in the chat/);
    });

    it('says the password is incorrect and shows no code after a wrong password', async () => {
      const page = await submitSignIn(await getSignInLink(t.sandbox, createChannel()), DEMO.ada.upn, 'wrong');
      assert.equal(page.code, undefined);
      assert.match(page.html, /role="alert"[^>]*>Your account or password is incorrect/);
    });

    it('says there is no such account for an unknown username', async () => {
      const page = await submitSignIn(await getSignInLink(t.sandbox, createChannel()), 'nobody@fabrikamvolunteers.example', DEMO.password);
      assert.equal(page.code, undefined);
      assert.match(page.html, /no account with that name/);
    });

    it('says the account is closed when a deleted user signs in', async () => {
      const app = await t.sandbox.appCredential.getToken('https://graph.microsoft.com/.default', { tenantId: DEMO.graphRights.id });
      const deleted = await fetch(`${t.sandbox.graphBaseUrl}/v1.0/users/${DEMO.katherine.id}`, {
        method: 'DELETE',
        headers: bearer(app?.token ?? ''),
      });
      assert.equal(deleted.status, 204);
      const channel = createChannel();
      const page = await submitSignIn(await getSignInLink(t.sandbox, channel), DEMO.katherine.upn, DEMO.password);
      assert.equal(page.code, undefined);
      assert.match(page.html, /This account has been closed/);
      assert.equal((await getToken(t.sandbox, channel)).status, 404);
    });

    it('refuses a sign-in link that was already used', async () => {
      const link = await getSignInLink(t.sandbox, createChannel());
      await submitSignIn(link, DEMO.ada.upn, DEMO.password);
      const again = await submitSignIn(link, DEMO.ada.upn, DEMO.password);
      assert.equal(again.status, 400);
      assert.equal(again.code, undefined);
      assert.match(again.html, /expired or was already used/);
    });

    it('tells listeners which channel user of which conversation signed in', async () => {
      const events: SignedInEvent[] = [];
      t.sandbox.events.on(SIGNED_IN_EVENT, (event: SignedInEvent) => events.push(event));
      const channel = createChannel({ channelUserId: 'u-42', conversationId: 'conv-9' });
      const page = await submitSignIn(await getSignInLink(t.sandbox, channel), DEMO.ada.upn, DEMO.password);
      assert.deepEqual(events, [
        {
          userId: 'u-42',
          channelId: 'emulator',
          conversationId: 'conv-9',
          connectionName: channel.connectionName,
          magicCode: page.code,
          browserBound: false,
        },
      ]);
    });
  });

  describe('the token service', () => {
    it('returns a token for the right code and caches it for the channel user', async () => {
      const channel = createChannel();
      const page = await submitSignIn(await getSignInLink(t.sandbox, channel), DEMO.ada.upn, DEMO.password);
      const withCode = await getToken(t.sandbox, channel, page.code);
      const body = (await withCode.json()) as { token: string; connectionName: string; channelId: string; expiration: string };
      assert.equal(withCode.status, 200);
      assert.equal(body.connectionName, channel.connectionName);
      assert.equal(body.channelId, channel.channelId);
      assert.ok(Date.parse(body.expiration) > t.time.clock().getTime());
      const cached = await getToken(t.sandbox, channel);
      assert.equal(((await cached.json()) as { token: string }).token, body.token);
      const me = await fetch(`${t.sandbox.graphBaseUrl}/v1.0/me`, { headers: bearer(body.token) });
      assert.equal(((await me.json()) as { id: string }).id, DEMO.ada.id);
    });

    it('answers 404 with an empty body when there is no token', async () => {
      const response = await getToken(t.sandbox, createChannel());
      assert.equal(response.status, 404);
      assert.equal(await response.text(), '');
    });

    it('does not give the token to another channel user who presents the code', async () => {
      const channel = createChannel();
      const page = await submitSignIn(await getSignInLink(t.sandbox, channel), DEMO.ada.upn, DEMO.password);
      const stranger = await getToken(t.sandbox, createChannel({ channelUserId: 'someone-else' }), page.code);
      assert.equal(stranger.status, 404);
      assert.equal((await getToken(t.sandbox, channel, page.code)).status, 200);
    });

    it('accepts a code only once', async () => {
      const channel = createChannel();
      const page = await submitSignIn(await getSignInLink(t.sandbox, channel), DEMO.ada.upn, DEMO.password);
      assert.equal((await getToken(t.sandbox, channel, page.code)).status, 200);
      await fetch(
        `${t.sandbox.tokenServiceUrl}/api/usertoken/SignOut?userId=${channel.channelUserId}&connectionName=${channel.connectionName}&channelId=${channel.channelId}`,
        { method: 'DELETE' },
      );
      const again = await getToken(t.sandbox, channel, page.code);
      assert.equal(again.status, 404);
      assert.equal(await again.text(), '');
    });

    it('refuses a code after five minutes', async () => {
      const channel = createChannel();
      const page = await submitSignIn(await getSignInLink(t.sandbox, channel), DEMO.ada.upn, DEMO.password);
      t.time.advance(5 * 60 * 1000 + 1);
      assert.equal((await getToken(t.sandbox, channel, page.code)).status, 404);
    });

    it('revokes the codes after five wrong guesses', async () => {
      const channel = createChannel();
      const page = await submitSignIn(await getSignInLink(t.sandbox, channel), DEMO.ada.upn, DEMO.password);
      const wrong = page.code === '000000' ? '111111' : '000000';
      for (let i = 0; i < 5; i += 1) assert.equal((await getToken(t.sandbox, channel, wrong)).status, 404);
      assert.equal((await getToken(t.sandbox, channel, page.code)).status, 404);
    });

    it('forgets the cached token on sign-out', async () => {
      const channel = createChannel();
      await signIn(t.sandbox, DEMO.ada.upn, channel);
      const query = new URLSearchParams({
        userId: channel.channelUserId,
        connectionName: channel.connectionName,
        channelId: channel.channelId,
      });
      const out = await fetch(`${t.sandbox.tokenServiceUrl}/api/usertoken/SignOut?${query}`, { method: 'DELETE' });
      assert.equal(out.status, 200);
      assert.equal((await getToken(t.sandbox, channel)).status, 404);
    });

    it('rejects a malformed sign-in state with 400', async () => {
      const response = await fetch(`${t.sandbox.tokenServiceUrl}/api/botsignin/GetSignInResource?state=bm90IGpzb24`);
      assert.equal(response.status, 400);
    });

    it('refuses to exchange an SSO token it never issued, in the ErrorResponse shape (Teams SSO: test/teams)', async () => {
      const query = new URLSearchParams({ userId: 'user-1', connectionName: 'SandboxConnection', channelId: 'msteams' });
      const response = await fetch(`${t.sandbox.tokenServiceUrl}/api/usertoken/exchange?${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"token":"x"}',
      });
      assert.equal(response.status, 400);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'InvalidSsoToken');
    });
  });

  describe('the SDK UserTokenClient', () => {
    it('signs in, gets the token with the code, and signs out', async () => {
      const client = t.sandbox.createUserTokenClient();
      const activity = {
        type: 'message',
        channelId: 'webchat',
        from: { id: 'dl_user' },
        recipient: { id: 'bot' },
        conversation: { id: 'conv-sdk' },
        serviceUrl: 'http://127.0.0.1:1',
      } as unknown as Activity;
      const resource = await client.getSignInResource('SandboxConnection', activity, '');
      assert.ok(resource.signInLink?.startsWith(`${t.sandbox.loginBaseUrl}/signin?state=`));
      assert.equal(await client.getUserToken('dl_user', 'SandboxConnection', 'webchat', ''), undefined);

      const page = await submitSignIn(resource.signInLink ?? '', DEMO.grace.upn, DEMO.password);
      const token = await client.getUserToken('dl_user', 'SandboxConnection', 'webchat', page.code ?? '');
      assert.equal(token.connectionName, 'SandboxConnection');
      const me = await fetch(`${t.sandbox.graphBaseUrl}/v1.0/me`, { headers: bearer(token.token) });
      assert.equal(((await me.json()) as { id: string }).id, DEMO.grace.id);
      const statuses = await client.getTokenStatus('dl_user', 'webchat', '');
      assert.deepEqual(
        statuses.map((s) => [s.connectionName, s.hasToken]),
        [['SandboxConnection', true]],
      );

      await client.signOutUser('dl_user', 'SandboxConnection', 'webchat');
      assert.equal(await client.getUserToken('dl_user', 'SandboxConnection', 'webchat', ''), undefined);
    });
  });
});
