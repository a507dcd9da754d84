import { strict as assert } from 'node:assert';
import { LOCKOUT_THRESHOLD } from '../signInLockout';
import { createChannel, DEMO, exchangeState, startTestSandbox, type Channel, type TestSandbox } from './helpers';

/**
 * A browser without a browser: GETs a page and submits its forms as a browser would (every hidden field the form
 * carries, a cookie once set, the same Accept-Language on every request).
 */
function browser(acceptLanguage?: string) {
  let cookie = '';
  let page = '';
  let url = '';
  const headers = () => ({ ...(acceptLanguage ? { 'accept-language': acceptLanguage } : {}), ...(cookie ? { cookie } : {}) });
  const keep = async (response: Response) => {
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) cookie = setCookie.split(';')[0] ?? '';
    page = await response.text();
    return page;
  };
  return {
    async open(link: string): Promise<string> {
      url = link;
      return keep(await fetch(link, { headers: headers() }));
    },
    /** Submits the page's form whose action ends with `action`, with the hidden fields it carries plus `fields`. */
    async submit(action: string, fields: Record<string, string> = {}): Promise<string> {
      const form = [...page.matchAll(/<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/g)].find((m) => m[1].endsWith(action));
      if (!form) throw new Error(`no form "${action}" on ${page.slice(0, 400)}`);
      const hidden = Object.fromEntries(
        [...form[2].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], m[2]]),
      );
      url = new URL(form[1], url).toString();
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers() },
        body: new URLSearchParams({ ...hidden, ...fields }),
      });
      return keep(response);
    },
  };
}

/** The sign-in link the token service gives OAuthPrompt for a conversation whose activity had `locale`. */
async function signInLink(t: TestSandbox, locale?: string, channel: Channel = createChannel()): Promise<string> {
  const state = JSON.parse(Buffer.from(exchangeState(channel), 'base64').toString('utf8')) as { conversation: Record<string, unknown> };
  if (locale) state.conversation.locale = locale;
  const response = await fetch(
    `${t.sandbox.tokenServiceUrl}/api/botsignin/GetSignInResource?state=${encodeURIComponent(Buffer.from(JSON.stringify(state)).toString('base64'))}`,
  );
  assert.equal(response.status, 200);
  return ((await response.json()) as { signInLink: string }).signInLink;
}

function langOf(html: string): string | undefined {
  return /<html lang="([^"]+)">/.exec(html)?.[1];
}

describe('the sandbox pages in the reader’s language (issue 12)', () => {
  let t: TestSandbox;
  beforeEach(async () => {
    t = await startTestSandbox();
  });
  afterEach(() => t.stop());

  describe('the sign-in page', () => {
    it('gets the conversation’s locale as ui_locales on the sign-in link, and none when the activity had none', async () => {
      assert.equal(new URL(await signInLink(t, 'de-DE')).searchParams.get('ui_locales'), 'de-DE');
      assert.equal(new URL(await signInLink(t)).searchParams.get('ui_locales'), null);
      assert.equal(
        new URL(await signInLink(t, 'de"><script>')).searchParams.get('ui_locales'),
        null,
        'a malformed locale is not passed on',
      );
    });

    it('in German from ui_locales (over the browser’s English): form, code shown, and the language kept through the form', async () => {
      const chrome = browser('en-US,en;q=0.9');
      const form = await chrome.open(await signInLink(t, 'de-DE'));
      assert.equal(langOf(form), 'de');
      assert.match(form, /<h1>Anmelden<\/h1>/);
      assert.match(form, /<label for="username">E-Mail-Adresse oder Benutzername<\/label>/);
      const done = await chrome.submit('signin', { username: DEMO.ada.upn, password: DEMO.password });
      assert.equal(langOf(done), 'de');
      assert.match(done, /Sie sind angemeldet, Ada Lovelace/);
      assert.match(done, /Geben Sie diesen Code im Chat ein/);
      assert.match(done, /id="magic-code"[^>]*>\d{6}</);
    });

    it('in Japanese from Accept-Language when the link has no ui_locales: wrong password, then the lockout', async () => {
      const chrome = browser('ja-JP,ja;q=0.9,en;q=0.5');
      const form = await chrome.open(await signInLink(t));
      assert.equal(langOf(form), 'ja');
      assert.match(form, /<h1>サインイン<\/h1>/);
      let page = '';
      for (let attempt = 1; attempt <= LOCKOUT_THRESHOLD; attempt++) {
        page = await chrome.submit('signin', { username: DEMO.ada.upn, password: 'wrong' });
        if (attempt < LOCKOUT_THRESHOLD) assert.match(page, /role="alert"[^>]*>アカウントまたはパスワードが正しくありません/);
      }
      assert.equal(langOf(page), 'ja');
      assert.match(page, /role="alert"[^>]*>不正使用を防ぐため、アカウントは一時的にロックされています/);
    });

    it('in French: the closed account, and the expired link', async () => {
      const channel = createChannel();
      const chrome = browser('fr-CA,fr;q=0.9');
      await chrome.open(await signInLink(t, undefined, channel));
      // Ada closes her account on "My data requests" meanwhile, in Brazilian Portuguese.
      const portal = browser('pt-BR');
      await portal.open(t.sandbox.portalUrl);
      await portal.submit('/signin', { username: DEMO.ada.upn, password: DEMO.password });
      await portal.submit('/close');
      assert.match(
        await portal.submit('/close/confirm', { answer: 'yes' }),
        /A conta <strong>ada@fabrikamvolunteers\.example<\/strong> foi encerrada/,
      );

      const closed = await chrome.submit('signin', { username: DEMO.ada.upn, password: DEMO.password });
      assert.equal(langOf(closed), 'fr');
      assert.match(closed, /Ce compte a été fermé et ne peut plus se connecter/);
      const gone = await browser('fr').open(`${t.sandbox.loginBaseUrl}/signin?state=unknown`);
      assert.equal(langOf(gone), 'fr');
      assert.match(gone, /Ce lien de connexion a expiré ou a déjà été utilisé/);
    });

    it('in English when neither says a language we speak (Korean only)', async () => {
      const form = await browser('ko-KR').open(await signInLink(t, 'ko-KR'));
      assert.equal(langOf(form), 'en');
      assert.match(form, /<h1>Sign in<\/h1>/);
    });
  });

  describe('"My data requests"', () => {
    it('in Spanish from Accept-Language: every screen, the export, the confirmation and the closed account', async () => {
      const chrome = browser('es-ES,es;q=0.9,en;q=0.8');
      const signIn = await chrome.open(t.sandbox.portalUrl);
      assert.equal(langOf(signIn), 'es');
      assert.match(signIn, /<title>Iniciar sesión - Mis solicitudes de datos \(sandbox\)<\/title>/);
      assert.match(
        await chrome.submit('/signin', { username: DEMO.ada.upn, password: 'wrong' }),
        /La cuenta o la contraseña no son correctas/,
      );
      const requests = await chrome.submit('/signin', { username: DEMO.ada.upn, password: DEMO.password });
      assert.match(
        requests,
        /Sesión iniciada como <strong>Ada Lovelace<\/strong> \(<span id="account">ada@fabrikamvolunteers\.example<\/span>\)/,
      );
      assert.match(requests, /<button type="submit">Nueva solicitud de exportación<\/button>/);
      const exported = await chrome.submit('/export');
      assert.equal(langOf(exported), 'es');
      assert.match(exported, /Se ha enviado tu solicitud de exportación/);
      assert.match(exported, /Exportación solicitada el [0-9-]+ [0-9:]+ UTC: <span id="export-status">pendiente<\/span>/);
      const confirm = await chrome.submit('/close');
      assert.match(confirm, /<h1>Cerrar la cuenta<\/h1>/);
      assert.match(
        confirm,
        /¿Seguro que quieres cerrar <strong>ada@fabrikamvolunteers\.example<\/strong>\? Cerrar tu cuenta es irreversible/,
      );
      assert.match(confirm, /value="yes">Sí<\/button>/);
      const closed = await chrome.submit('/close/confirm', { answer: 'yes' });
      assert.equal(langOf(closed), 'es');
      assert.match(closed, /<h1>Cuenta cerrada<\/h1>/);
      assert.match(closed, /Puedes cerrar esta página y volver al chat/);
    });

    it('in German from ui_locales, kept through its forms, over the browser’s English; No keeps the account', async () => {
      const chrome = browser('en-US');
      const signIn = await chrome.open(`${t.sandbox.portalUrl}?ui_locales=de`);
      assert.equal(langOf(signIn), 'de');
      const requests = await chrome.submit('/signin', { username: DEMO.ada.upn, password: DEMO.password });
      assert.equal(langOf(requests), 'de');
      assert.match(requests, /<h1>Meine Datenanfragen<\/h1>/);
      await chrome.submit('/close');
      const kept = await chrome.submit('/close/confirm', { answer: 'no' });
      assert.equal(langOf(kept), 'de');
      assert.match(kept, /Ihr Konto wurde nicht geschlossen/);
    });
  });
});
