import { strict as assert } from 'node:assert';
import sinon from 'sinon';
import { startHarness, TEST_SEED, type BotHarness } from '../support/botHarness';
import type { ConnectorActivity } from '../support/connectorStub';
import {
  actionsOf,
  arrival,
  attachmentsIn,
  cardText,
  since,
  teamsClient,
  teamsConversation,
  teamsMember,
  textsIn,
  type InvokeAnswer,
  type TeamsClient,
  type TeamsConversation,
} from './teamsClient';
import { exchangeValue, oauthCardIn, reachWarning, ssoTokenFor } from './teamsFlow';

const KIM = TEST_SEED.users[0];
const LEE = TEST_SEED.users[1];

interface CardAnswer {
  statusCode: number;
  type: string;
  value: unknown;
}

function answerOf(answer: InvokeAnswer): CardAnswer {
  assert.equal(answer.status, 200, `invoke answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body as CardAnswer;
}

function isUpdateOf(activityId: string, pattern: RegExp) {
  return (entry: ConnectorActivity) =>
    entry.method === 'PUT' && entry.id === activityId && pattern.test(cardText(attachmentsIn([entry])[0]?.content));
}

describe('Teams Universal Actions on the warning card', () => {
  let harness: BotHarness;
  let chat: TeamsConversation;
  let kim: TeamsClient;
  let lee: TeamsClient;

  async function graphUserStatus(userId: string, tenantId: string): Promise<number> {
    const sandbox = harness.bot.sandbox!;
    const token = (await sandbox.appCredential.getToken('https://graph.microsoft.com/.default', { tenantId }))!.token;
    return (await fetch(`${sandbox.graphBaseUrl}/v1.0/users/${userId}`, { headers: { authorization: `Bearer ${token}` } })).status;
  }

  const warningOfKim = () =>
    reachWarning(kim, harness.connector, harness.bot.sandbox!.loginBaseUrl, { upn: KIM.upn, password: KIM.password });

  beforeEach(async () => {
    // CLOSURE=graph opted into (the default is the hand-off): this suite follows an account the bot closes itself.
    harness = await startHarness({ CLOSURE: 'graph' });
    // The flow runs in the requester's 1:1 chat (a group chat moves there: test/teams/groupChat.test.ts). Lee posts
    // into it too, as a stand-in for any other Teams user: the checks must hold whoever sends the invoke.
    chat = teamsConversation('personal');
    kim = teamsClient(harness.bot.url, harness.connector, teamsMember('Kim Akers', KIM.id), chat);
    lee = teamsClient(harness.bot.url, harness.connector, teamsMember('Lee Gu', LEE.id), chat);
  });
  afterEach(async () => {
    await harness.stop();
  });

  describe('refresh', () => {
    it('gives the requester the warning card with Yes and No, addressed by refresh.userIds to their Teams id', async () => {
      const warning = await warningOfKim();
      const sent = attachmentsIn(harness.connector.received.filter((e) => e.id === warning.activityId))[0].content as {
        refresh: { userIds: string[] };
      };
      assert.deepEqual(sent.refresh.userIds, [kim.member.id]);

      const answer = answerOf(await kim.executes(warning.activityId, 'closure.refresh', warning.refresh, 'automatic'));

      assert.equal(answer.type, 'application/vnd.microsoft.card.adaptive');
      assert.match(cardText(answer.value), /Closing your account is permanent/);
      assert.ok(actionsOf(answer.value).filter((a) => a === 'Action.Execute').length >= 2, "Yes and No are on the requester's view");
      assert.match(JSON.stringify(answer.value), new RegExp(warning.confirm.nonce), "the buttons carry the card's own nonce");
    });

    it('shows any other Teams user "waiting for Kim Akers to confirm", with no buttons', async () => {
      const warning = await warningOfKim();

      const answer = answerOf(await lee.executes(warning.activityId, 'closure.refresh', warning.refresh));

      assert.equal(answer.type, 'application/vnd.microsoft.card.adaptive');
      assert.match(cardText(answer.value), /Waiting for \u2068Kim Akers\u2069 to confirm/);
      assert.deepEqual(actionsOf(answer.value), []);
    });
  });

  describe('Yes', () => {
    it('answers at once without claiming anything is closing, then closes, updates the card to closed with the request id and time, and says so', async () => {
      const warning = await warningOfKim();

      const answer = answerOf(await kim.executes(warning.activityId, 'closure.confirm', warning.confirm));

      // Nothing is recorded when Teams gets its answer: no "I'm closing the account now" card (issue 19).
      assert.equal(answer.type, 'application/vnd.microsoft.activity.message');
      assert.match(String(answer.value), /being checked\. This card changes once it is recorded/);
      const update = await arrival(harness.connector, isUpdateOf(warning.activityId, /Account closed/));
      assert.match(
        cardText(attachmentsIn([update])[0].content),
        new RegExp(`Closed:\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC.*Request ID:\\s+${warning.confirm.requestId}`),
      );
      assert.deepEqual(actionsOf(attachmentsIn([update])[0].content), []);
      assert.equal(update.path, `/v3/conversations/${encodeURIComponent(chat.id)}/activities/${warning.activityId}`);
      const told = await arrival(harness.connector, (e) => e.method === 'POST' && /has been closed/.test(String(e.activity.text)));
      assert.match(String(told.activity.text), new RegExp(warning.confirm.requestId));
      assert.equal(await graphUserStatus(KIM.id, KIM.tenantId), 404, 'the account is gone');
    });

    it('does not wait for the re-sign-in check or the closing before answering', async () => {
      const warning = await warningOfKim();
      // The silent re-sign-in is the first call of the long work; while it hangs, nothing after it can happen.
      harness.bot.sandbox!.faults.inject({ method: 'GET', path: /\/botframework\/api\/usertoken\/GetToken$/, respond: 'hang' });

      const answer = answerOf(await kim.executes(warning.activityId, 'closure.confirm', warning.confirm));

      // The token service cannot say whether a new sign-in is needed: the card stays, the chat tells the rest.
      assert.equal(answer.type, 'application/vnd.microsoft.activity.message');
      assert.match(String(answer.value), /being checked/);
      assert.equal(await graphUserStatus(KIM.id, KIM.tenantId), 200, 'nothing has been closed yet');
      // Stopping the sandbox ends the hung call, so the bot's shutdown need not wait out its grace period.
      await harness.bot.sandbox!.stop();
    });

    it('says a new sign-in is needed first, leaves the card as it is for everyone, and closes once signed in again', async () => {
      const warning = await warningOfKim();
      const query = new URLSearchParams({ userId: kim.member.id });
      assert.equal(
        (await fetch(`${harness.bot.sandbox!.tokenServiceUrl}/api/usertoken/SignOut?${query}`, { method: 'DELETE' })).status,
        200,
      );
      const mark = harness.connector.received.length;

      const answer = answerOf(await kim.executes(warning.activityId, 'closure.confirm', warning.confirm));
      assert.equal(answer.type, 'application/vnd.microsoft.activity.message', 'no "Closing your account…" card before the sign-in');
      assert.match(String(answer.value), /sign in again to confirm/);

      // The press is carried out after the answer: the chat gets the reason, then the sign-in card.
      await arrival(
        harness.connector,
        (e) =>
          harness.connector.received.indexOf(e) >= mark &&
          attachmentsIn([e]).some((a) => a.contentType === 'application/vnd.microsoft.card.oauth'),
      );
      const card = oauthCardIn(harness.connector, mark);
      assert.match(textsIn(since(harness.connector, mark)), /sign in again to confirm/);
      assert.ok(!since(harness.connector, mark).some((e) => e.method === 'PUT'), 'the card is not touched while the sign-in is pending');
      assert.equal(await graphUserStatus(KIM.id, KIM.tenantId), 200, 'nothing is closed without the fresh sign-in');
      const signedIn = await kim.invoke(
        'signin/tokenExchange',
        exchangeValue(card, await ssoTokenFor(harness.bot.sandbox!.loginBaseUrl, KIM.upn, KIM.password)),
      );
      assert.equal(signedIn.status, 200);
      await arrival(harness.connector, isUpdateOf(warning.activityId, /Account closed/));
      assert.equal(await graphUserStatus(KIM.id, KIM.tenantId), 404);
    });

    it("refuses another Teams user pressing someone else's Yes with a message, and changes nothing", async () => {
      const warning = await warningOfKim();
      const mark = harness.connector.received.length;

      const answer = answerOf(await lee.executes(warning.activityId, 'closure.confirm', warning.confirm));

      assert.deepEqual(answer, {
        statusCode: 200,
        type: 'application/vnd.microsoft.activity.message',
        value: 'Only the person who asked to close this account can answer that card. Nothing has been changed.',
      });
      assert.deepEqual(since(harness.connector, mark), [], 'no card update, no message');
      assert.equal(await graphUserStatus(KIM.id, KIM.tenantId), 200);
      const stillKims = answerOf(await kim.executes(warning.activityId, 'closure.refresh', warning.refresh, 'automatic'));
      assert.ok(actionsOf(stillKims.value).includes('Action.Execute'), 'the requester can still decide');
    });

    it('refuses a second Yes on the closed account\'s card with "already closed"', async () => {
      const warning = await warningOfKim();
      answerOf(await kim.executes(warning.activityId, 'closure.confirm', warning.confirm));
      await arrival(harness.connector, isUpdateOf(warning.activityId, /Account closed/));

      const again = answerOf(await kim.executes(warning.activityId, 'closure.confirm', warning.confirm));

      assert.equal(again.type, 'application/vnd.microsoft.activity.message');
      assert.match(String(again.value), /already been closed/);
    });
  });

  describe('No and cancel', () => {
    it('answers No without claiming "Kept" before it is recorded, then updates the card to kept for everyone and says so; the Yes no longer counts', async () => {
      const warning = await warningOfKim();

      const answer = answerOf(await kim.executes(warning.activityId, 'closure.decline', warning.decline));

      assert.equal(answer.type, 'application/vnd.microsoft.activity.message');
      assert.match(String(answer.value), /being checked/);
      await arrival(harness.connector, isUpdateOf(warning.activityId, /^Kept/));
      await arrival(harness.connector, (e) => e.method === 'POST' && /has been kept/.test(String(e.activity.text)));
      const late = answerOf(await kim.executes(warning.activityId, 'closure.confirm', warning.confirm));
      assert.match(String(late.value), /cancelled/);
      assert.equal(await graphUserStatus(KIM.id, KIM.tenantId), 200);
    });

    it('updates the card to "Kept" when No arrives through the Action.Submit fallback (older clients)', async () => {
      const warning = await warningOfKim();
      const mark = harness.connector.received.length;

      assert.equal(await kim.submits(warning.decline), 200);

      assert.ok(since(harness.connector, mark).some(isUpdateOf(warning.activityId, /^Kept/)), 'the card shows kept, not cancelled');
      assert.match(textsIn(since(harness.connector, mark)), /has been kept/);
    });

    it('updates the card to "Cancelled" when the requester types cancel', async () => {
      const warning = await warningOfKim();
      const mark = harness.connector.received.length;

      await kim.says('cancel');

      const after = since(harness.connector, mark);
      assert.match(textsIn(after), /Cancelled\. Nothing has been closed/);
      const update = after.find(isUpdateOf(warning.activityId, /^Cancelled/));
      assert.ok(update, 'the card shows its final state');
      assert.deepEqual(actionsOf(attachmentsIn([update])[0].content), []);
    });
  });

  describe('expiry', () => {
    let clock: sinon.SinonFakeTimers | undefined;
    afterEach(() => clock?.restore());

    it('refuses a Yes pressed after the warning expired, and the card shows "Expired" for everyone and on refresh', async () => {
      const warning = await warningOfKim();
      const mark = harness.connector.received.length;
      // Only the date moves (past the default 600 s validity); timers and sockets run as usual.
      clock = sinon.useFakeTimers({ now: Date.now() + 601_000, toFake: ['Date'] });

      const answer = answerOf(await kim.executes(warning.activityId, 'closure.confirm', warning.confirm));

      assert.equal(answer.type, 'application/vnd.microsoft.activity.message');
      assert.match(String(answer.value), /That warning has expired/);
      assert.ok(since(harness.connector, mark).some(isUpdateOf(warning.activityId, /^Expired/)), 'the card was updated');
      const refreshed = answerOf(await kim.executes(warning.activityId, 'closure.refresh', warning.refresh, 'automatic'));
      assert.match(cardText(refreshed.value), /^Expired/);
      assert.deepEqual(actionsOf(refreshed.value), []);
      assert.equal(await graphUserStatus(KIM.id, KIM.tenantId), 200);

      const again = harness.connector.received.length;
      await kim.says('close my account');
      await arrival(
        harness.connector,
        (e) => harness.connector.received.indexOf(e) >= again && /signed in as/.test(String(e.activity.text)),
      );
      assert.doesNotMatch(
        textsIn(since(harness.connector, again)),
        /Typing doesn't close|press \*\*Yes/,
        'the refused warning no longer waits',
      );
    });
  });

  describe('expiry with nobody pressing', () => {
    let clock: sinon.SinonFakeTimers | undefined;
    afterEach(() => clock?.restore());

    it('turns the card into "Expired" for everyone when the sweep finds the warning overdue', async () => {
      const warning = await warningOfKim();
      const mark = harness.connector.received.length;
      clock = sinon.useFakeTimers({ now: Date.now() + 601_000, toFake: ['Date'] });

      assert.equal(await harness.bot.background.expireWarnings(), 1);

      assert.ok(since(harness.connector, mark).some(isUpdateOf(warning.activityId, /^Expired/)), 'the card was updated');
      const answer = answerOf(await kim.executes(warning.activityId, 'closure.confirm', warning.confirm));
      assert.match(String(answer.value), /That warning has expired/);
      assert.equal(await harness.bot.background.expireWarnings(), 0);

      const again = harness.connector.received.length;
      await kim.says('close my account');
      await arrival(
        harness.connector,
        (e) => harness.connector.received.indexOf(e) >= again && /signed in as/.test(String(e.activity.text)),
      );
      assert.doesNotMatch(
        textsIn(since(harness.connector, again)),
        /Typing doesn't close|press \*\*Yes/,
        'the expired warning no longer waits',
      );
    });
  });

  describe('a connector that answers 202 with no message id', () => {
    it("sends the card's final state as a new message when the card cannot be updated by id", async () => {
      harness.connector.answerWithoutIds(true);
      const warning = await warningOfKim();
      const cardMessage = harness.connector.received.find((e) => e.id === warning.activityId);
      assert.ok(cardMessage && !cardMessage.activity.text, 'the card travels in an activity of its own, its text in another');
      const mark = harness.connector.received.length;

      await kim.says('cancel');

      const fresh = await arrival(
        harness.connector,
        (e) =>
          harness.connector.received.indexOf(e) >= mark &&
          e.method === 'POST' &&
          /^Cancelled/.test(cardText(attachmentsIn([e])[0]?.content)),
      );
      assert.deepEqual(actionsOf(attachmentsIn([fresh])[0].content), [], 'no buttons on the ended card');
    });
  });

  describe('presses the bot cannot use', () => {
    it("answers an action that is not one of the bot's with a 400 error response", async () => {
      const answer = await kim.executes('some-card', 'closure.somethingElse', { action: 'closure.somethingElse' });

      assert.equal(answer.status, 400);
      assert.deepEqual(answer.body, {
        statusCode: 400,
        type: 'application/vnd.microsoft.error',
        value: { code: 'BadRequest', message: "That is not one of this bot's card actions." },
      });
    });

    it('answers a refresh of a card whose request does not exist with a card saying it is no longer valid', async () => {
      const answer = answerOf(
        await kim.executes('some-card', 'closure.refresh', {
          action: 'closure.refresh',
          requestId: 'cr_00000000000000000000000000000000',
          nonce: 'x',
        }),
      );

      assert.match(cardText(answer.value), /No longer valid/);
    });
  });
});
