import { strict as assert } from 'node:assert';
import { request } from 'node:http';
import { loopbackSiteOf } from '../../server/webchatRoutes';
import { startFakeDirectLine, type FakeDirectLine } from './fakeDirectLine';
import { startWebChat, type TestServer } from './webChatServer';

/** GET `path` from the server at `url`, with the Host header a browser sends for `hostName` (the port kept). */
function get(url: string, path: string, hostName: string, headers: Record<string, string> = {}) {
  const { hostname, port } = new URL(url);
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request({ host: hostname, port, path, headers: { host: `${hostName}:${port}`, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function metaStrings(html: string): Record<string, string> {
  const content = /<meta name="webchat-strings" content="([^"]*)"/.exec(html)?.[1] ?? '';
  return JSON.parse(content.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)))) as Record<string, string>;
}

describe("the web chat page in the reader's language, on the sandbox's site", () => {
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

  describe('language', () => {
    it("speaks the browser's first language the bot knows, and gives Web Chat its locale", async () => {
      const page = await get(web.url, '/', '127.0.0.1', { 'accept-language': 'ko-KR, de-AT;q=0.8, en;q=0.5' });
      assert.equal(page.status, 200);
      assert.match(page.body, /<html lang="de">/);
      assert.match(page.body, /<title>Ihr Geschäfts-, Schul- oder Unikonto schließen<\/title>/);
      assert.match(page.body, /<a href="\/privacy">Datenschutz<\/a>/);
      assert.deepEqual(metaStrings(page.body).locale, 'de-DE');
      assert.equal(page.headers.vary, 'accept-language');
      assert.doesNotMatch(page.body, /\{\{/, 'every slot filled');
    });

    it('takes ?locale= over the browser, and English for a language it does not speak', async () => {
      const japanese = await get(web.url, '/?locale=ja', '127.0.0.1', { 'accept-language': 'de' });
      assert.match(japanese.body, /<html lang="ja">/);
      assert.match(japanese.body, /アカウント閉鎖ボットとの会話/);
      assert.equal(metaStrings(japanese.body).locale, 'ja-JP');
      assert.equal(metaStrings(japanese.body).userInitials, 'あなた');
      const english = await get(web.url, '/?locale=ko', '127.0.0.1');
      assert.match(english.body, /<html lang="en">/);
      assert.equal(metaStrings(english.body).locale, 'en-US');
    });

    it("refuses another site in the visitor's language", async () => {
      const { status, body } = await web.token({ origin: 'https://evil.example', 'accept-language': 'fr-FR' });
      assert.equal(status, 403);
      assert.equal((body.error as { message: string }).message, 'Ce site ne peut pas démarrer le chat web.');
    });
  });

  describe('one site with the sandbox', () => {
    it("moves a page opened at localhost to the Direct Line's 127.0.0.1, keeping port, path and query", async () => {
      const port = new URL(web.url).port;
      const moved = await get(web.url, '/?locale=de', 'localhost');
      assert.equal(moved.status, 307);
      assert.equal(moved.headers.location, `http://127.0.0.1:${port}/?locale=de`);
      assert.equal((await get(web.url, '/', '127.0.0.1')).status, 200, 'the same name stays');
    });

    it('leaves a page alone when the Direct Line is not on loopback (Azure) or the page is not', () => {
      assert.equal(loopbackSiteOf('https://directline.botframework.com/v3/directline', 'localhost:3978', '/'), undefined);
      assert.equal(loopbackSiteOf('http://127.0.0.1:3979/v3/directline', 'bot.example.org', '/'), undefined);
      assert.equal(loopbackSiteOf('http://127.0.0.1:3979/v3/directline', '127.0.0.1:3978', '/'), undefined);
      assert.equal(
        loopbackSiteOf('http://127.0.0.1:3979/v3/directline', 'localhost:3978', '/?locale=ja'),
        'http://127.0.0.1:3978/?locale=ja',
      );
    });
  });
});
