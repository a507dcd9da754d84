import { strict as assert } from 'node:assert';
import { magicCodeOf, startHarness, submitSignInPage, TEST_SEED, type BotHarness } from '../support/botHarness';
import { attachmentsIn, since, teamsClient, teamsConversation, teamsMember, textsIn, type TeamsClient } from './teamsClient';
import { exchangesLogged, exchangeValue, oauthCardIn, ssoTokenFor } from './teamsFlow';

const KIM = { ...TEST_SEED.users[0], upn: TEST_SEED.users[0].upn };

describe('Teams sign-in', () => {
  let harness: BotHarness;
  let kim: TeamsClient;
  beforeEach(async () => {
    harness = await startHarness();
    kim = teamsClient(harness.bot.url, harness.connector, teamsMember('Kim Akers', KIM.id), teamsConversation('personal'));
  });
  afterEach(async () => {
    await harness.stop();
  });

  const loginBaseUrl = () => harness.bot.sandbox!.loginBaseUrl;

  describe('single sign-on through signin/tokenExchange', () => {
    it('signs the user in silently: the exchange answers 200 with its id and the conversation goes on with no second sign-in card', async () => {
      const mark = harness.connector.received.length;
      await kim.says('close my account');
      const card = oauthCardIn(harness.connector, mark);
      const afterCard = harness.connector.received.length;

      const answer = await kim.invoke(
        'signin/tokenExchange',
        exchangeValue(card, await ssoTokenFor(loginBaseUrl(), KIM.upn, KIM.password)),
      );

      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body, { id: card.exchangeId, connectionName: card.connectionName, failureDetail: null });
      const next = since(harness.connector, afterCard);
      assert.match(textsIn(next), /signed in as \*\*\u2068Kim Akers\u2069\*\* \(\u2068kim@tailspin\.example\u2069\)/);
      assert.ok(!attachmentsIn(next).some((a) => a.contentType === 'application/vnd.microsoft.card.oauth'), 'no sign-in card after SSO');
      assert.ok(
        next.every(
          (entry) => entry.method === 'POST' && entry.path.endsWith(`/activities/${encodeURIComponent(String(entry.activity.replyToId))}`),
        ),
        'replies thread under the invoke',
      );
    });

    it('answers a token that cannot be exchanged with 412 so Teams shows the sign-in card, and the card then signs in through signin/verifyState', async () => {
      const mark = harness.connector.received.length;
      await kim.says('close my account');
      const card = oauthCardIn(harness.connector, mark);

      const refused = await kim.invoke('signin/tokenExchange', exchangeValue(card, 'not-a-token-the-sandbox-issued'));
      assert.equal(refused.status, 412);
      assert.deepEqual(refused.body, {
        id: card.exchangeId,
        connectionName: card.connectionName,
        failureDetail: 'The bot is unable to exchange token. Proceed with regular login.',
      });

      // Teams' fallback: the user presses the card's sign-in button, signs in, and Teams sends the code as verifyState.
      const code = magicCodeOf(await submitSignInPage(card.signInLink, KIM.upn, KIM.password));
      const beforeVerify = harness.connector.received.length;
      const verified = await kim.invoke('signin/verifyState', { state: code });
      assert.equal(verified.status, 200);
      assert.match(textsIn(since(harness.connector, beforeVerify)), /signed in as \*\*\u2068Kim Akers\u2069\*\*/);
    });

    it('refuses an SSO token of a closed account like any token it cannot exchange', async () => {
      const token = await ssoTokenFor(loginBaseUrl(), KIM.upn, KIM.password);
      const appToken = (await harness.bot.sandbox!.appCredential.getToken('https://graph.microsoft.com/.default', {
        tenantId: KIM.tenantId,
      }))!.token;
      const deleted = await fetch(`${harness.bot.sandbox!.graphBaseUrl}/v1.0/users/${KIM.id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${appToken}` },
      });
      assert.equal(deleted.status, 204);
      const mark = harness.connector.received.length;
      await kim.says('close my account');
      const answer = await kim.invoke('signin/tokenExchange', exchangeValue(oauthCardIn(harness.connector, mark), token));
      assert.equal(answer.status, 412);
    });
  });

  describe('duplicate exchanges, as Teams sends one per signed-in client', () => {
    it('lets one of two concurrent exchanges with the same id reach the dialog; the other is answered 200 and dropped', async () => {
      const mark = harness.connector.received.length;
      await kim.says('close my account');
      const card = oauthCardIn(harness.connector, mark);
      const token = await ssoTokenFor(loginBaseUrl(), KIM.upn, KIM.password);
      const afterCard = harness.connector.received.length;

      const answers = await Promise.all([
        kim.invoke('signin/tokenExchange', exchangeValue(card, token)),
        kim.invoke('signin/tokenExchange', exchangeValue(card, token)),
      ]);

      assert.deepEqual(
        answers.map((a) => a.status),
        [200, 200],
      );
      assert.equal(answers.filter((a) => a.body === undefined).length, 1, 'the duplicate gets an empty 200');
      assert.equal((textsIn(since(harness.connector, afterCard)).match(/signed in as/g) ?? []).length, 1, 'the dialog ran once');
      // The middleware exchanges each invoke before it dedupes (so each caller learns of a failure), and the
      // OAuthPrompt exchanges again for the one that goes on: 2 + 1 calls reached the token service.
      assert.equal(exchangesLogged(harness.logs), 3);
    });
  });

  describe('sign-in invokes with no sign-in waiting', () => {
    it('answers signin/verifyState 200, never 501, and starts nothing', async () => {
      const mark = harness.connector.received.length;
      const answer = await kim.invoke('signin/verifyState', { state: '123456' });
      assert.equal(answer.status, 200);
      assert.deepEqual(since(harness.connector, mark), []);
    });

    it('answers signin/tokenExchange of an old OAuth card 200 once exchanged, never 501, and starts nothing', async () => {
      const token = await ssoTokenFor(loginBaseUrl(), KIM.upn, KIM.password);
      const mark = harness.connector.received.length;
      const answer = await kim.invoke('signin/tokenExchange', { id: 'stray-exchange', connectionName: 'GraphConnection', token });
      assert.equal(answer.status, 200);
      assert.deepEqual(since(harness.connector, mark), []);
    });
  });
});
