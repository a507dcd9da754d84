import { strict as assert } from 'node:assert';
import { startAgentsPlayground, type AgentsPlayground, type PlaygroundMessage } from '../support/agentsPlayground';
import { magicCodeOf, startHarness, submitSignInPage, TEST_SEED, type BotHarness } from '../support/botHarness';
import { cardText } from './teamsClient';
import { buttonsOn } from '../../cards/cardActions';

/**
 * The bot against Microsoft 365 Agents Playground, Microsoft's Teams simulator, on loopback: what its UI does
 * (type, press Submit and Execute buttons), through the routes the UI itself uses (test/support/agentsPlayground.ts).
 *
 * What the Playground cannot do, covered by Teams-shaped HTTP tests instead:
 * - no Teams SSO (`signin/tokenExchange`): sign-in here is the sign-in link and the magic code typed in the
 *   chat; SSO is in test/teams/signIn.test.ts;
 * - no Universal Actions `refresh` (it shows the card as posted, which is why the 1:1 warning shows Yes/No):
 *   per-user refresh is in test/teams/universalActions.test.ts;
 * - one user at a time in its UI (others only through "Mock an Activity"): presses by other members are in
 *   test/teams/universalActions.test.ts and test/teams/groupChat.test.ts.
 */

const KIM = TEST_SEED.users[0];

function hasCard(contentType: string) {
  return (message: PlaygroundMessage) => message.attachments.some((a) => a.contentType === contentType);
}

function cardWithAction(action: string) {
  return (message: PlaygroundMessage) => message.attachments.some((a) => JSON.stringify(a.content).includes(`"${action}"`));
}

function buttonOf(message: PlaygroundMessage, verb: string): { verb: string; data: Record<string, unknown> } {
  const actions = buttonsOn(message.attachments[0].content) as Array<{ type: string; verb?: string; data?: Record<string, unknown> }>;
  const button = actions.find((a) => a.type === 'Action.Execute' && a.verb === verb);
  assert.ok(button?.data, `the card shows a ${verb} button`);
  return { verb, data: button.data };
}

describe('the bot in Microsoft 365 Agents Playground (Teams channel)', function () {
  // Starting the Playground is a Node process with a 5 MB bundle; on a loaded machine that takes a while.
  this.timeout(60_000);
  let harness: BotHarness;
  let playground: AgentsPlayground;

  beforeEach(async () => {
    // CLOSURE=graph opted into (the default is the hand-off): this suite follows an account the bot closes itself.
    harness = await startHarness({ CLOSURE: 'graph' });
    playground = await startAgentsPlayground({ appEndpoint: `${harness.bot.url}/api/messages` });
  });
  afterEach(async () => {
    await playground?.stop();
    await harness?.stop();
  });

  /** Signs in through the OAuth card's link and the magic code, skips the export; returns the warning message. */
  async function signInAndReachWarning(conversationId: string, signInCard: PlaygroundMessage): Promise<PlaygroundMessage> {
    const link = (signInCard.attachments[0].content.buttons as Array<{ value: string }>)[0].value;
    const code = magicCodeOf(await submitSignInPage(link, KIM.upn, KIM.password));
    const mark = playground.messages.length;
    await playground.says(conversationId, code);
    await playground.settled();
    const offer = await playground.next(cardWithAction('closure.skipExport'), mark);
    assert.equal(offer.conversationId, conversationId);
    const beforeWarning = playground.messages.length;
    await playground.submits(conversationId, offer.messageId, { action: 'closure.skipExport' });
    await playground.settled();
    return playground.next(cardWithAction('closure.confirm'), beforeWarning);
  }

  it('walks a personal chat from sign-in to the warning, Yes, and the closed account', async () => {
    const chat = playground.config.personalChat.id;
    await playground.says(chat, 'close my account');
    await playground.settled();
    const signIn = await playground.next(hasCard('application/vnd.microsoft.card.oauth'));
    const warning = await signInAndReachWarning(signIn.conversationId, signIn);
    assert.match(cardText(warning.attachments[0].content), /Closing your account is permanent/);
    const mark = playground.messages.length;

    const answer = (await playground.executes(warning.conversationId, warning.messageId, buttonOf(warning, 'closure.confirm'))) as {
      type: string;
      value: unknown;
    };

    // Nothing is recorded yet when Teams gets its answer: it promises nothing (issue 19).
    assert.equal(answer.type, 'application/vnd.microsoft.activity.message');
    assert.match(String(answer.value), /being checked/);
    const told = await playground.next((m) => /has been closed/.test(m.text ?? ''), mark);
    assert.equal(told.conversationId, warning.conversationId);
    const updated = await playground.next((m) => m.action === 'updateMessage' && m.messageId === warning.messageId, mark);
    assert.match(cardText(updated.attachments[0].content), /Account closed/);
    const sandbox = harness.bot.sandbox!;
    const token = (await sandbox.appCredential.getToken('https://graph.microsoft.com/.default', { tenantId: KIM.tenantId }))!.token;
    assert.equal(
      (await fetch(`${sandbox.graphBaseUrl}/v1.0/users/${KIM.id}`, { headers: { authorization: `Bearer ${token}` } })).status,
      404,
      'the account is gone',
    );
  });

  it('moves "@bot close my account" in a group chat to the private chat, where sign-in happens', async () => {
    const group = playground.config.groupChats[0].id;

    await playground.says(group, 'close my account', { mentionBot: true });
    await playground.settled();

    const toGroup = await playground.next((m) => /I've sent you a private message/.test(m.text ?? ''));
    const signIn = await playground.next(hasCard('application/vnd.microsoft.card.oauth'));
    assert.notEqual(signIn.conversationId, toGroup.conversationId, 'the sign-in card is not in the group chat');
    const warning = await signInAndReachWarning(signIn.conversationId, signIn);
    assert.equal(warning.conversationId, signIn.conversationId, 'the warning is in the private chat too');
    const groupMessages = JSON.stringify(playground.messages.filter((m) => m.conversationId === toGroup.conversationId));
    assert.ok(!groupMessages.includes(KIM.upn), 'the group chat never sees the UPN');
    assert.ok(!groupMessages.includes('application/vnd.microsoft.card'), 'nor any card');
  });
});
