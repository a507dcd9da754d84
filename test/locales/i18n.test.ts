import { strict as assert } from 'node:assert';
import sinon from 'sinon';
import { renderCard } from '../../cards/renderCard';
import { formatSize, formatTime } from '../../conversation/formatting';
import { Messages } from '../../conversation/messages';
import { inLanguageOf, LANGUAGES, languageOf, resourcesForTests } from '../../locales/i18n';
import { CARD_NAMES, createCardData } from '../cards/cardData';
import { actionData, createDialogFixture, MAGIC_CODE, press, turn } from '../dialogs/dialogFixture';
import type { Activity } from 'botbuilder';

type Tree = { readonly [key: string]: string | Tree };
const PSEUDO = 'qps';

function leaves(tree: Tree, prefix = ''): Map<string, string> {
  const found = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    if (typeof value === 'string') found.set(`${prefix}${key}`, value);
    else for (const [k, v] of leaves(value, `${prefix}${key}.`)) found.set(k, v);
  }
  return found;
}

/** Placeholders and nested references a translation must keep exactly. */
function slots(text: string): string[] {
  return [...text.matchAll(/\{\{\s*\w+\s*\}\}|\$t\([\w.]+\)/g)].map((m) => m[0].replace(/\s/g, '')).sort();
}

/** Accented and bracketed: any English that reaches the user without passing through the files stands out. */
function pseudo(tree: Tree): Tree {
  return Object.fromEntries(
    Object.entries(tree).map(([key, value]) => [key, typeof value === 'string' ? pseudoText(value) : pseudo(value)]),
  );
}

function pseudoText(text: string): string {
  const accent: Record<string, string> = {
    a: 'á',
    e: 'é',
    i: 'í',
    o: 'ó',
    u: 'ú',
    A: 'Á',
    E: 'É',
    I: 'Í',
    O: 'Ó',
    U: 'Ú',
    c: 'ç',
    n: 'ñ',
    s: 'š',
    y: 'ý',
  };
  const parts = text.split(/(\{\{\s*\w+\s*\}\}|\$t\([\w.]+\))/);
  return `⟦${parts.map((part, i) => (i % 2 === 1 ? part : part.replace(/[aeiouAEIOUcnsy]/g, (c) => accent[c] ?? c))).join('')}⟧`;
}

/** What a reader sees minus the pseudo text, names (isolated), code spans, URLs and times: must hold no English word. */
function untranslated(text: string): string[] {
  let rest = text;
  // Innermost first: a pseudo string can hold another (a time inside a sentence).
  while (/⟦[^⟦⟧]*⟧/.test(rest)) rest = rest.replace(/⟦[^⟦⟧]*⟧/g, ' ');
  rest = rest
    .replace(/\u2068[^\u2069]*\u2069/g, ' ')
    .replace(/`[^`]*`/g, ' ')
    .replace(/https?:\/\/\S+/g, ' ')
    // Times as Intl writes them for a language Intl does not know (the pseudo-language formats as English).
    .replace(/\b[A-Z][a-z]{2} \d{1,2}, \d{4}, \d\d:\d\d\s[AP]M UTC\b/g, ' ');
  return rest.match(/[A-Za-z]{2,}/g) ?? [];
}

/** Every string a person reads in a reply: its text and every card text or button title. */
function readable(reply: Partial<Activity>): string[] {
  const texts = reply.text ? [reply.text] : [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if ((key === 'text' || key === 'title') && typeof value === 'string') texts.push(value);
        else if (key !== 'data' && key !== 'url' && key !== 'value') walk(value);
      }
    }
  };
  walk((reply.attachments ?? []).map((a): unknown => a.content));
  return texts;
}

describe('languages (locales/)', () => {
  const english = leaves(resourcesForTests.all.en as Tree);

  for (const language of LANGUAGES.filter((l) => l !== 'en')) {
    describe(language, () => {
      const translated = leaves(resourcesForTests.all[language] as Tree);
      it('has every key English has, and no other', () => {
        assert.deepEqual(
          [...english.keys()].filter((k) => !translated.has(k)),
          [],
          'missing',
        );
        assert.deepEqual(
          [...translated.keys()].filter((k) => !english.has(k)),
          [],
          'unknown',
        );
      });
      it('keeps every placeholder of each English string', () => {
        for (const [key, text] of english) assert.deepEqual(slots(translated.get(key) ?? ''), slots(text), key);
      });
      it('has a non-empty translation for each key', () => {
        for (const [key, text] of translated) assert.ok(text.length > 0, key);
      });
    });
  }

  for (const language of LANGUAGES) {
    it(`renders every card in ${language} with no unfilled field`, () => {
      const data = createCardData();
      inLanguageOf(language, () => {
        for (const name of CARD_NAMES) renderCard(name, data[name] as never);
      });
    });

    it(`renders every card in ${language} in portal mode, each portal text differing from the card's own (issue 18)`, () => {
      const data = createCardData();
      inLanguageOf(language, () => {
        for (const name of CARD_NAMES) {
          const portal = JSON.stringify(renderCard(name, data[name] as never, { closureMode: 'portal' }));
          const graph = JSON.stringify(renderCard(name, data[name] as never, { closureMode: 'graph' }));
          const portalTexts = (resourcesForTests.all[language] as { portalMode: { cards: Record<string, Record<string, string>> } })
            .portalMode.cards[name];
          for (const text of Object.values(portalTexts ?? {})) {
            assert.ok(portal.includes(JSON.stringify(text).slice(1, -1)), `${name}: "${text}" is on the portal card`);
          }
          if (portalTexts) assert.notEqual(portal, graph, `${name} reads differently in the two modes`);
        }
      });
    });
  }

  describe("sizes and times in the reader's language (Intl)", () => {
    it("writes sizes with the language's decimal mark and units", () => {
      assert.equal(
        inLanguageOf('de', () => formatSize(1.5 * 1024 * 1024)),
        '1,5 MB',
      );
      assert.equal(
        inLanguageOf('en', () => formatSize(1.5 * 1024 * 1024)),
        '1.5 MB',
      );
      // French puts a no-break space before the unit.
      assert.match(
        inLanguageOf('fr', () => formatSize(1536)),
        /^1,5\sko$/,
      );
    });

    it('names the zone in the language instead of its IANA id, and says UTC without one', () => {
      const at = new Date('2026-12-01T15:01:00Z');
      const german = inLanguageOf('de', () => formatTime(at, 'America/New_York'));
      assert.match(german, /Nordamerikanische Ostküsten-Normalzeit/);
      assert.doesNotMatch(german, /America\/New_York/);
      assert.match(
        inLanguageOf('ja', () => formatTime(at)),
        /2026年12月1日 15:01 UTC/,
      );
    });
  });

  describe('choosing the language from the activity locale', () => {
    for (const [locale, expected] of [
      ['de-DE', 'de'],
      ['de-AT', 'de'],
      ['DE', 'de'],
      ['fr-CA', 'fr'],
      ['es-MX', 'es'],
      ['ja-JP', 'ja'],
      ['pt-BR', 'pt-BR'],
      ['pt-PT', 'pt-BR'],
      ['en-US', 'en'],
      ['ko-KR', 'en'],
      [undefined, 'en'],
      ['', 'en'],
    ] as const) {
      it(`speaks ${expected} for ${JSON.stringify(locale)}`, () => assert.equal(languageOf(locale), expected));
    }
  });

  describe('the words each language tells people to say', () => {
    /** The last **bold** phrase of a message: the command it teaches ("Say **close my account** to start."). */
    const taught = (language: string, key: string) => {
      const text = leaves(resourcesForTests.all[language as 'en'] as Tree).get(key) ?? '';
      const bold = [...text.matchAll(/\*\*(.+?)\*\*/g)].map((m) => m[1] ?? '');
      return bold[bold.length - 1] ?? '';
    };
    for (const language of LANGUAGES) {
      it(`understands the start, cancel and sign-out words taught in ${language}`, async () => {
        const fixture = createDialogFixture();
        const say = (text: string) => inLanguageOf(language, () => turn(fixture, text));
        const started = await say(taught(language, 'helpStart'));
        assert.ok(
          started.some((r) => (r.attachments ?? []).some((a) => a.contentType === 'application/vnd.microsoft.card.oauth')),
          `"${taught(language, 'helpStart')}" starts sign-in`,
        );
        const cancelled = await say(taught(language, 'signInWaiting'));
        assert.equal(
          cancelled.map((r) => r.text).join(' '),
          inLanguageOf(language, () => Messages.cancelled),
          `"${taught(language, 'signInWaiting')}" cancels`,
        );
        const signedOut = await say(taught(language, 'signOutOffer'));
        assert.equal(
          signedOut.map((r) => r.text).join(' '),
          inLanguageOf(language, () => Messages.signedOut(false)),
          `"${taught(language, 'signOutOffer')}" signs out`,
        );
      });
    }
  });

  describe('a pseudo-language run', () => {
    let clock: sinon.SinonFakeTimers;
    before(() => resourcesForTests.add(PSEUDO, pseudo(resourcesForTests.all.en as Tree)));
    beforeEach(() => {
      clock = sinon.useFakeTimers({ now: new Date('2026-11-27T09:00:00Z'), toFake: ['Date'] });
    });
    afterEach(() => clock.restore());

    it('shows nothing left untranslated through a whole closure, help, a wrong code and the welcome card', async () => {
      const fixture = createDialogFixture();
      const say = (activity: Partial<Activity> | string) => inLanguageOf(PSEUDO, () => turn(fixture, activity));
      const seen: Array<Partial<Activity>> = [];
      seen.push(...(await say('hello')));
      seen.push(...(await say('close my account')));
      seen.push(...(await say('help')));
      seen.push(...(await say('135790')));
      const offer = await say(MAGIC_CODE);
      seen.push(...offer);
      const warning = await say(press(actionData(offer, 'closure.skipExport')));
      seen.push(...warning);
      seen.push(...(await say('yes')));
      seen.push(...(await say(press(actionData(warning, 'closure.confirm')))));
      const leftovers = seen.flatMap(readable).flatMap((text) => untranslated(text).map((word) => `${word} in "${text}"`));
      assert.deepEqual(leftovers, []);
      assert.ok(seen.length >= 8, 'the run produced replies');
    });
  });
});
