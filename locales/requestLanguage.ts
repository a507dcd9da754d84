import { DEFAULT_LANGUAGE, knownLanguageOf, type Language } from './i18n';

/**
 * The language of the web chat page, chosen as Microsoft's sign-in pages choose theirs (and the sandbox's pages,
 * sandbox/pageLanguage.ts): the languages asked for by parameter (`locale`; `ui_locales` there) when one is ours, else the
 * browser's `Accept-Language`, else English. `ui_locales` is OpenID Connect's "End-User's preferred languages ...
 * space-separated list of BCP47 language tag values, ordered by preference" (OpenID Connect Core 1.0, section
 * 3.1.2.1); Microsoft documents that it sets the sign-in page's language and overrides the browser's, which is used
 * without it (MicrosoftDocs/azure-docs, articles/active-directory-b2c/language-customization.md, "How language
 * customization works").
 */
export function requestLanguage(asked: string | null | undefined, acceptLanguage: string | undefined): Language {
  return firstKnown(tagsOf(asked)) ?? firstKnown(acceptedLanguages(acceptLanguage)) ?? DEFAULT_LANGUAGE;
}

function tagsOf(value: string | null | undefined): string[] {
  return (value ?? '').slice(0, 200).split(/\s+/).filter(Boolean);
}

/** `Accept-Language` tags by quality, highest first, ties in the order given (RFC 9110 section 12.5.4); q=0 means "not". */
function acceptedLanguages(header: string | undefined): string[] {
  return (header ?? '')
    .slice(0, 500)
    .split(',')
    .map((part, index) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim(), quality: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => entry.tag && entry.tag !== '*' && entry.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index)
    .map((entry) => entry.tag);
}

function firstKnown(tags: string[]): Language | undefined {
  for (const tag of tags) {
    const language = knownLanguageOf(tag);
    if (language) return language;
  }
  return undefined;
}
