import { strict as assert } from 'node:assert';
import sinon from 'sinon';
import { FINAL_ANSWER_RETRY_MS, type HandOffCheck } from '../../services/handOff/handOffChecks';
import { createStores } from '../../adapters/storage/createStores';
import { cardActionData, signInThroughChat, startHarness, TEST_SEED, type BotHarness, type ReplyActivity } from '../support/botHarness';
import { openPortal } from '@account-closure-bot/sandbox/testing';
import { buttonsOn } from '../../cards/cardActions';

const KIM = TEST_SEED.users[0];

/** Sign in, skip the export, press Yes: handed off to the sandbox's "My data requests" page. */
async function handOff(harness: BotHarness): Promise<ReplyActivity[]> {
  const kim = harness.user();
  const afterCode = await signInThroughChat(kim, await kim.says('close my account'), KIM.upn, KIM.password);
  const warning = await kim.presses(cardActionData(afterCode, 'closure.skipExport'));
  return kim.presses(cardActionData(warning, 'closure.confirm'));
}

function portalLinkOf(replies: ReplyActivity[]): string {
  const card = replies.flatMap((r) => r.attachments ?? []).find((a) => JSON.stringify(a.content).includes('closure.checkHandOff'));
  const open = (buttonsOn(card?.content) as Array<{ type: string; url?: string }>).find((a) => a.type === 'Action.OpenUrl');
  assert.ok(open?.url, 'the hand-off card links to the portal');
  return open.url;
}

/** The one hand-off check record, as stored. */
async function theCheck(harness: BotHarness): Promise<HandOffCheck> {
  const [check] = await createStores({ kind: 'file', dir: harness.dataDir }).records<HandOffCheck>('handOffChecks').list();
  assert.ok(check, 'a hand-off check is recorded');
  return check.value;
}

function toldClosed(harness: BotHarness): string[] {
  return harness.connector.received
    .map((r) => (typeof r.activity.text === 'string' ? r.activity.text : ''))
    .filter((text) => /is closed/.test(text));
}

describe('a verified hand-off whose final answer cannot be delivered (the connector refuses)', () => {
  let harness: BotHarness;
  let clock: sinon.SinonFakeTimers | undefined;
  beforeEach(async () => {
    harness = await startHarness({ CLOSURE: 'portal', HANDOFF_CHECK_INTERVAL_SECONDS: '0.2' });
    const portal = await openPortal(portalLinkOf(await handOff(harness)));
    await portal.signIn(KIM.upn, KIM.password);
    await portal.closeAccount('yes');
    // The first background check is due one interval after the hand-off.
    await new Promise((resolve) => setTimeout(resolve, 300));
    // 503 with Retry-After: 0 (test/support/connectorStub.ts), as the other refusal tests: the connector client retries
    // at once, where a 502 made it back off about 12 s per check; the bot treats both alike (a send that failed).
    harness.connector.failSends(503);
    assert.equal(await harness.bot.checkHandOffs(), 0, 'checked, but the answer did not go out');
    const check = await theCheck(harness);
    assert.equal(check.state, 'closureVerified');
    assert.equal(check.upn, KIM.upn, 'still held: the answer is still owed');
  });
  afterEach(async () => {
    clock?.restore();
    clock = undefined;
    await harness.stop();
  });

  it('is told on a later pass once the connector answers, and then the UPN and conversation go', async () => {
    harness.connector.failSends(undefined);
    assert.equal(await harness.bot.checkHandOffs(), 1);
    assert.equal(toldClosed(harness).length, 1);
    const check = await theCheck(harness);
    assert.deepEqual([check.upn, check.conversation, check.channelUserId], [undefined, undefined, undefined]);
    assert.equal(await harness.bot.checkHandOffs(), 0, 'nothing owed any more');
  });

  it('drops the UPN and conversation untold once it has tried for a day, instead of keeping them forever', async () => {
    clock = sinon.useFakeTimers({ now: Date.now() + FINAL_ANSWER_RETRY_MS + 60_000, toFake: ['Date'] });
    assert.equal(await harness.bot.checkHandOffs(), 1);
    assert.deepEqual(toldClosed(harness), []);
    const check = await theCheck(harness);
    assert.deepEqual(
      [check.upn, check.conversation, check.channelUserId, check.state],
      [undefined, undefined, undefined, 'closureVerified'],
    );
  });
});
