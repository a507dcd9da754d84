import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { cardActionData, magicCodeOf, startHarness, submitSignInPage, TEST_SEED, type BotHarness } from '../support/botHarness';
import type { ConnectorActivity } from '../support/connectorStub';
import { openPortal } from '@account-closure-bot/sandbox/testing';
import { buttonsOn } from '../../cards/cardActions';

const KIM = TEST_SEED.users[0];

/**
 * The Bot Framework Emulator's protocol: it posts activities without `deliveryMode`, answers 200 at once, and
 * the bot's replies arrive as `POST {serviceUrl}/v3/conversations/{id}/activities/{replyToId}` on the Emulator's
 * own connector (here a stub on loopback).
 */
describe('the Emulator protocol, replies to its serviceUrl', () => {
  let harness: BotHarness;
  const conversationId = `emulator-${randomUUID()}`;
  const user = { id: randomUUID(), name: 'User', role: 'user' };
  const bot = { id: randomUUID(), name: 'Bot', role: 'bot' };

  before(async () => {
    harness = await startHarness();
  });
  after(async () => {
    await harness.stop();
  });

  async function post(activity: Record<string, unknown>): Promise<ConnectorActivity[]> {
    const before = harness.connector.received.length;
    const response = await fetch(`${harness.bot.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        channelId: 'emulator',
        serviceUrl: harness.connector.url,
        conversation: { id: conversationId },
        from: user,
        recipient: bot,
        id: randomUUID(),
        timestamp: new Date().toISOString(),
        localTimestamp: new Date().toISOString(),
        locale: 'en-US',
        ...activity,
      }),
    });
    assert.ok(response.status === 200 || response.status === 201, `bot answered ${response.status}`);
    return harness.connector.received.slice(before);
  }

  const textOf = (activities: ConnectorActivity[]) =>
    activities.map((a) => (typeof a.activity.text === 'string' ? a.activity.text : '')).join('\n');
  const dataOf = (activities: ConnectorActivity[], action: string) =>
    cardActionData(
      activities.map((a) => a.activity),
      action,
    );

  it('greets on join, signs in with the sandbox page (opened the way the Emulator opens it) and code, hands off, and confirms the closure', async () => {
    const greeting = await post({ type: 'conversationUpdate', membersAdded: [user, bot] });
    assert.equal(greeting[0]?.conversationId, conversationId);
    assert.ok(dataOf(greeting, 'closure.start'));

    const signIn = await post({ type: 'message', value: dataOf(greeting, 'closure.start') });
    const oauth = signIn
      .flatMap((a) => (a.activity.attachments ?? []) as Array<{ contentType: string; content: { buttons: Array<{ value: string }> } }>)
      .find((a) => a.contentType === 'application/vnd.microsoft.card.oauth');
    assert.ok(oauth, 'an OAuth card with the sign-in link');
    // The Emulator rewrites the button to open the link with its PKCE challenge appended (oauthLinkEncoder.ts).
    const opened = `${oauth.content.buttons[0].value}%26code_challenge=${'ab12'.repeat(16)}`;
    const code = magicCodeOf(await submitSignInPage(opened, KIM.upn, KIM.password));

    const offer = await post({ type: 'message', text: code });
    assert.match(textOf(offer), /signed in as \*\*\u2068Kim Akers\u2069\*\*/);
    assert.match(offer[0].path, new RegExp(`^/v3/conversations/${conversationId}/activities/`), 'replies go to the reply route');

    const warning = await post({ type: 'message', value: dataOf(offer, 'closure.skipExport') });
    const handedOff = await post({ type: 'message', value: dataOf(warning, 'closure.confirm') });
    assert.match(textOf(handedOff), /has not been closed yet: you close it yourself on Microsoft's \*\*My data requests\*\* page/);
    // The Emulator opens the card's link in a browser: the sandbox's "My data requests" page, where the closing happens.
    const card = handedOff.flatMap((a) => (a.activity.attachments ?? []) as Array<{ content: unknown }>);
    const buttons = card.flatMap((a) => buttonsOn(a.content) as Array<{ type: string; url?: string }>);
    const portalUrl = buttons.find((action) => action.type === 'Action.OpenUrl')?.url ?? '';
    const portal = await openPortal(portalUrl);
    await portal.signIn(KIM.upn, KIM.password);
    assert.match(await portal.closeAccount('yes'), /has been closed/);
    const verified = await post({ type: 'message', value: dataOf(handedOff, 'closure.checkHandOff') });
    assert.match(
      textOf(verified),
      /Your account \*\*\u2068kim@tailspin\.example\u2069\*\* is closed: Microsoft's directory no longer knows it/,
    );
  });

  it('explains an unexpected failure with a trace activity in the Emulator, and a plain apology to the user', async () => {
    harness.bot.sandbox!.faults.inject({
      path: /\/botframework\/api\/usertoken\/GetToken/,
      times: 10,
      respond: { status: 500, body: { error: { code: 'ServiceError', message: 'token store down' } } },
    });
    const replies = await post({ type: 'message', text: 'close my account' });
    assert.match(textOf(replies), /something went wrong on my side, and I can't tell whether your last answer was recorded/);
    assert.doesNotMatch(textOf(replies), /Nothing has been closed/, 'a closure may be under way: never claimed otherwise');
    const trace = replies.find((a) => a.activity.type === 'trace');
    assert.equal(trace?.activity.label, 'TurnError');
    assert.doesNotMatch(JSON.stringify(trace?.activity), /at .*\.ts:\d+/, 'no stack trace');
    harness.bot.sandbox!.faults.clear();
  });

  it('sends no trace activity on other channels', async () => {
    harness.bot.sandbox!.faults.inject({
      path: /\/botframework\/api\/usertoken\/GetToken/,
      times: 10,
      respond: { status: 500, body: { error: { code: 'ServiceError', message: 'token store down' } } },
    });
    const replies = await post({
      type: 'message',
      text: 'close my account',
      channelId: 'directline',
      conversation: { id: `dl-${randomUUID()}` },
    });
    assert.match(textOf(replies), /something went wrong on my side/);
    assert.ok(!replies.some((a) => a.activity.type === 'trace'));
    harness.bot.sandbox!.faults.clear();
  });
});
