import { strict as assert } from 'node:assert';
import type { Activity, Message } from 'botframework-directlinejs';
import { startHarness, TEST_SEED, type BotHarness } from '../support/botHarness';
import { BrowserSession } from './browserSession';
import { DirectLineJsClient, type Transport } from './directLineJs';

const KIM = TEST_SEED.users[0];
const OAUTH_CARD = 'application/vnd.microsoft.card.oauth';

const attachmentsOf = (a: Activity) =>
  ((a as Message).attachments ?? []) as Array<{ contentType: string; content: Record<string, unknown> }>;
const hasCard = (contentType: string) => (a: Activity) => attachmentsOf(a).some((x) => x.contentType === contentType);
const hasAction = (action: string) => (a: Activity) => JSON.stringify(attachmentsOf(a)).includes(`"action":"${action}"`);
const says = (pattern: RegExp) => (a: Activity) => a.from.role === 'bot' && pattern.test((a as Message).text ?? '');

function actionData(activity: Activity, action: string): Record<string, unknown> {
  const found = JSON.stringify(attachmentsOf(activity)).match(new RegExp(`"data":(\\{"action":"${action.replace('.', '\\.')}"[^}]*\\})`));
  if (!found) throw new Error(`no action "${action}" in ${JSON.stringify(activity).slice(0, 400)}`);
  return JSON.parse(found[1]) as Record<string, unknown>;
}

function signInLinkOf(activity: Activity): string {
  const card = attachmentsOf(activity).find((a) => a.contentType === OAUTH_CARD);
  return String((card?.content.buttons as Array<{ value: string }>)[0].value);
}

for (const transport of ['webSocket', 'polling'] as const satisfies readonly Transport[]) {
  describe(`a whole closure driven by botframework-directlinejs over ${transport === 'webSocket' ? 'the WebSocket stream' : 'polling'}`, () => {
    let harness: BotHarness;
    let client: DirectLineJsClient | undefined;
    beforeEach(async () => {
      // CLOSURE=graph opted into (the default is the hand-off): this suite follows an account the bot closes itself.
      harness = await startHarness({ CLOSURE: 'graph' });
    });
    afterEach(async () => {
      client?.end();
      await harness.stop();
    });

    /** What the page does: a token from the bot's own route, then Microsoft's client on the Direct Line it names. */
    async function openWebChat(): Promise<{ chat: DirectLineJsClient; token: string; domain: string }> {
      const origin = harness.bot.url;
      const response = await fetch(`${origin}/api/webchat/token`, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(response.status, 200);
      const { token, domain } = (await response.json()) as { token: string; domain: string };
      client = new DirectLineJsClient({ domain, token, transport });
      return { chat: client, token, domain };
    }

    it("signs in from the chat's own browser without a code, skips the export and closes the account on Yes", async () => {
      const { chat, token, domain } = await openWebChat();
      await chat.waitFor(hasAction('closure.start'), 'the welcome card');
      if (transport === 'webSocket')
        assert.match(String(chat.streamUrl), /^ws:\/\/127\.0\.0\.1:\d+\/v3\/directline\/conversations\/[^/]+\/stream\?/);
      else assert.equal(chat.streamUrl !== undefined, true, 'the service offers a stream; the client chose polling');

      await chat.says('close my account');
      const oauth = await chat.waitFor(hasCard(OAUTH_CARD), 'the sign-in card');
      const browser = new BrowserSession();
      const page = await browser.signIn(signInLinkOf(oauth), KIM.upn, KIM.password, await browser.sessionId(domain, token));
      assert.match(page, /id="signed-in"/, 'the page says the chat goes on by itself');
      assert.doesNotMatch(page, /magic-code/, 'no code is asked for when none is needed');

      await chat.waitFor(says(/signed in as \*\*\u2068Kim Akers\u2069\*\*/), 'the signed-in message');
      const offer = await chat.waitFor(hasAction('closure.skipExport'), 'the export offer');
      await chat.presses(actionData(offer, 'closure.skipExport'));
      const warning = await chat.waitFor(hasAction('closure.confirm'), 'the warning card');
      await chat.presses(actionData(warning, 'closure.confirm'));
      await chat.waitFor(says(/Your account \*\*\u2068kim@tailspin\.example\u2069\*\* has been closed/), 'the confirmation');

      const sandbox = harness.bot.sandbox!;
      const appToken = await sandbox.appCredential.getToken('https://graph.microsoft.com/.default', { tenantId: KIM.tenantId });
      const graph = await fetch(`${sandbox.graphBaseUrl}/v1.0/users/${KIM.id}`, {
        headers: { authorization: `Bearer ${appToken!.token}` },
      });
      assert.equal(graph.status, 404, 'the account is gone from the directory');
      const ids = chat.seen.map((a) => a.id);
      assert.equal(new Set(ids).size, ids.length, 'every activity arrived once');
    });

    it('does not sign the chat in when the link is finished in another browser session: the code must be typed', async () => {
      const { chat, token, domain } = await openWebChat();
      await chat.says('close my account');
      const oauth = await chat.waitFor(hasCard(OAUTH_CARD), 'the sign-in card');
      // The chat's browser asks for its session id; the link, with that challenge, is then opened somewhere else.
      const challenge = await new BrowserSession().sessionId(domain, token);
      const elsewhere = new BrowserSession();
      await elsewhere.sessionId(domain, token);
      const page = await elsewhere.signIn(signInLinkOf(oauth), KIM.upn, KIM.password, challenge);
      const code = /id="magic-code"[^>]*>(\d{6})</.exec(page)?.[1];
      assert.ok(code, 'the other browser is shown the magic code instead');
      assert.match(page, /Type this code in the chat/);

      // The hand-off is decided while the page is answered, so nothing can still be on its way to the bot now.
      const messages = harness.logs.map((r) => r.message);
      assert.ok(
        messages.some((m) => /outside the chat's browser/.test(m)),
        'the sandbox saw a sign-in from another browser',
      );
      assert.ok(!messages.some((m) => /handed to the bot/.test(m)), 'no tokens/response went to the bot');
      assert.ok(!chat.seen.some(says(/signed in as/)), 'the chat is not signed in by a sign-in finished elsewhere');

      await chat.says(code);
      await chat.waitFor(says(/signed in as \*\*\u2068Kim Akers\u2069\*\*/), 'the signed-in message after the typed code');
    });
  });
}
