import type { Next, Request, Response, Server } from 'restify';
import { inLanguageOf, LANGUAGES, t, type Language } from '../locales/i18n';
import { requestLanguage } from '../locales/requestLanguage';

/**
 * `/privacy` and `/terms`: the pages the Teams manifest names (`developer.privacyUrl`, `developer.termsOfUseUrl`,
 * which Teams requires: https://learn.microsoft.com/microsoftteams/platform/resources/schema/manifest-schema#developer)
 * and the web chat page links to, in the reader's language (`?locale=`, else Accept-Language: locales/requestLanguage.ts;
 * the words are `legal.*` in locales/*.json). Plain HTML, no script, no outside resource. What they say must stay true to
 * what the bot does (docs/architecture.md: "The irreversible step"; config/settings.ts for the durations).
 */
export interface LegalPagesOptions {
  /** CLOSURE_CONFIRMATION_TTL_SECONDS: how long a warning's Yes stays valid. */
  readonly confirmationTtlSeconds: number;
  /** EXPORT_LINK_TTL_HOURS: how long a download link works. */
  readonly exportLinkTtlHours: number;
  /** PUBLISHER_NAME and PUBLISHER_CONTACT: who runs the bot and how to reach them; the pages say so when given. */
  readonly publisher?: { readonly name?: string; readonly contact?: string };
  /** CLOSURE: in `portal` mode (the default) the bot closes and exports nothing itself, and the pages say so. */
  readonly closureMode: 'portal' | 'graph';
  /** HANDOFF_CHECK_DAYS: how long the bot keeps checking a hand-off. */
  readonly handOffCheckDays: number;
  /** CONVERSATION_STATE_TTL_DAYS: idle conversation state is deleted after this. */
  readonly conversationStateTtlDays: number;
  /** CLOSED_RECORD_RETENTION_DAYS: ended closure requests and export jobs are deleted after this. */
  readonly closedRecordRetentionDays: number;
  /** AUDIT_RETENTION_DAYS: the audit trail's retention, which the Azure templates' immutability and lifecycle enforce. */
  readonly auditRetentionDays: number;
}

export function registerLegalPages(server: Server, options: LegalPagesOptions): void {
  const built = (render: (o: LegalPagesOptions, l: Language) => string) =>
    Object.fromEntries(LANGUAGES.map((language) => [language, inLanguageOf(language, () => render(options, language))])) as Record<
      Language,
      string
    >;
  const pages = { '/privacy': built(privacyPage), '/terms': built(termsPage) };
  for (const [route, byLanguage] of Object.entries(pages)) {
    server.get(route, (req: Request, res: Response, next: Next) => {
      const language = requestLanguage(new URLSearchParams(req.getQuery()).get('locale'), req.header('accept-language'));
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-language': language,
        vary: 'accept-language',
        // Nothing on these pages runs or loads from elsewhere.
        'content-security-policy':
          "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        'x-content-type-options': 'nosniff',
        'cache-control': 'public, max-age=3600',
      });
      res.end(byLanguage[language]);
      return next(false);
    });
  }
}

/** A catalogue sentence as HTML: its words escaped, its placeholders filled with the given HTML (already safe). */
function say(key: string, html: Record<string, string | number> = {}): string {
  const marks = Object.keys(html);
  const marked = t(key, Object.fromEntries(marks.map((name, index) => [name, `\u0000${index}\u0000`])));
  return escapeHtml(marked).replace(/\u0000(\d+)\u0000/g, (_match, index: string) => String(html[marks[Number(index)]]));
}

/** One "lead: text" list item of the privacy page (`legal.privacy.{item}Lead{suffix}` and `legal.privacy.{item}{suffix}`). */
function kept(item: string, values: Record<string, string | number> = {}, suffix = ''): string {
  const lead = `<strong>${say(`legal.privacy.${item}Lead${suffix}`)}</strong>`;
  return `  <li>${say('legal.keptLead', { lead, text: say(`legal.privacy.${item}${suffix}`, values) })}</li>`;
}

function page(title: string, body: string, language: Language): string {
  const query = `?locale=${encodeURIComponent(language)}`;
  return `<!doctype html>
<html lang="${language}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${say('legal.pageTitle', { title, site: say('legal.siteName') })}</title>
  <style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1b1b1b}h2{margin-top:2rem}</style>
</head>
<body>
<main>
<h1>${title}</h1>
${body}
<p><a href="/privacy${query}">${say('webchat.page.privacy')}</a> · <a href="/terms${query}">${say('webchat.page.terms')}</a> · <a href="/${query}">${say('legal.webChat')}</a></p>
</main>
</body>
</html>
`;
}

/** Each retention period, from the settings that enforce it (locales: privacyRetention.*). */
function retentionSection(options: LegalPagesOptions): string {
  const items = [
    say('privacyRetention.conversation', { days: options.conversationStateTtlDays }),
    say('privacyRetention.request', { days: options.closedRecordRetentionDays }),
    say('privacyRetention.audit', { days: options.auditRetentionDays }),
  ];
  return `<h2>${say('privacyRetention.heading')}</h2>
<ul>
${items.map((item) => `  <li>${item}</li>`).join('\n')}
</ul>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function privacyPage(options: LegalPagesOptions, language: Language): string {
  const { confirmationTtlSeconds, exportLinkTtlHours, closureMode, handOffCheckDays, publisher } = options;
  const minutes = Math.max(1, Math.round(confirmationTtlSeconds / 60));
  const statement = `<a href="https://go.microsoft.com/fwlink/?LinkId=521839">${say('legal.privacy.statement')}</a>`;
  return page(
    say('webchat.page.privacy'),
    `
<p>${say('legal.privacy.intro')}</p>

<h2>${say('legal.privacy.keepsHeading')}</h2>
<ul>
${kept('conversation')}
${kept('request', { minutes })}
${kept('export', { hours: exportLinkTtlHours }, `_${closureMode}`)}
${kept('handOff', { days: handOffCheckDays })}
${kept('audit')}
</ul>

${retentionSection(options)}

<h2>${say('legal.privacy.notKeptHeading')}</h2>
<ul>
  <li>${say(`legal.privacy.tokens_${closureMode}`)}</li>
  <li>${say('legal.privacy.typing')}</li>
  <li>${say('legal.privacy.groups')}</li>
</ul>

<h2>${say('legal.privacy.dataHeading')}</h2>
<p>${say('legal.privacy.data', { statement })}</p>

<h2>${say('legal.privacy.askHeading')}</h2>
<p>${say('legal.privacy.ask', { whoRuns: runBy(publisher) })}${contactOf(publisher)}</p>
`,
    language,
  );
}
function termsPage({ confirmationTtlSeconds, closureMode, publisher }: LegalPagesOptions, language: Language): string {
  const minutes = Math.max(1, Math.round(confirmationTtlSeconds / 60));
  const button = `<strong>${say(closureMode === 'portal' ? 'portalMode.cards.warning.yes' : 'cards.warning.yes')}</strong>`;
  const whom = publisher?.name ? escapeHtml(publisher.name) : say('legal.thatOrganization');
  return page(
    say('webchat.page.terms'),
    `
<p>${say('legal.terms.intro')}</p>
<ul>
  <li>${say(`legal.terms.closes_${closureMode}`, { button, minutes })}</li>
  <li><strong>${say('legal.terms.irreversibleLead')}</strong> ${say('legal.terms.irreversible')}</li>
  <li>${say('legal.terms.managed')}</li>
  <li>${say('legal.terms.handOff')}</li>
  <li>${say('legal.terms.warranty', { whoRuns: runBy(publisher, false), whom })}${contactOf(publisher)}</li>
</ul>
`,
    language,
  );
}

/** Who runs the bot, by name when PUBLISHER_NAME gives it (the Teams app's developer, appPackage/build.ts). */
function runBy(publisher: LegalPagesOptions['publisher'], sentenceStart = true): string {
  if (publisher?.name) return say('legal.runBy_named', { name: escapeHtml(publisher.name) });
  return say(sentenceStart ? 'legal.runBy' : 'legal.runByInSentence');
}

/** " Contact: ..." with a mailto: or https link, when PUBLISHER_CONTACT gives one. */
function contactOf(publisher: LegalPagesOptions['publisher']): string {
  const contact = publisher?.contact;
  if (!contact) return '';
  const href = /^https:\/\//i.test(contact) ? contact : /^[^\s@]+@[^\s@]+$/.test(contact) ? `mailto:${contact}` : undefined;
  const shown = href ? `<a href="${escapeHtml(href)}">${escapeHtml(contact)}</a>` : escapeHtml(contact);
  return ` ${say('legal.contact', { contact: shown })}`;
}
