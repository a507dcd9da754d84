import { strict as assert } from 'node:assert';
import { startHarness, TEST_SEED, type BotHarness } from '../support/botHarness';
import type { ConnectorActivity } from '../support/connectorStub';
import {
  actionsOf,
  arrival,
  attachmentsIn,
  BOT_TEAMS_ID,
  cardText,
  decisionsOn,
  since,
  teamsClient,
  teamsConversation,
  teamsMember,
  TEAMS_TENANT_ID,
  textsIn,
  warningMessageIn,
  type TeamsClient,
  type TeamsConversation,
  type TeamsMember,
} from './teamsClient';
import { exchangeValue, oauthCardIn, ssoTokenFor } from './teamsFlow';

const KIM = TEST_SEED.users[0];
const BOT_NAME = 'Account Closure Bot';
/** How Teams writes a mention of the bot in a group chat or channel message: in the text and as an entity. */
const AT_BOT = `<at>${BOT_NAME}</at>`;
const ANSWERED_PRIVATELY = "I've answered you in our 1:1 chat, so nothing personal is shown here.";
const MENTION = { type: 'mention', text: AT_BOT, mentioned: { id: BOT_TEAMS_ID, name: BOT_NAME } };

/** A message with the bot mentioned, as Teams sends `@Account Closure Bot cancel`. */
function mentioning(client: TeamsClient, text: string) {
  return client.sends({ type: 'message', text: `${AT_BOT} ${text}`, textFormat: 'plain', entities: [MENTION] });
}

function inConversation(activities: readonly ConnectorActivity[], conversationId: string): ConnectorActivity[] {
  return activities.filter((entry) => entry.conversationId === conversationId);
}

function hasOAuthCard(activities: readonly ConnectorActivity[]): boolean {
  return attachmentsIn(activities).some((a) => a.contentType === 'application/vnd.microsoft.card.oauth');
}

describe('Teams group chats and channels', () => {
  let harness: BotHarness;
  let kimMember: TeamsMember;
  let group: TeamsConversation;
  let kimInGroup: TeamsClient;

  beforeEach(async () => {
    // CLOSURE=graph opted into (the default is the hand-off): this suite follows an account the bot closes itself.
    harness = await startHarness({ CLOSURE: 'graph' });
    kimMember = teamsMember('Kim Akers', KIM.id);
    group = teamsConversation('groupChat');
    kimInGroup = teamsClient(harness.bot.url, harness.connector, kimMember, group);
  });
  afterEach(async () => {
    await harness.stop();
  });

  /** "@bot close my account" in the group; returns Kim's 1:1 chat the bot opened, and the mark before. */
  async function askInGroup(): Promise<{ mark: number; privateChat: TeamsConversation; kim: TeamsClient }> {
    const mark = harness.connector.received.length;
    assert.equal((await mentioning(kimInGroup, 'close my account')).status, 200);
    const created = harness.connector.createdConversations.at(-1);
    assert.ok(created, 'the bot asked Teams for a 1:1 conversation');
    const privateChat: TeamsConversation = { id: created.id, type: 'personal' };
    return { mark, privateChat, kim: teamsClient(harness.bot.url, harness.connector, kimMember, privateChat) };
  }

  describe('"close my account" in a group chat', () => {
    it("answers the group with one short line and opens the person's 1:1 chat with the user and tenant, where sign-in happens", async () => {
      const { mark, privateChat } = await askInGroup();

      const toGroup = inConversation(since(harness.connector, mark), group.id);
      assert.equal(
        textsIn(toGroup),
        "I've sent you a private message. Closing an account happens there, so nothing personal is shown in this chat.",
      );
      assert.equal(attachmentsIn(toGroup).length, 0, 'no card in the group');
      const { parameters } = harness.connector.createdConversations[0];
      assert.equal(parameters.isGroup, false);
      assert.deepEqual(
        (parameters.members as Array<{ id: string }>).map((m) => m.id),
        [kimMember.id],
      );
      assert.equal(parameters.tenantId, TEAMS_TENANT_ID);
      assert.deepEqual(parameters.channelData, { tenant: { id: TEAMS_TENANT_ID } });
      assert.equal((parameters.bot as { id: string }).id, BOT_TEAMS_ID);
      assert.ok(hasOAuthCard(inConversation(since(harness.connector, mark), privateChat.id)), 'the sign-in card is in the 1:1 chat');
    });

    it('posts nothing personal to the group through sign-in, the export offer and the warning, all of which happen 1:1', async () => {
      const { mark, privateChat, kim } = await askInGroup();
      const card = oauthCardIn(harness.connector, mark);
      const signedIn = await kim.invoke(
        'signin/tokenExchange',
        exchangeValue(card, await ssoTokenFor(harness.bot.sandbox!.loginBaseUrl, KIM.upn, KIM.password)),
      );
      assert.equal(signedIn.status, 200);
      assert.equal(await kim.submits({ action: 'closure.skipExport' }), 200);

      const privately = inConversation(since(harness.connector, mark), privateChat.id);
      assert.match(textsIn(privately), new RegExp(`signed in as .*${KIM.upn.replace('.', '\\.')}`));
      const warning = warningMessageIn(privately);
      const toGroup = JSON.stringify(inConversation(harness.connector.received, group.id));
      for (const secret of [KIM.upn, warning.refresh.nonce, warning.refresh.requestId])
        assert.ok(!toGroup.includes(secret), `the group never sees ${secret === KIM.upn ? 'the UPN' : 'the request'}`);
    });

    it('moves a channel\'s "close my account" to the 1:1 chat the same way', async () => {
      const inChannel = teamsClient(harness.bot.url, harness.connector, kimMember, teamsConversation('channel'));
      const mark = harness.connector.received.length;

      assert.equal((await mentioning(inChannel, 'close my account')).status, 200);

      const created = harness.connector.createdConversations.at(-1);
      assert.ok(created);
      assert.ok(hasOAuthCard(inConversation(since(harness.connector, mark), created.id)));
      assert.match(textsIn(since(harness.connector, mark)), /I've sent you a private message/);
    });

    it('says plainly when Teams refuses the 1:1 chat, and claims no private message was sent', async () => {
      harness.connector.refuseConversations(403);
      const mark = harness.connector.received.length;

      assert.equal((await mentioning(kimInGroup, 'close my account')).status, 200);

      const replies = since(harness.connector, mark);
      assert.match(textsIn(replies), /I couldn't open a private chat with you\. Message me in a 1:1 chat/);
      assert.doesNotMatch(textsIn(replies), /I've sent you/);
      assert.ok(!hasOAuthCard(replies));
    });
  });

  describe('mentions', () => {
    it('answers "@bot help" and "@bot cancel" of someone with no flow in their 1:1 chat, and the group only hears where', async () => {
      const mark = harness.connector.received.length;

      await mentioning(kimInGroup, 'help');
      await mentioning(kimInGroup, 'cancel');

      const privateChat = harness.connector.createdConversations.at(-1);
      assert.ok(privateChat, 'the 1:1 chat was opened');
      const privately = textsIn(inConversation(since(harness.connector, mark), privateChat.id));
      assert.match(privately, /I help members of unmanaged/);
      assert.match(privately, /There's nothing to cancel/);
      const toGroup = inConversation(since(harness.connector, mark), group.id);
      assert.deepEqual(
        toGroup.map((entry) => entry.activity.text),
        [ANSWERED_PRIVATELY, ANSWERED_PRIVATELY],
      );
      assert.equal(attachmentsIn(since(harness.connector, mark)).length, 0, 'no welcome card for a command it did not read');
    });

    it('cancels the flow on "@bot cancel" in the 1:1 chat too', async () => {
      const { mark, kim } = await askInGroup();
      assert.ok(hasOAuthCard(since(harness.connector, mark)));
      const beforeCancel = harness.connector.received.length;

      await mentioning(kim, 'cancel');

      assert.match(textsIn(since(harness.connector, beforeCancel)), /^Cancelled\. Nothing has been closed\./);
    });
  });

  describe("commands in the group act on the person's flow in their 1:1 chat", () => {
    /** Kim asks in the group, signs in 1:1 (SSO) and, unless `at` is 'signIn', goes on to the export offer or the warning. */
    async function flowAt(at: 'signIn' | 'exportOffer' | 'warning'): Promise<{ privateChat: TeamsConversation; kim: TeamsClient }> {
      const { mark, privateChat, kim } = await askInGroup();
      if (at === 'signIn') return { privateChat, kim };
      const card = oauthCardIn(harness.connector, mark);
      await kim.invoke(
        'signin/tokenExchange',
        exchangeValue(card, await ssoTokenFor(harness.bot.sandbox!.loginBaseUrl, KIM.upn, KIM.password)),
      );
      if (at === 'warning') await kim.submits({ action: 'closure.skipExport' });
      return { privateChat, kim };
    }

    for (const at of ['signIn', 'exportOffer', 'warning'] as const) {
      it(`cancels the live flow (at ${at}) on "@bot cancel" in the group, says so 1:1, and tells the group nothing personal`, async () => {
        const { privateChat, kim } = await flowAt(at);
        const mark = harness.connector.received.length;

        assert.equal((await mentioning(kimInGroup, 'cancel')).status, 200);

        const privately = textsIn(inConversation(since(harness.connector, mark), privateChat.id));
        assert.match(privately, /(^|\n)Cancelled\. Nothing has been closed\. To close a different account, sign in to Teams/);
        assert.doesNotMatch(privately, /nothing to cancel|Say \*\*sign out\*\*/);
        const toGroup = inConversation(since(harness.connector, mark), group.id);
        assert.deepEqual(
          toGroup.map((entry) => entry.activity.text),
          [ANSWERED_PRIVATELY],
        );
        // The flow has ended: help in the 1:1 chat now says how to start.
        const afterCancel = harness.connector.received.length;
        await kim.sends({ type: 'message', text: 'help' });
        assert.match(textsIn(since(harness.connector, afterCancel)), /Say \*\*close my account\*\* to start/);
      });
    }

    it('describes the step in the 1:1 chat on "@bot help" and "@bot status" during the warning, without "sign out to use a different account"', async () => {
      const { privateChat } = await flowAt('warning');
      const mark = harness.connector.received.length;

      await mentioning(kimInGroup, 'help');
      await mentioning(kimInGroup, 'status');

      const privately = textsIn(inConversation(since(harness.connector, mark), privateChat.id));
      assert.match(privately, /the warning below is waiting for your decision/);
      assert.doesNotMatch(privately, /Say \*\*close my account\*\* to start|different account|start again/);
      assert.match(
        JSON.stringify(inConversation(since(harness.connector, mark), privateChat.id)),
        /closure\.confirm/,
        'the warning comes below, in the 1:1 chat',
      );
      const toGroup = JSON.stringify(inConversation(since(harness.connector, mark), group.id));
      assert.ok(!toGroup.includes(KIM.upn) && !/warning/i.test(toGroup), toGroup);
    });

    it('answers a refused press with a plain note (no Markdown marks), as Teams shows it', async () => {
      const { mark, privateChat, kim } = await askInGroup();
      const card = oauthCardIn(harness.connector, mark);
      await kim.invoke(
        'signin/tokenExchange',
        exchangeValue(card, await ssoTokenFor(harness.bot.sandbox!.loginBaseUrl, KIM.upn, KIM.password)),
      );
      const beforeWarning = harness.connector.received.length;
      await kim.submits({ action: 'closure.skipExport' });
      const warning = warningMessageIn(since(harness.connector, beforeWarning));
      await mentioning(kimInGroup, 'cancel');
      assert.ok(privateChat.id);

      const answer = await kim.executes(warning.activityId, 'closure.confirm', decisionsOn(warning.content).confirm);

      const note = String((answer.body as { value: unknown }).value);
      assert.match(note, /cancelled/);
      assert.doesNotMatch(note, /\*\*|`/);
    });
  });

  describe('the 1:1 warning card', () => {
    it('shows Yes and No on the card as posted, and a press on it (no refresh run, as the Playground and older clients do) closes', async () => {
      const { mark, privateChat, kim } = await askInGroup();
      const card = oauthCardIn(harness.connector, mark);
      await kim.invoke(
        'signin/tokenExchange',
        exchangeValue(card, await ssoTokenFor(harness.bot.sandbox!.loginBaseUrl, KIM.upn, KIM.password)),
      );
      const beforeWarning = harness.connector.received.length;
      await kim.submits({ action: 'closure.skipExport' });
      const warning = warningMessageIn(since(harness.connector, beforeWarning));
      assert.match(cardText(warning.content), /Closing your account is permanent/);
      const { confirm } = decisionsOn(warning.content);

      const answer = await kim.executes(warning.activityId, 'closure.confirm', confirm);

      assert.equal(answer.status, 200);
      // Nothing is recorded yet when Teams gets its answer: it promises nothing (issue 19).
      assert.match(String((answer.body as { value: unknown }).value), /being checked/);
      const closed = await arrival(
        harness.connector,
        (e) => e.method === 'PUT' && e.id === warning.activityId && /Account closed/.test(cardText(attachmentsIn([e])[0]?.content)),
      );
      assert.equal(closed.conversationId, privateChat.id);
      assert.deepEqual(actionsOf(attachmentsIn([closed])[0].content), []);
    });
  });

  describe('joining', () => {
    function membersAdded(client: TeamsClient, members: Array<{ id: string }>) {
      return client.sends({
        type: 'conversationUpdate',
        membersAdded: members,
        channelData: { tenant: { id: TEAMS_TENANT_ID }, eventType: 'teamMemberAdded' },
      });
    }

    it('says one line pointing to the 1:1 chat when the bot is added to a group chat', async () => {
      const mark = harness.connector.received.length;

      assert.equal((await membersAdded(kimInGroup, [{ id: BOT_TEAMS_ID }])).status, 200);

      const replies = since(harness.connector, mark);
      assert.equal(replies.length, 1);
      assert.match(textsIn(replies), /^Hi, I'm the Account Closure Bot.*private 1:1 chat/);
      assert.equal(attachmentsIn(replies).length, 0);
    });

    it('says nothing when a person joins a group chat the bot is in', async () => {
      const mark = harness.connector.received.length;

      assert.equal((await membersAdded(kimInGroup, [{ id: teamsMember('Lee Gu', TEST_SEED.users[1].id).id }])).status, 200);

      assert.deepEqual(since(harness.connector, mark), []);
    });
  });
});

describe('Teams: the export-ready card', () => {
  let harness: BotHarness;
  beforeEach(async () => {
    // CLOSURE=graph opted into (the default is the hand-off): this suite follows an account the bot closes itself.
    harness = await startHarness({ CLOSURE: 'graph' });
  });
  afterEach(async () => {
    await harness.stop();
  });

  it('is posted once: "Continue to close my account" on it points to it instead of posting it again', async () => {
    const kim = teamsClient(harness.bot.url, harness.connector, teamsMember('Kim Akers', KIM.id), teamsConversation('personal'));
    const mark = harness.connector.received.length;
    await kim.says('close my account');
    const card = oauthCardIn(harness.connector, mark);
    await kim.invoke(
      'signin/tokenExchange',
      exchangeValue(card, await ssoTokenFor(harness.bot.sandbox!.loginBaseUrl, KIM.upn, KIM.password)),
    );
    await kim.submits({ action: 'closure.export' });
    assert.equal(await harness.bot.background.pollExports(), 1);
    const readyCards = () => attachmentsIn(harness.connector.received).filter((a) => /Your data export is ready/.test(cardText(a.content)));
    assert.equal(readyCards().length, 1, 'the poller posted the ready card');
    const beforeContinue = harness.connector.received.length;

    assert.equal(await kim.submits({ action: 'closure.start' }), 200);

    assert.equal(readyCards().length, 1, 'not posted a second time');
    assert.match(
      textsIn(since(harness.connector, beforeContinue)),
      /Your data export is ready: the download link is in the message I sent you when it finished/,
    );
    assert.ok(warningMessageIn(since(harness.connector, beforeContinue)), 'and the flow goes on to the warning');
  });
});
