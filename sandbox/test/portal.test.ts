import { strict as assert } from 'node:assert';
import { openPortal } from './portalClient';
import { bearer, createChannel, DEMO, getSignInLink, getToken, signIn, startTestSandbox, submitSignIn, type TestSandbox } from './helpers';

describe('sandbox "My data requests" page (the portal hand-off stand-in)', () => {
  let t: TestSandbox;
  beforeEach(async () => {
    t = await startTestSandbox();
  });
  afterEach(async () => {
    await t.stop();
  });

  it('refuses a wrong password and names nothing else', async () => {
    const portal = await openPortal(t.sandbox.portalUrl);
    const page = await portal.signIn(DEMO.ada.upn, 'wrong');
    assert.match(page, /role="alert"[^>]*>Your account or password is incorrect/);
    assert.doesNotMatch(page, /New export request/);
  });

  it('records a new export request, with honest timing', async () => {
    const portal = await openPortal(t.sandbox.portalUrl);
    assert.match(await portal.signIn(DEMO.ada.upn, DEMO.password), new RegExp(`Signed in as <strong>${DEMO.ada.displayName}</strong>`));
    assert.match(
      await portal.requestExport(),
      /Export requested [0-9-]+ [0-9:]+ UTC: <span id="export-status">pending<\/span>\. It holds the system-generated logs of your use of Microsoft.{1,5}s services, and can take up to a month/,
    );
  });

  it('keeps the account when the answer is No', async () => {
    const portal = await openPortal(t.sandbox.portalUrl);
    await portal.signIn(DEMO.ada.upn, DEMO.password);
    assert.match(await portal.closeAccount('no'), /Your account was not closed/);
    assert.ok(await signIn(t.sandbox, DEMO.ada.upn, createChannel({ channelUserId: 'other' })));
  });

  it("refuses a form post without the session's anti-forgery value, changing nothing", async () => {
    const portal = await openPortal(t.sandbox.portalUrl);
    await portal.signIn(DEMO.ada.upn, DEMO.password);
    const forged = await fetch(`${t.sandbox.url}/portal/my-data-requests/close/confirm`, {
      method: 'POST',
      body: new URLSearchParams({ answer: 'yes', csrf: 'guess' }),
    });
    assert.equal(forged.status, 403);
    assert.ok(await signIn(t.sandbox, DEMO.ada.upn, createChannel({ channelUserId: 'other' })), 'still open');
  });

  it('closes for good on Yes, and tells nobody: the token service still hands out its token, which Graph answers 404', async () => {
    const channel = createChannel();
    const userToken = await signIn(t.sandbox, DEMO.ada.upn, channel);
    const portal = await openPortal(t.sandbox.portalUrl);
    await portal.signIn(DEMO.ada.upn, DEMO.password);
    assert.match(
      await portal.closeAccount('yes'),
      /id="closed-notice">The account <strong>ada@fabrikamvolunteers\.example<\/strong> has been closed/,
    );

    const cached = await getToken(t.sandbox, channel);
    assert.equal(cached.status, 200, 'the token service was not told');
    assert.equal(((await cached.json()) as { token: string }).token, userToken);
    const me = await fetch(`${t.sandbox.graphBaseUrl}/v1.0/me`, { headers: bearer(userToken) });
    assert.equal(me.status, 404);
    assert.equal(((await me.json()) as { error: { code: string } }).error.code, 'Request_ResourceNotFound');
    const again = await submitSignIn(
      await getSignInLink(t.sandbox, createChannel({ channelUserId: 'later' })),
      DEMO.ada.upn,
      DEMO.password,
    );
    assert.equal(again.code, undefined, 'the closed account can no longer sign in');
    assert.match(again.html, /has been closed and can no longer sign in/);
  });
});
