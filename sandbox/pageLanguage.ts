import type { IncomingMessage } from 'node:http';
import type { Language } from '../locales/i18n';
import { requestLanguage } from '../locales/requestLanguage';

/** The language of a sandbox page: its `ui_locales` parameter, else `Accept-Language`, else English (locales/requestLanguage.ts). */
export function pageLanguage(uiLocales: string | null | undefined, req: IncomingMessage): Language {
  return requestLanguage(uiLocales, req.headers['accept-language']);
}

/** A `ui_locales` value safe to put in a link: BCP 47-shaped tags only (a locale comes from the channel, i.e. the client). */
export function uiLocalesValue(locale: unknown): string | undefined {
  return typeof locale === 'string' && /^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8}){0,4}$/.test(locale) ? locale : undefined;
}
