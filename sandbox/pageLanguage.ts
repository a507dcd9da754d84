import type { IncomingMessage } from 'node:http';
import { knownPageLanguage, type PageLanguage } from './pageStrings';

/**
 * The language of a sandbox page, chosen as Microsoft's sign-in pages choose it: its `ui_locales` parameter when one
 * of its languages is the sandbox's, else the browser's `Accept-Language`, else English. `ui_locales` is OpenID
 * Connect's "End-User's preferred languages ... space-separated list of BCP47 language tag values, ordered by
 * preference" (OpenID Connect Core 1.0, section 3.1.2.1); Microsoft documents that it sets the sign-in page's
 * language over the browser's (MicrosoftDocs/azure-docs, articles/active-directory-b2c/language-customization.md).
 */
export function pageLanguage(uiLocales: string | null | undefined, req: IncomingMessage): PageLanguage {
  const asked = (uiLocales ?? '').slice(0, 200).split(/\s+/).filter(Boolean);
  return firstKnown(asked) ?? firstKnown(byQuality(req.headers['accept-language'])) ?? 'en';
}

/** A `ui_locales` value safe to put in a link: BCP 47-shaped tags only (a locale comes from the channel, i.e. the client). */
export function uiLocalesValue(locale: unknown): string | undefined {
  return typeof locale === 'string' && /^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8}){0,4}$/.test(locale) ? locale : undefined;
}

/** `Accept-Language` tags, highest quality first, ties in the order given (RFC 9110 section 12.5.4); q=0 means "not". */
function byQuality(header: string | undefined): string[] {
  const weighted = (header ?? '')
    .slice(0, 500)
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim(), quality: q === undefined ? 1 : Number(q), index };
    });
  return weighted
    .filter(({ tag, quality }) => tag && tag !== '*' && quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index)
    .map(({ tag }) => tag);
}

function firstKnown(tags: readonly string[]): PageLanguage | undefined {
  return tags.map(knownPageLanguage).find((language) => language !== undefined);
}
