import { strict as assert } from 'node:assert';
import { inLanguageOf, t } from '../../locales/i18n';
import {
  cardActionData,
  signInThroughChat,
  startHarness,
  textsOf,
  TEST_SEED,
  type BotHarness,
  type ChatUser,
  type ReplyActivity,
} from '../support/botHarness';
import { handOffCard, portalLinkOf } from '../support/handOffSteps';
import { openPortal } from '@account-closure-bot/sandbox/testing';

const KIM = TEST_SEED.users[0];
/** What an old button must never say once the account is closed. */
const CONTRADICTIONS = /Nothing has been changed|step is over|start again/;

/** Signs Kim in through the chat and returns her, with the replies that hold the export offer. */
async function toExportOffer(harness: BotHarness, channelId?: string): Promise<{ kim: ChatUser; offer: ReplyActivity[] }> {
  const kim = harness.user(channelId ? { channelId } : {});
  const offer = await signInThroughChat(kim, await kim.says('close my account'), KIM.upn, KIM.password);
  return { kim, offer };
}

// Web Chat and the Emulator cannot update a sent card (no refresh there), so its buttons stay pressable after the
// request has ended; each press arrives over /api/messages as the card's Action.Submit data.
describe("a finished request's old cards, pressed in Web Chat and the Emulator (/api/messages)", () => {
  let harness: BotHarness;
  afterEach(async () => {
    await harness.stop();
  });

  for (const channelId of ['emulator', 'webchat']) {
    it(`answers the export offer's buttons with "your account has been closed" after the bot closed it (${channelId})`, async () => {
      harness = await startHarness({ CLOSURE: 'graph' });
      const { kim, offer } = await toExportOffer(harness, channelId);
      const warning = await kim.presses(cardActionData(offer, 'closure.skipExport'));
      assert.match(textsOf(await kim.presses(cardActionData(warning, 'closure.confirm'))), /has been closed/);

      for (const action of ['closure.export', 'closure.skipExport']) {
        const answer = textsOf(await kim.presses(cardActionData(offer, action)));
        assert.equal(
          answer,
          inLanguageOf('en', () => t('handOffNotes.cardClosed')),
          `${action} answers with the outcome`,
        );
        assert.doesNotMatch(answer, CONTRADICTIONS);
      }
      assert.doesNotMatch(textsOf(await kim.presses(cardActionData(warning, 'closure.confirm'))), CONTRADICTIONS);
    });
  }

  it("answers the export offer's buttons with the verified closure after a hand-off (CLOSURE=portal)", async () => {
    harness = await startHarness({ CLOSURE: 'portal' });
    const { kim, offer } = await toExportOffer(harness, 'webchat');
    const warning = await kim.presses(cardActionData(offer, 'closure.skipExport'));
    const steps = await kim.presses(cardActionData(warning, 'closure.confirm'));
    const check = cardActionData([{ attachments: [{ content: handOffCard(steps) }] }], 'closure.checkHandOff');
    // Before anything is closed the old button says only that its step is over: that is still true.
    assert.match(textsOf(await kim.presses(cardActionData(offer, 'closure.export'))), /step is over/);

    const portal = await openPortal(portalLinkOf(handOffCard(steps)));
    await portal.signIn(KIM.upn, KIM.password);
    await portal.closeAccount('yes');
    assert.match(textsOf(await kim.presses(check)), /is closed/);

    const answer = textsOf(await kim.presses(cardActionData(offer, 'closure.export')));
    assert.equal(
      answer,
      inLanguageOf('en', () => t('handOffNotes.cardVerified')),
    );
    assert.doesNotMatch(answer, CONTRADICTIONS);
  });

  it('still says only "that step is over" when the request ended without closing anything (No, keep it)', async () => {
    harness = await startHarness({ CLOSURE: 'graph' });
    const { kim, offer } = await toExportOffer(harness);
    const warning = await kim.presses(cardActionData(offer, 'closure.skipExport'));
    await kim.presses(cardActionData(warning, 'closure.decline'));
    assert.match(textsOf(await kim.presses(cardActionData(offer, 'closure.export'))), /step is over[\s\S]*Nothing has been changed/);
  });
});
