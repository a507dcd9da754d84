import type { Next, Request, Response, Server } from 'restify';
import { t } from '../locales/i18n';

/**
 * `/privacy` and `/terms`: the pages the Teams manifest names (`developer.privacyUrl`, `developer.termsOfUseUrl`,
 * which Teams requires: https://learn.microsoft.com/microsoftteams/platform/resources/schema/manifest-schema#developer)
 * and the web chat page links to. Plain HTML, no script, no outside resource. What they say must stay true to
 * what the bot does (docs/architecture.md: "The irreversible step"; config/settings.ts for the durations).
 */
export interface LegalPagesOptions {
  /** CLOSURE_CONFIRMATION_TTL_SECONDS: how long a warning's Yes stays valid. */
  readonly confirmationTtlSeconds: number;
  /** EXPORT_LINK_TTL_HOURS: how long a download link works. */
  readonly exportLinkTtlHours: number;
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
  const pages = { '/privacy': privacyPage(options), '/terms': termsPage(options) };
  for (const [route, html] of Object.entries(pages)) {
    server.get(route, (_req: Request, res: Response, next: Next) => {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        // Nothing on these pages runs or loads from elsewhere.
        'content-security-policy':
          "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        'x-content-type-options': 'nosniff',
        'cache-control': 'public, max-age=3600',
      });
      res.end(html);
      return next(false);
    });
  }
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${title} – Account Closure Bot</title>
  <style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1b1b1b}h2{margin-top:2rem}</style>
</head>
<body>
<main>
<h1>${title}</h1>
${body}
<p><a href="/privacy">Privacy</a> · <a href="/terms">Terms of use</a> · <a href="/">Web chat</a></p>
</main>
</body>
</html>
`;
}

/** Each retention period, from the settings that enforce it (locales: privacyRetention.*). */
function retentionSection(options: LegalPagesOptions): string {
  const items = [
    t('privacyRetention.conversation', { days: options.conversationStateTtlDays }),
    t('privacyRetention.request', { days: options.closedRecordRetentionDays }),
    t('privacyRetention.audit', { days: options.auditRetentionDays }),
  ];
  return `<h2>${escapeHtml(t('privacyRetention.heading'))}</h2>
<ul>
${items.map((item) => `  <li>${escapeHtml(item)}</li>`).join('\n')}
</ul>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function privacyPage(options: LegalPagesOptions): string {
  const { confirmationTtlSeconds, exportLinkTtlHours, closureMode, handOffCheckDays } = options;
  const minutes = Math.max(1, Math.round(confirmationTtlSeconds / 60));
  return page(
    'Privacy',
    `
<p>The Account Closure Bot helps a member of an unmanaged (self-service sign-up) work or school organization close
their own account. This page says what the bot keeps about you, for how long, and whom to ask.</p>

<h2>What the bot keeps</h2>
<ul>
  <li><strong>Where you are in the conversation</strong>: the step you are at, the id of your open closure request and
    of the warning card the bot sent you. Kept per person and conversation until your account is closed; then it is
    deleted.</li>
  <li><strong>Your closure request</strong>: its id, your account's object id and organization (tenant) id, your
    channel user id, your sign-in name (to check your organization again right before closing), a hash of the
    warning card's one-time code, the conversation to answer in, its status and times. The warning is valid for
    ${minutes} minutes. When the request ends, your sign-in name and channel user id are removed; the conversation
    is removed once you have been told the outcome. The rest stays as the record that the request existed.</li>
  ${
    closureMode === 'portal'
      ? `<li><strong>An export</strong>: the bot asks for none. You ask Microsoft for it on its "My data requests"
    page; the bot keeps nothing about it but the audit line that it pointed you there.</li>`
      : `<li><strong>An export you ask for</strong>: your account's object id and organization id, your channel user id and
    the conversation, to tell you when it is ready. The download link works for ${exportLinkTtlHours} hours. This
    record is deleted when your account is closed.</li>`
  }
  <li><strong>After a hand-off to Microsoft's page</strong>: the request's ids, your channel user id, the
    conversation and your sign-in name, to check with your own sign-in whether the account is closed and to tell
    you. Checks go on for at most ${handOffCheckDays} days; once you have been told the answer, only the ids and
    the verdict remain.</li>
  <li><strong>The audit trail</strong>: what happened and when (signed in, organization checked, export offered,
    warning shown, confirmation, outcome), with your account's object id, organization id and a keyed hash of your
    sign-in name. It keeps no name, no address, no message text and never a token or password, and it outlives
    the account: it is the proof of what was done and that you confirmed it.</li>
</ul>

${retentionSection(options)}

<h2>What the bot does not keep</h2>
<ul>
  <li>Sign-in tokens: the bot reads who you are from your sign-in and does not store the token. The Bot Framework
    token service keeps your sign-in until you are signed out; the bot signs you out once it knows your account is
    closed${closureMode === 'portal' ? " (it checks after you have closed it on Microsoft's page)" : ''}.</li>
  <li>What you type, and your display name, are not written to its logs or telemetry.</li>
  <li>In a Teams group chat or channel the bot posts nothing personal: sign-in, the export and the warning happen
    in your private 1:1 chat with it.</li>
</ul>

<h2>Your organization's data</h2>
<p>Closing the account removes your personal data in that organization and ends your access to its apps and
files. That data is held by Microsoft, not by this bot: see the
<a href="https://go.microsoft.com/fwlink/?LinkId=521839">Microsoft Privacy Statement</a>.</p>

<h2>Whom to ask</h2>
<p>The organization that runs this bot (named as its developer in the Teams app details) answers questions about
what it keeps and deletes it on request, except the audit trail of a closed account, which it keeps as the record
of the closure.</p>
`,
  );
}

function termsPage({ confirmationTtlSeconds, closureMode }: LegalPagesOptions): string {
  const minutes = Math.max(1, Math.round(confirmationTtlSeconds / 60));
  return page(
    'Terms of use',
    `
<p>By using the Account Closure Bot you agree to the following.</p>
<ul>
  ${
    closureMode === 'portal'
      ? `<li>The bot closes no account itself. For the account you signed in with, only if your organization is
    unmanaged (it has no administrator), and only after you press <strong>Continue to Microsoft's page</strong> on
    its final warning within ${minutes} minutes, it gives you the steps for Microsoft's "My data requests" page,
    where you close the account yourself with that page's own Yes. It then checks whether the account is closed
    and says only what it sees.</li>`
      : `<li>The bot closes only the account you signed in with, only if your organization is unmanaged (it has no
    administrator), and only after you press <strong>Yes, close my account</strong> on its final warning within
    ${minutes} minutes. Typing never closes an account.</li>`
  }
  <li><strong>Closing cannot be undone.</strong> Nobody can reopen the account afterwards; your personal data in
    that organization is removed and your access to its apps and files ends. Export a copy of your data first if
    you want one.</li>
  <li>If your organization has an administrator, the bot closes nothing and tells you to contact them.</li>
  <li>Where the bot is not allowed to close accounts itself, it tells you how to finish on Microsoft's own
    "My data requests" page, and says that the account has not been closed yet.</li>
  <li>The bot is provided as it is, by the organization that runs it, without warranty. Questions go to that
    organization (named as the developer in the Teams app details).</li>
</ul>
`,
  );
}
