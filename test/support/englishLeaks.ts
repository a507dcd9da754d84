/**
 * Finds English on a page that should be in another language: every sentence fragment of the English catalogue
 * (locales/en.json, and the sandbox's own catalogue once it has one) and of Web Chat's own English strings that
 * shows up in the page's visible text, unless the other language's catalogue says the same words (a product name).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
/** The catalogues a page's words come from: the bot's, and the sandbox's once it moves its page words home (issue 23). */
const CATALOGUE_FOLDERS = ['locales', 'sandbox/locales'];
/** Web Chat's own strings (botframework-webchat-api lib/localization; the package's exports hide lib/). */
const WEB_CHAT_STRINGS = 'node_modules/botframework-webchat-api/lib/localization';
/** Shorter pieces ("Yes", "Sign in") can be names or shared words; a fragment this long with two words is a sentence. */
const MIN_FRAGMENT = 12;

function leaves(node: unknown): string[] {
  if (typeof node === 'string') return [node];
  if (node && typeof node === 'object') return Object.values(node).flatMap(leaves);
  return [];
}

function readJson(file: string): unknown {
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
}

/** Every string of a language's catalogues (`de`, `ja`, ...) and of Web Chat's file for its locale (`de-DE`). */
function textsOf(language: string, webChatLocale: string): string[] {
  return [
    ...CATALOGUE_FOLDERS.flatMap((folder) => leaves(readJson(path.join(ROOT, folder, `${language}.json`)))),
    ...leaves(readJson(path.join(ROOT, WEB_CHAT_STRINGS, `${webChatLocale}.json`))),
  ];
}

/** The literal pieces of a catalogue string: placeholders, nestings, Markdown marks and list numbers cut out. */
function fragmentsOf(text: string): string[] {
  return text
    .replace(/\*\*/g, '')
    .split(/\{\{[^}]*\}\}|\$t\([^)]*\)|\$\d+|\{\d+\}|\n/)
    .map((piece) =>
      piece
        .trim()
        .replace(/^[-\d.\s]+/, '')
        .replace(/\s+/g, ' '),
    )
    .filter((piece) => piece.length >= MIN_FRAGMENT && /\p{L}{2,} \p{L}{2,}/u.test(piece) && !/[\\^$|]/.test(piece));
}

/** The English fragments found in `shown` (a page's visible text) that the reader's own language does not use. */
export function englishLeaks(shown: string, language: string, webChatLocale: string): string[] {
  const own = textsOf(language, webChatLocale).join('\n').replace(/\s+/g, ' ');
  const visible = shown.replace(/[\u2068\u2069]/g, '').replace(/\s+/g, ' ');
  const english = new Set(textsOf('en', 'en-US').flatMap(fragmentsOf));
  return [...english].filter((fragment) => !own.includes(fragment) && visible.includes(fragment));
}
