import { strict as assert } from 'node:assert';
import {
  cardActionData,
  signInThroughChat,
  startHarness,
  textsOf,
  TEST_SEED,
  type BotHarness,
  type ReplyActivity,
} from '../support/botHarness';
import { auditTypes } from '../support/handOffSteps';

// A reply the person never received: the turn ran and its state was saved, but its answer (here the expectReplies body,
// in production a kill or a failed send after the save) did not reach them. The next thing they say must come with a
// card they can press, never "press Sign in on the card above" or "the warning above" with nothing above (issue 19).
// CLOSURE=graph: the bot closes the account itself, so the Yes on the card sent again is seen to close it once.

const KIM = TEST_SEED.users[0];

function cardsOf(replies: ReplyActivity[]): string[] {
  return replies.flatMap((reply) => (reply.attachments ?? []).map((attachment) => attachment.contentType));
}

describe('a reply that never reached the person, over /api/messages', () => {
  let harness: BotHarness;
  beforeEach(async () => {
    harness = await startHarness({ CLOSURE: 'graph' });
  });
  afterEach(async () => {
    await harness.stop();
  });

  it('answers the next message at sign-in with a fresh sign-in card, and signing in with it goes on', async () => {
    const kim = harness.user();
    await kim.says('close my account'); // the sign-in card is lost
    const again = await kim.says('hello?');
    assert.match(textsOf(again), /still waiting for you to sign in\. Here is the sign-in card again/);
    assert.doesNotMatch(textsOf(again), /above/);
    assert.ok(cardsOf(again).includes('application/vnd.microsoft.card.oauth'), 'with a sign-in card');
    const afterCode = await signInThroughChat(kim, again, KIM.upn, KIM.password);
    assert.match(textsOf(afterCode), /signed in as \*\*\u2068Kim Akers\u2069\*\*/);
  });

  it("answers the next message at the warning with the same request's warning, whose Yes closes the account once", async () => {
    const kim = harness.user();
    const afterCode = await signInThroughChat(kim, await kim.says('close my account'), KIM.upn, KIM.password);
    await kim.presses(cardActionData(afterCode, 'closure.skipExport')); // the warning is lost
    const again = await kim.says('hi, is anything happening?');
    assert.match(textsOf(again), /Typing doesn't close your account\. Here is the warning again/);
    const yes = cardActionData(again, 'closure.confirm');
    assert.match(textsOf(await kim.presses(yes)), /Your account \*\*\u2068kim@tailspin\.example\u2069\*\* has been closed/);
    assert.deepEqual(
      (await auditTypes(harness)).slice(-6),
      ['exportSkipped', 'warningShown', 'confirmed', 'realmChecked:recheck:unmanaged', 'closing', 'closed'],
      'one request: shown once on the audit, confirmed and closed once',
    );
    assert.match(textsOf(await kim.presses(yes)), /already been closed/);
  });

  it('answers "help" at a lost warning with the warning below it, and its No keeps the account', async () => {
    const kim = harness.user();
    const afterCode = await signInThroughChat(kim, await kim.says('close my account'), KIM.upn, KIM.password);
    await kim.presses(cardActionData(afterCode, 'closure.skipExport')); // the warning is lost
    const help = await kim.says('help');
    assert.match(textsOf(help), /the warning below is waiting for your decision/);
    assert.match(textsOf(await kim.presses(cardActionData(help, 'closure.decline'))), /kept/);
    assert.deepEqual((await auditTypes(harness)).slice(-2), ['warningShown', 'declined']);
  });

  it('keeps the first warning valid when it did arrive after all: either card closes, once', async () => {
    const kim = harness.user();
    const afterCode = await signInThroughChat(kim, await kim.says('close my account'), KIM.upn, KIM.password);
    const first = await kim.presses(cardActionData(afterCode, 'closure.skipExport'));
    const again = await kim.says('close my account');
    assert.match(textsOf(again), /The warning is still waiting for your answer, so here it is again/);
    assert.notEqual(cardActionData(again, 'closure.confirm').nonce, cardActionData(first, 'closure.confirm').nonce);
    assert.equal(cardActionData(again, 'closure.confirm').requestId, cardActionData(first, 'closure.confirm').requestId);
    assert.match(textsOf(await kim.presses(cardActionData(first, 'closure.confirm'))), /has been closed/);
    assert.match(textsOf(await kim.presses(cardActionData(again, 'closure.confirm'))), /already been closed/);
    assert.equal((await auditTypes(harness)).filter((type) => type === 'closed').length, 1);
  });
});
