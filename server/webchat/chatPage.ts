import { inLanguageOf, t, type Language } from '../../locales/i18n';
import { requestLanguage } from '../../locales/requestLanguage';

/**
 * The web chat page in the reader's language: `?locale=` when it names a language the bot speaks, else the
 * browser's `Accept-Language`, else English (locales/requestLanguage.ts). The page's frame (title, heading, intro,
 * footer, labels) comes from `webchat.page.*` in locales/*.json; Web Chat gets the same language as its `locale`
 * prop, so its own strings ("Type your message", "Send") and timestamps follow, and it puts that locale on every
 * activity, so the bot answers in it too.
 */
export function chatPageLanguage(query: string, acceptLanguage: string | undefined): Language {
  return requestLanguage(new URLSearchParams(query).get('locale'), acceptLanguage);
}

/**
 * Web Chat's locale for each of our languages: a tag it ships strings for (botframework-webchat-api
 * lib/localization: de-DE.json, ja-JP.json, pt-BR.json, ...); a bare "de" would fall back to English there.
 */
const WEBCHAT_LOCALES: Readonly<Record<Language, string>> = {
  en: 'en-US',
  de: 'de-DE',
  fr: 'fr-FR',
  es: 'es-ES',
  ja: 'ja-JP',
  'pt-BR': 'pt-BR',
};

/** Fills `template` (web/index.html): `{{lang}}`, `{{t:key}}` (a `webchat.page` string, escaped) and `{{strings}}` (for main.js). */
export function renderChatPage(template: string, language: Language, nonce: string): string {
  return inLanguageOf(language, () => {
    const forScript = {
      locale: WEBCHAT_LOCALES[language],
      cannotStart: t('webchat.page.cannotStart'),
      botInitials: t('webchat.page.botInitials'),
      userInitials: t('webchat.page.userInitials'),
    };
    return template
      .replaceAll('{{nonce}}', nonce)
      .replaceAll('{{lang}}', language)
      .replace(/\{\{t:([\w.]+)\}\}/g, (_match, key: string) => escapeHtml(t(`webchat.page.${key}`)))
      .replaceAll('{{strings}}', escapeHtml(JSON.stringify(forScript)));
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
