/**
 * The bot's languages: one i18next resource file per language beside this file, chosen per turn from the
 * activity's `locale` (Teams, Web Chat and the Emulator all send a BCP 47 tag). A turn runs inside
 * `inLanguageOf(locale, ...)`; everything said during it (messages, cards) is looked up in that language, so the
 * dialogs and the bot's other rooms keep calling `Messages.x` without passing a language around.
 * A key missing in a language falls back to English (tests check that none is missing).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import i18next, { type TOptions } from 'i18next';
import de from './de.json';
import en from './en.json';
import es from './es.json';
import fr from './fr.json';
import ja from './ja.json';
import ptBR from './pt-BR.json';

export const LANGUAGES = ['en', 'de', 'fr', 'es', 'ja', 'pt-BR'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'en';

const RESOURCES: Record<Language, object> = { en, de, fr, es, ja, 'pt-BR': ptBR };

const i18n = i18next.createInstance();
void i18n.init({
  resources: Object.fromEntries(Object.entries(RESOURCES).map(([lng, translation]) => [lng, { translation }])),
  lng: DEFAULT_LANGUAGE,
  fallbackLng: DEFAULT_LANGUAGE,
  // Messages are Markdown and cards are JSON, not HTML: names are made safe where they are inserted (plainText.ts).
  interpolation: { escapeValue: false },
  initAsync: false,
  returnNull: false,
});

/** The turn's language, and its channel (some sentences differ in Teams: it cannot switch accounts by signing out). */
const turnLanguage = new AsyncLocalStorage<{ readonly language: string; readonly channelId?: string }>();
/** Languages added at run time by tests (the pseudo-language), spoken like the shipped ones. */
const addedLanguages = new Set<string>();

/** Primary language subtags we answer in, and with which resource file (all Portuguese reads Brazilian Portuguese). */
const BY_PRIMARY_SUBTAG: Readonly<Record<string, Language>> = { en: 'en', de: 'de', fr: 'fr', es: 'es', ja: 'ja', pt: 'pt-BR' };

/** The language for a BCP 47 tag by its primary subtag ("de-AT" -> de, "pt-PT" -> pt-BR), else English. */
export function languageOf(locale: unknown): Language {
  return knownLanguageOf(locale) ?? DEFAULT_LANGUAGE;
}

/** The language for a BCP 47 tag when we speak it, else undefined (to try a reader's next preference). */
export function knownLanguageOf(locale: unknown): Language | undefined {
  if (typeof locale !== 'string') return undefined;
  const primary = locale.trim().toLowerCase().split(/[-_]/)[0] ?? '';
  if (addedLanguages.has(primary)) return primary as Language;
  return Object.hasOwn(BY_PRIMARY_SUBTAG, primary) ? BY_PRIMARY_SUBTAG[primary] : undefined;
}

/** Runs `work` with the language of `locale` (and the turn's channel, when known) for everything it says, across its awaits. */
export function inLanguageOf<T>(locale: unknown, work: () => T, channelId?: string): T {
  return turnLanguage.run({ language: languageOf(locale), channelId }, work);
}

/** The current turn's language code (a registered test language included). */
export function currentLanguage(): string {
  return turnLanguage.getStore()?.language ?? DEFAULT_LANGUAGE;
}

/** The current turn's channel id ("msteams", "webchat", "emulator", ...), when the turn named one. */
export function currentChannel(): string | undefined {
  return turnLanguage.getStore()?.channelId;
}

/** The BCP 47 tag `Intl` formats in for the current language (a test pseudo-language formats as English). */
export function currentIntlLocale(): string {
  const language = currentLanguage();
  return (LANGUAGES as readonly string[]).includes(language) ? language : DEFAULT_LANGUAGE;
}

/**
 * The words people type, from every language's `commands` (one `|`-separated list per command, lower case): a
 * person may type them in any language the bot speaks, whatever their client's locale.
 */
export function commandWords(command: 'cancel' | 'help' | 'status' | 'signOut'): ReadonlySet<string> {
  const words = new Set<string>();
  for (const language of LANGUAGES) {
    const list = (RESOURCES[language] as { commands?: Record<string, string> }).commands?.[command] ?? '';
    for (const word of list.split('|')) if (word.trim()) words.add(word.trim().toLowerCase());
  }
  return words;
}

/** The start phrases of every language (`commands.start`, a regular expression each), as one. */
export function startPhrase(): RegExp {
  const patterns = LANGUAGES.map((language) => (RESOURCES[language] as { commands?: Record<string, string> }).commands?.start).filter(
    (pattern): pattern is string => typeof pattern === 'string' && pattern.length > 0,
  );
  return new RegExp(patterns.join('|'), 'i');
}

/**
 * Lookups without values, per language and key: the resources never change while the bot runs (only tests add a
 * language, which clears this), and i18next's `t` resolves and copies on every call (issue 14's profile: a card's
 * strings were a quarter of a welcome turn's own CPU).
 */
const looked = new Map<string, unknown>();

function lookedUp<T>(key: string, find: (lng: string) => T): T {
  const lng = currentLanguage();
  const cacheKey = `${lng}\u0000${key}`;
  if (looked.has(cacheKey)) return looked.get(cacheKey) as T;
  const found = find(lng);
  looked.set(cacheKey, found);
  return found;
}

/** One string in the current turn's language. */
export function t(key: string, values?: TOptions): string {
  if (values === undefined) return lookedUp(key, (lng) => i18n.t(key, { lng }));
  return i18n.t(key, { ...values, lng: currentLanguage() });
}

/** A group of strings (a card's texts) in the current turn's language; frozen, as it is shared between turns. */
export function strings(key: string): Readonly<Record<string, string>> {
  return lookedUp(key, (lng) => {
    const found: unknown = i18n.t(key, { lng, returnObjects: true });
    if (typeof found !== 'object' || found === null) throw new Error(`no strings "${key}" in language "${lng}"`);
    return Object.freeze({ ...(found as Record<string, string>) });
  });
}

/** For tests: every resource file, and a way to add a pseudo-language that shows what bypasses the files. */
export const resourcesForTests = {
  all: RESOURCES,
  add(lng: string, resources: object): void {
    i18n.addResourceBundle(lng, 'translation', resources, true, true);
    addedLanguages.add(lng);
    looked.clear();
  },
};
