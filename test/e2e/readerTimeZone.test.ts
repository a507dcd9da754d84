import { strict as assert } from 'node:assert';
import { finalCard } from '../../bot/teams/cards';
import { inLanguageOf } from '../../locales/i18n';
import {
  cardActionData,
  signInThroughChat,
  startHarness,
  textsOf,
  TEST_SEED,
  type BotHarness,
  type ReplyActivity,
} from '../support/botHarness';
import { CLOSED_REQUEST } from '../cards/cardData';

// CLOSURE=graph is opted into here (the default is the hand-off): this suite is about the bot closing the account
// itself, and the test seed's unmanaged tenant holds the app's rights, as the demo's "Contoso Graph-rights demo" does.

const KIM = TEST_SEED.users[0];

/** "1. Dez. 2026, 19:04" for `at` in `zone` and `language`: the date and time the bot shows before the zone's name. */
function shownIn(zone: string, at: Date, language: string): string {
  return new Intl.DateTimeFormat(language, {
    timeZone: zone,
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }).format(at);
}

/** The minutes from `from` to `to`, each as shown in `zone`: the time the bot shows must be one of them. */
function minutesShown(zone: string, from: Date, to: Date, language: string): string[] {
  const shown: string[] = [];
  for (let at = Math.floor(from.getTime() / 60_000) * 60_000; at <= to.getTime(); at += 60_000)
    shown.push(shownIn(zone, new Date(at), language));
  return shown;
}

/** Issue 12: the closed message in the reader's zone and language, in their turn and when told later by the reconciler. */
describe("the closed message in the reader's time zone and language", () => {
  let harness: BotHarness;
  afterEach(async () => {
    await harness.stop();
  });

  it('in the requester\'s own turn: German, "Asia/Tokyo", the zone named and no UTC', async () => {
    harness = await startHarness({ CLOSURE: 'graph' });
    const kim = harness.user();
    const replies = async (activity: Record<string, unknown>): Promise<ReplyActivity[]> => {
      const { body } = await kim.send({ locale: 'de-DE', localTimezone: 'Asia/Tokyo', ...activity });
      return ((body as { activities?: ReplyActivity[] }).activities ?? []).filter((a) => a.type === 'message');
    };
    const afterCode = await signInThroughChat(
      { ...kim, says: (text) => replies({ type: 'message', text }) },
      await replies({ type: 'message', text: 'Konto schließen' }),
      KIM.upn,
      KIM.password,
    );
    const warning = await replies({ type: 'message', value: cardActionData(afterCode, 'closure.skipExport') });
    const before = new Date();
    const closed = textsOf(await replies({ type: 'message', value: cardActionData(warning, 'closure.confirm') }));
    const after = new Date();
    // The zone by its German name (CLDR), never its IANA id.
    const at = /wurde geschlossen\..*?(\d{1,2}\. \S+ \d{4}, \d\d:\d\d) Japanische Normalzeit/.exec(closed)?.[1];
    assert.ok(at, closed);
    assert.ok(minutesShown('Asia/Tokyo', before, after, 'de').includes(at), `${at} is Tokyo time now`);
    assert.doesNotMatch(closed, /UTC|Asia\/Tokyo/);
  });

  it('told later by the reconciler: French and "America/Sao_Paulo", as kept with the request’s conversation', async () => {
    harness = await startHarness({ CLOSURE: 'graph', CLOSURE_LEASE_SECONDS: '0.5' });
    const kim = harness.user();
    const replies = async (activity: Record<string, unknown>): Promise<ReplyActivity[]> => {
      const { body } = await kim.send({ locale: 'fr-FR', localTimezone: 'America/Sao_Paulo', ...activity });
      return ((body as { activities?: ReplyActivity[] }).activities ?? []).filter((a) => a.type === 'message');
    };
    const afterCode = await signInThroughChat(
      { ...kim, says: (text) => replies({ type: 'message', text }) },
      await replies({ type: 'message', text: 'fermer mon compte' }),
      KIM.upn,
      KIM.password,
    );
    const warning = await replies({ type: 'message', value: cardActionData(afterCode, 'closure.skipExport') });
    harness.bot.sandbox!.faults.inject({
      method: 'DELETE',
      path: /\/graph\/v1\.0\/users\//,
      times: 10,
      respond: { status: 503, body: { error: { code: 'serviceNotAvailable', message: 'down' } } },
    });
    await replies({ type: 'message', value: cardActionData(warning, 'closure.confirm') });
    harness.bot.sandbox!.faults.clear();
    await new Promise((resolve) => setTimeout(resolve, 600));

    const before = new Date();
    await harness.bot.background.reconcileClosures();
    const after = new Date();

    const told = harness.connector.received
      .filter((r) => r.method === 'POST')
      .map((r) => String(r.activity.text))
      .filter((text) => /maintenant fermé/.test(text));
    assert.equal(told.length, 1, JSON.stringify(harness.connector.received.map((r) => r.activity.text)));
    const at = /fermé le (\d{1,2} \S+ \d{4}, \d\d:\d\d) heure normale de Brasilia/.exec(told[0])?.[1];
    assert.ok(at, told[0]);
    assert.ok(minutesShown('America/Sao_Paulo', before, after, 'fr').includes(at), `${at} is São Paulo time now`);
    assert.doesNotMatch(told[0], /UTC|America\/Sao_Paulo/);
  });
});

describe("the Teams card's closing time in the reader's time zone", () => {
  const facts = (zone?: string) =>
    JSON.stringify(inLanguageOf('ja-JP', () => finalCard(CLOSED_REQUEST, new Date('2026-03-01T12:00:00Z'), zone)));

  it('shows it in the zone given (Tokyo is UTC+9), in the language of the turn', () => {
    assert.match(facts('Asia/Tokyo'), /閉鎖日時.*2026年3月1日 20:58 日本標準時/);
    assert.doesNotMatch(facts('Asia/Tokyo'), /Asia\/Tokyo/);
  });

  it('falls back to UTC, said as such, without a zone', () => {
    assert.match(facts(), /2026年3月1日 11:58 UTC/);
  });
});
