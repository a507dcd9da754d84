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

// CLOSURE=graph is opted into here (the default is the hand-off): this suite is about the bot closing the account
// itself, and the test seed's unmanaged tenant holds the app's rights, as the demo's "Contoso Graph-rights demo" does.

const KIM = TEST_SEED.users[0];

function cardTexts(replies: ReplyActivity[]): string {
  return JSON.stringify(replies.flatMap((r) => r.attachments ?? []));
}

/** The activity's locale picks the language, for every message and card of the conversation (issue 12). */
describe('a conversation with locale de-DE over /api/messages', () => {
  let harness: BotHarness;
  beforeEach(async () => {
    harness = await startHarness({ CLOSURE: 'graph' });
  });
  afterEach(async () => {
    await harness.stop();
  });

  it('closes the account in German: sign-in card, signed-in message, export offer, warning and confirmation', async () => {
    const kim = harness.user();
    const german = (activity: Record<string, unknown>) => kim.send({ locale: 'de-DE', ...activity });
    const replies = async (activity: Record<string, unknown>) => {
      const { status, body } = await german(activity);
      assert.equal(status, 200);
      return ((body as { activities?: ReplyActivity[] }).activities ?? []).filter((a) => a.type === 'message');
    };
    const signInCard = await replies({ type: 'message', text: 'Konto schließen' });
    assert.match(cardTexts(signInCard), /Melden Sie sich mit dem Geschäfts-, Schul- oder Unikonto an/);
    const afterCode = await signInThroughChat(
      { ...kim, says: (text) => replies({ type: 'message', text }) },
      signInCard,
      KIM.upn,
      KIM.password,
    );
    assert.match(textsOf(afterCode), /Sie sind angemeldet als \*\*\u2068Kim Akers\u2069\*\*/);
    assert.match(cardTexts(afterCode), /Zuerst Ihre Daten exportieren\?/);
    const warning = await replies({ type: 'message', value: cardActionData(afterCode, 'closure.skipExport') });
    assert.match(cardTexts(warning), /Das Schließen Ihres Kontos ist endgültig/);
    assert.match(cardTexts(warning), /Ja, mein Konto schließen/);
    const closed = await replies({ type: 'message', value: cardActionData(warning, 'closure.confirm') });
    assert.match(textsOf(closed), /Ihr Konto \*\*\u2068kim@tailspin\.example\u2069\*\* wurde geschlossen\. Anfrage-ID: `cr_[0-9a-f]{32}`/);
  });

  it('understands the German words the messages teach: Hilfe, Abbrechen, Abmelden', async () => {
    const kim = harness.user();
    const say = async (text: string) =>
      textsOf(((await kim.send({ locale: 'de-DE', type: 'message', text })).body as { activities?: ReplyActivity[] }).activities ?? []);
    assert.match(await say('Hilfe'), /Ich helfe Mitgliedern/);
    await say('Konto schließen');
    assert.match(await say('Abbrechen'), /Abgebrochen\. Es wurde nichts geschlossen/);
    assert.match(await say('Abmelden'), /Sie sind abgemeldet/);
  });
});
