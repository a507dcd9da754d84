import { t } from '../locales/i18n';
import { escapeHtml } from './http';

/**
 * A sentence of a sandbox page as HTML, in the current language (locales/*.json, `sandbox.*`): the translation is
 * escaped, then each `{{slot}}` is filled with the caller's HTML (escaped names, an element), so neither a
 * translation nor a name can add markup.
 */
export function pageText(key: string, html: Readonly<Record<string, string>> = {}): string {
  const slots = Object.keys(html);
  const markers = Object.fromEntries(slots.map((slot, i) => [slot, `\u0001${i}\u0001`]));
  let text = escapeHtml(t(`sandbox.${key}`, markers));
  slots.forEach((slot, i) => (text = text.split(`\u0001${i}\u0001`).join(html[slot])));
  return text;
}
