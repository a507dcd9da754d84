import { strict as assert } from 'node:assert';
import { startHarness, TEST_SEED, type BotHarness } from '../support/botHarness';
import { openPortal } from '@account-closure-bot/sandbox/testing';
import {
  actionsOf,
  arrival,
  attachmentsIn,
  cardText,
  teamsClient,
  teamsConversation,
  teamsMember,
  type InvokeAnswer,
  type TeamsClient,
} from './teamsClient';
import { reachWarning } from './teamsFlow';
import { buttonsOn } from '../../cards/cardActions';

const KIM = TEST_SEED.users[0];

function cardAnswerOf(answer: InvokeAnswer): { type: string; value: unknown } {
  assert.equal(answer.status, 200, `invoke answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body as { type: string; value: unknown };
}

/** Issue 18: in Teams, the hand-off's verdict replaces every card of the request, and nothing on them acts. */
describe('Teams: the hand-off (the default path) and its verified verdict on every card', () => {
  let harness: BotHarness;
  let kim: TeamsClient;
  beforeEach(async () => {
    harness = await startHarness();
    kim = teamsClient(harness.bot.url, harness.connector, teamsMember('Kim Akers', KIM.id), teamsConversation('personal'));
  });
  afterEach(async () => {
    await harness.stop();
  });

  it('says Continue prepares the steps, then shows "closed (checked)" on the warning and the hand-off card, with no buttons', async () => {
    const warning = await reachWarning(kim, harness.connector, harness.bot.sandbox!.loginBaseUrl, { upn: KIM.upn, password: KIM.password });
    const pressed = cardAnswerOf(await kim.executes(warning.activityId, 'closure.confirm', warning.confirm));
    // The invoke answer promises nothing the record does not hold yet (issue 19); the card changes once it does.
    assert.equal(pressed.type, 'application/vnd.microsoft.activity.message');
    assert.match(String(pressed.value), /being checked/);
    assert.doesNotMatch(String(pressed.value), /Closing your account…|I'm closing the account now/);
    const preparing = await arrival(harness.connector, (e) => e.method === 'PUT' && e.id === warning.activityId);
    assert.match(
      cardText(attachmentsIn([preparing])[0]?.content),
      /Preparing the steps…[\s\S]*This closes nothing|Finish on Microsoft's page/,
    );

    const handOff = await arrival(
      harness.connector,
      (e) => e.method === 'POST' && JSON.stringify(e.activity).includes('closure.checkHandOff'),
    );
    const buttons = buttonsOn(attachmentsIn([handOff])[0].content) as Array<{ type: string; url?: string; data?: Record<string, string> }>;
    const portalUrl = buttons.find((a) => a.type === 'Action.OpenUrl')?.url ?? '';
    const check = buttons.find((a) => a.type === 'Action.Submit')?.data ?? {};
    await arrival(
      harness.connector,
      (e) =>
        e.method === 'PUT' && e.id === warning.activityId && /Finish on Microsoft's page/.test(cardText(attachmentsIn([e])[0]?.content)),
    );

    const portal = await openPortal(portalUrl);
    await portal.signIn(KIM.upn, KIM.password);
    assert.match(await portal.closeAccount('yes'), /has been closed/);
    const mark = harness.connector.received.length;
    assert.equal(await kim.submits(check), 200);

    for (const activityId of [warning.activityId, handOff.id]) {
      const update = await arrival(
        harness.connector,
        (e) => harness.connector.received.indexOf(e) >= mark && e.method === 'PUT' && e.id === activityId,
      );
      const content = attachmentsIn([update])[0].content;
      assert.match(cardText(content), /Account closed \(checked\)[\s\S]*no longer knows this account/, activityId);
      assert.deepEqual(actionsOf(content), [], 'nothing on it acts');
    }
    const told = harness.connector.received
      .slice(mark)
      .map((e) => (typeof e.activity.text === 'string' ? e.activity.text : ''))
      .join('\n');
    assert.match(told, /is closed: Microsoft's directory no longer knows it/);

    // The requester's client refreshing the old warning card, and an old Yes pressed on a client that kept it.
    const refreshed = cardAnswerOf(await kim.executes(warning.activityId, 'closure.refresh', warning.refresh, 'automatic'));
    assert.match(cardText(refreshed.value), /Account closed \(checked\)/);
    assert.deepEqual(actionsOf(refreshed.value), []);
    const oldYes = cardAnswerOf(await kim.executes(warning.activityId, 'closure.confirm', warning.confirm));
    assert.equal(oldYes.type, 'application/vnd.microsoft.activity.message');
    assert.match(String(oldYes.value), /your account is confirmed closed/);
  });
});
