/**
 * Names and addresses come from the directory and are chosen by whoever created the account or the organization,
 * so in a sentence they must stay plain words: no Markdown (Web Chat, the Emulator and Teams render message text
 * as Markdown), and no bidirectional controls that reorder the rest of the sentence (a U+202E RIGHT-TO-LEFT
 * OVERRIDE in a display name reverses everything after it).
 */

/** Explicit embeddings, overrides, isolates and marks (Unicode UAX #9, "Explicit Directional Formatting"). */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
/** C0/C1 controls and line/paragraph separators: a newline in a name could start a Markdown heading or list. */
function isLineBreakingControl(char: string): boolean {
  const code = char.codePointAt(0) ?? 0;
  return code <= 0x1f || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
}
/**
 * Characters that start inline Markdown or HTML in the middle of a line (CommonMark 0.31 "Backslash escapes":
 * any ASCII punctuation may be escaped). Block syntax (`#`, `-`, `1.`) needs a line start, which a name inside a
 * sentence, with its line breaks removed, never has. `:` and `.` too: Web Chat's markdown-it (13, `linkify: true`)
 * turns a bare "https://..." or "www.x.y" in a name into a live link, and an escaped character ends the text run
 * its linkify reads, so the name shows as written and links nowhere (no invisible character needed).
 */
const INLINE_MARKDOWN = /[\\`*_[\]<>~|&!]/g;
/** In names, also what a bare link needs (see above); an address (UPN) cannot hold `:` or `/`, so it keeps its dots. */
const LINK_PUNCTUATION = /[:.]/g;
const FIRST_STRONG_ISOLATE = '\u2068';
const POP_DIRECTIONAL_ISOLATE = '\u2069';

/**
 * What `isolateText` changes besides trimming: a direction control, a line-breaking control, or two spaces in a
 * row. Names and addresses almost never hold one, so most calls take the short way (names are isolated on every
 * card and in many sentences).
 */
const NEEDS_FLATTENING = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069\u0000-\u001F\u007F-\u009F\u2028\u2029]| {2}/;

/** The text with its own direction controls removed, isolated (FSI … PDI) so its direction cannot leak out. */
export function isolateText(value: string): string {
  if (!NEEDS_FLATTENING.test(value)) return `${FIRST_STRONG_ISOLATE}${value.trim()}${POP_DIRECTIONAL_ISOLATE}`;
  const flat = Array.from(value.replace(BIDI_CONTROLS, ''), (char) => (isLineBreakingControl(char) ? ' ' : char))
    .join('')
    .replace(/ {2,}/g, ' ')
    .trim();
  return `${FIRST_STRONG_ISOLATE}${flat}${POP_DIRECTIONAL_ISOLATE}`;
}

/** For a name in message text (Markdown): isolated, every inline Markdown character and link punctuation escaped. */
export function plainName(value: string): string {
  return isolateText(value.replace(INLINE_MARKDOWN, '\\$&').replace(LINK_PUNCTUATION, '\\$&'));
}

/** For an account's address (UPN) in message text: isolated, inline Markdown escaped, its dots kept as they are. */
export function plainAddress(value: string): string {
  return isolateText(value.replace(INLINE_MARKDOWN, '\\$&'));
}

/**
 * An address for a card line: isolated, and otherwise the address itself. It used to carry zero-width spaces
 * after `@` and `.` so it wrapped on a phone, but a copied address then carried them too (issue 20): the page lets
 * card text break anywhere it must instead (web/webchat.css, `overflow-wrap: anywhere`).
 */
export function breakableAddress(address: string): string {
  return isolateText(address);
}

/**
 * A message for a place that shows text as it is, not as Markdown (Teams shows the string of an `adaptiveCard/action`
 * answer of type `application/vnd.microsoft.activity.message` as a plain note): the emphasis and code marks our
 * sentences use are dropped, and a name's escapes (plainName) become the characters again.
 */
export function withoutMarkdown(text: string): string {
  return text
    .replace(/\*\*(.+?)\*\*/g, '$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\\([\\`*_[\]<>~|&!])/g, '$1');
}
