import { strict as assert } from 'node:assert';
import { cardActionData, signInThroughChat, startHarness, textsOf, TEST_SEED, type BotHarness } from '../support/botHarness';
import type { ConnectorActivity } from '../support/connectorStub';
import {
  actionsOf,
  arrival,
  attachmentsIn,
  cardText,
  teamsClient,
  teamsConversation,
  teamsMember,
  textsIn,
  type TeamsClient,
} from './teamsClient';
import { reachWarning } from './teamsFlow';

/** Issue 19: Kim's account has a warning open in Teams and is closed from the web chat (or the Emulator). */
const KIM = TEST_SEED.users[0];

// CLOSURE=graph opted into (the default is the hand-off): these suites follow an account the bot closes itself;
// the hand-off's own account-wide end is in test/e2e/portalHandOffCheck.test.ts.
describe('a Teams warning whose account is closed from another chat', () => {
  let harness: BotHarness;
  let kim: TeamsClient;
  afterEach(async () => {
    await harness.stop();
  });

  it('turns the card into "Closed from another chat" with no buttons, says so in the chat, and its No never says "kept"', async () => {
    harness = await startHarness({ CLOSURE: 'graph' });
    const chat = teamsConversation('personal');
    kim = teamsClient(harness.bot.url, harness.connector, teamsMember('Kim Akers', KIM.id), chat);
    const warning = await reachWarning(kim, harness.connector, harness.bot.sandbox!.loginBaseUrl, { upn: KIM.upn, password: KIM.password });

    const web = harness.user();
    const afterCode = await signInThroughChat(web, await web.says('close my account'), KIM.upn, KIM.password);
    const webWarning = await web.presses(cardActionData(afterCode, 'closure.skipExport'));
    assert.match(textsOf(await web.presses(cardActionData(webWarning, 'closure.confirm'))), /has been closed/);

    const update = await arrival(
      harness.connector,
      (entry: ConnectorActivity) =>
        entry.method === 'PUT' &&
        entry.id === warning.activityId &&
        /Closed from another chat/.test(cardText(attachmentsIn([entry])[0]?.content)),
    );
    assert.deepEqual(actionsOf(attachmentsIn([update])[0].content), [], 'nothing on it can be pressed');
    assert.doesNotMatch(cardText(attachmentsIn([update])[0].content), /Nothing was closed|Kept/);
    assert.match(textsIn(harness.connector.received.filter((e) => e.conversationId === chat.id)), /closed from another chat/);

    const answer = await kim.executes(warning.activityId, 'closure.decline', warning.decline);
    assert.equal(answer.status, 200);
    assert.match(JSON.stringify(answer.body), /closed from another chat/);
    assert.doesNotMatch(JSON.stringify(answer.body), /kept|Nothing was closed/i);
  });
});
