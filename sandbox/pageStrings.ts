/**
 * The sandbox pages' own words: one file per language in locales/ (the sign-in page's and the "My data requests"
 * page's strings), nothing shared with the bot's catalogue. A page renders inside `inPageLanguage(language, ...)`;
 * `pageString` looks up in that language, with English for a key a language lacks (the package's tests check that
 * none does). `{{slot}}` placeholders are filled with the values given.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import de from './locales/de.json';
import en from './locales/en.json';
import es from './locales/es.json';
import fr from './locales/fr.json';
import ja from './locales/ja.json';
import ptBR from './locales/pt-BR.json';

export const PAGE_LANGUAGES = ['en', 'de', 'fr', 'es', 'ja', 'pt-BR'] as const;
/** A shipped language, or one a test added (`pageStringsForTests.add`). */
export type PageLanguage = (typeof PAGE_LANGUAGES)[number] | (string & {});
const ENGLISH = 'en';

type Strings = { readonly [key: string]: string | Strings };
const CATALOGUE = new Map<string, Strings>([
  ['en', en],
  ['de', de],
  ['fr', fr],
  ['es', es],
  ['ja', ja],
  ['pt-BR', ptBR],
]);
/** By primary subtag; all Portuguese reads Brazilian Portuguese. */
const BY_PRIMARY_SUBTAG = new Map<string, string>([...PAGE_LANGUAGES.map((l) => [l.split('-')[0] ?? l, l] as const)]);

const current = new AsyncLocalStorage<string>();

/** The page language for a BCP 47 tag when the sandbox has one ("de-AT" -> de, "pt-PT" -> pt-BR), else undefined. */
export function knownPageLanguage(tag: string): PageLanguage | undefined {
  const primary = tag.trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return BY_PRIMARY_SUBTAG.get(primary);
}

/** Runs `render` with `language` for every `pageString` it looks up. */
export function inPageLanguage<T>(language: PageLanguage, render: () => T): T {
  return current.run(language, render);
}

/** One string of the current page language, its `{{slot}}`s filled from `values`. */
export function pageString(key: string, values: Readonly<Record<string, string>> = {}): string {
  const found = lookUp(CATALOGUE.get(current.getStore() ?? ENGLISH), key) ?? lookUp(CATALOGUE.get(ENGLISH), key);
  if (found === undefined) throw new Error(`no sandbox page string "${key}"`);
  return found.replace(/\{\{\s*(\w+)\s*\}\}/g, (slot, name: string) => (Object.hasOwn(values, name) ? values[name] : slot));
}

function lookUp(strings: Strings | undefined, key: string): string | undefined {
  let node: string | Strings | undefined = strings;
  for (const part of key.split('.')) node = typeof node === 'object' ? node[part] : undefined;
  return typeof node === 'string' ? node : undefined;
}

/** For tests: every language's strings, and a way to add a pseudo-language that shows what bypasses the files. */
export const pageStringsForTests = {
  all: CATALOGUE as ReadonlyMap<string, Strings>,
  add(language: string, strings: Strings): void {
    CATALOGUE.set(language, strings);
    BY_PRIMARY_SUBTAG.set(language, language);
  },
};
