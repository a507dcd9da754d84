import { strict as assert } from 'node:assert';
import { magicCodeOf, startHarness, TEST_SEED, type BotHarness } from '../support/botHarness';
import { BrowserSession } from './browserSession';
import { actionData, DirectLineTestClient, type DlActivity } from './directLineClient';

const KIM = TEST_SEED.users[0];

const hasCard = (contentType: string) => (a: DlActivity) => (a.attachments ?? []).some((x) => x.contentType === contentType);
const hasAction = (action: string) => (a: DlActivity) => JSON.stringify(a.attachments ?? []).includes(`"action":"${action}"`);
const says = (pattern: RegExp) => (a: DlActivity) => a.from.role === 'bot' && pattern.test(a.text ?? '');

describe('the closure conversation through the sandbox Direct Line, as Web Chat polls it', () => {
  let harness: BotHarness;
  beforeEach(async () => {
    // CLOSURE=graph opted into (the default is the hand-off): this suite follows an account the bot closes itself.
    harness = await startHarness({ CLOSURE: 'graph' });
  });
  afterEach(async () => {
    await harness.stop();
  });

  /** What the page does: a token from the bot's own route, then Direct Line from the browser's origin. */
  async function openWebChat(): Promise<DirectLineTestClient> {
    const origin = harness.bot.url;
    const response = await fetch(`${origin}/api/webchat/token`, {
      method: 'POST',
      headers: { origin, 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(response.status, 200);
    const { token, conversationId, domain } = (await response.json()) as { token: string; conversationId: string; domain: string };
    const client = new DirectLineTestClient(domain, token, conversationId, origin);
    assert.equal((await client.start()).status, 201);
    return client;
  }

  it('closes the account with sign-in completed by a tokens/response event, no magic code typed', async () => {
    const chat = await openWebChat();
    await chat.waitFor(hasAction('closure.start'), 'the welcome card');

    await chat.says('close my account');
    const oauth = await chat.waitFor(hasCard('application/vnd.microsoft.card.oauth'), 'the sign-in card');
    const link = String((oauth.attachments![0].content.buttons as Array<{ value: string }>)[0].value);
    // The chat's browser: Web Chat asks for its session id and opens the link with it appended, URI-encoded.
    const browser = new BrowserSession();
    const page = await browser.signIn(link, KIM.upn, KIM.password, await browser.sessionId(chat.domain, chat.token));
    assert.match(page, /id="signed-in"/);

    await chat.waitFor(says(/signed in as \*\*\u2068Kim Akers\u2069\*\*/), 'the signed-in message');
    const offer = await chat.waitFor(hasAction('closure.skipExport'), 'the export offer');
    await chat.presses(actionData(offer, 'closure.skipExport'));
    const warning = await chat.waitFor(hasAction('closure.confirm'), 'the warning card');
    await chat.presses(actionData(warning, 'closure.confirm'));
    await chat.waitFor(says(/Your account \*\*\u2068kim@tailspin\.example\u2069\*\* has been closed/), 'the confirmation');

    assert.ok(
      chat.seen.every((a) => a.type !== 'event'),
      'the tokens/response event goes to the bot only',
    );
    const graph = await fetch(`${harness.bot.sandbox!.graphBaseUrl}/v1.0/users/${KIM.id}`, {
      headers: {
        authorization: `Bearer ${(await harness.bot.sandbox!.appCredential.getToken('https://graph.microsoft.com/.default', { tenantId: KIM.tenantId }))!.token}`,
      },
    });
    assert.equal(graph.status, 404, 'the account is gone from the directory');
  });

  it("accepts the magic code typed into the chat when the link was opened without the chat's session", async () => {
    const chat = await openWebChat();
    await chat.says('close my account');
    const oauth = await chat.waitFor(hasCard('application/vnd.microsoft.card.oauth'), 'the sign-in card');
    const link = String((oauth.attachments![0].content.buttons as Array<{ value: string }>)[0].value);
    const page = await new BrowserSession().signIn(link, KIM.upn, KIM.password);
    await chat.says(magicCodeOf(page));
    await chat.waitFor(says(/signed in as \*\*\u2068Kim Akers\u2069\*\*/), 'the signed-in message');
  });

  it("keeps one browser out of another browser's conversation", async () => {
    const mine = await openWebChat();
    const theirs = await openWebChat();
    assert.notEqual(mine.conversationId, theirs.conversationId);
    const intruder = new DirectLineTestClient(mine.domain, theirs.token, mine.conversationId, harness.bot.url);
    assert.equal((await intruder.says('close my account')).status, 403);
  });
});
