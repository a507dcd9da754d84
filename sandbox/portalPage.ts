import { escapeHtml } from './http';
import { inPageLanguage, type PageLanguage } from './pageStrings';
import { credentialFields, pageShell, pageText } from './pageText';

/** Keys of `portal.problems` (and the sign-in page's lockout) in sandbox/locales/*.json. */
export type PortalProblem = 'noAccount' | 'wrongPassword' | 'sessionEnded' | 'lockedOut';
/** Keys of `portal.notices`. */
export type PortalNotice = 'exportSubmitted' | 'notClosed';

/** One screen of the sandbox's "My data requests" page. */
export type PortalScreen =
  | { readonly kind: 'signIn'; readonly username?: string; readonly problem?: PortalProblem }
  | {
      readonly kind: 'requests';
      readonly csrf: string;
      readonly displayName: string;
      readonly upn: string;
      readonly exportRequestedAt?: string;
      readonly notice?: PortalNotice;
    }
  | { readonly kind: 'confirmClose'; readonly csrf: string; readonly upn: string }
  | { readonly kind: 'closed'; readonly upn: string };

/**
 * The stand-in for Microsoft's "My data requests" page (https://go.microsoft.com/fwlink/?linkid=873123), with the
 * steps Microsoft documents for an unmanaged organization: sign in as the account, **New export request**,
 * **Close account**, then **Yes** (https://learn.microsoft.com/entra/identity/users/users-close-account).
 * Plain HTML in `language` (sandbox/pageLanguage.ts), everything translated; every form carries the language on.
 * Labelled fields, one heading per screen, problems announced to screen readers.
 */
export function renderPortalPage(screen: PortalScreen, language: PageLanguage): string {
  return inPageLanguage(language, () =>
    pageShell({
      language,
      title: pageText('portal.title', { screen: title(screen) }),
      maxWidthRem: 34,
      css: `button { margin-top: 1rem; margin-right: .5rem; padding: .5rem 1.5rem; font-size: 1rem; }
.notice { border-left: 4px solid #0b6a0b; padding-left: .75rem; }`,
      banner: pageText('portal.banner'),
      main: body(screen, `<input type="hidden" name="ui_locales" value="${escapeHtml(language)}">`),
    }),
  );
}

function title(screen: PortalScreen): string {
  switch (screen.kind) {
    case 'signIn':
      return pageText('portal.signInHeading');
    case 'requests':
      return pageText('portal.requestsHeading');
    case 'confirmClose':
      return pageText('portal.closeButton');
    case 'closed':
      return pageText('portal.closedHeading');
  }
}

function problemText(problem: PortalProblem): string {
  return pageText(problem === 'lockedOut' ? 'signIn.problems.lockedOut' : `portal.problems.${problem}`);
}

function body(screen: PortalScreen, languageField: string): string {
  switch (screen.kind) {
    case 'signIn':
      return `<h1>${pageText('portal.signInHeading')}</h1>
<p>${pageText('portal.signInIntro')}</p>
${screen.problem ? `<p class="problem" role="alert" id="problem">${problemText(screen.problem)}</p>` : ''}
<form method="post" action="/portal/my-data-requests/signin">
${languageField}
${credentialFields({ username: screen.username, hasProblem: Boolean(screen.problem) })}
</form>`;
    case 'requests':
      return `<h1>${pageText('portal.requestsHeading')}</h1>
<p>${pageText('portal.signedInAs', {
        displayName: `<strong>${escapeHtml(screen.displayName)}</strong>`,
        upn: `<span id="account">${escapeHtml(screen.upn)}</span>`,
      })}</p>
${screen.notice ? `<p class="notice" role="status">${pageText(`portal.notices.${screen.notice}`)}</p>` : ''}
<h2>${pageText('portal.exportHeading')}</h2>
<p>${
        screen.exportRequestedAt
          ? pageText('portal.exportPending', {
              requestedAt: escapeHtml(screen.exportRequestedAt),
              status: `<span id="export-status">${pageText('portal.pending')}</span>`,
            })
          : pageText('portal.noExport')
      }</p>
<form method="post" action="/portal/my-data-requests/export">
<input type="hidden" name="csrf" value="${escapeHtml(screen.csrf)}">
${languageField}
<button type="submit">${pageText('portal.newExport')}</button>
</form>
<h2>${pageText('portal.closeHeading')}</h2>
<p>${pageText('portal.closeIntro')}</p>
<form method="post" action="/portal/my-data-requests/close">
<input type="hidden" name="csrf" value="${escapeHtml(screen.csrf)}">
${languageField}
<button type="submit">${pageText('portal.closeButton')}</button>
</form>`;
    case 'confirmClose':
      return `<h1>${pageText('portal.closeButton')}</h1>
<p role="alert">${pageText('portal.confirmText', { upn: `<strong>${escapeHtml(screen.upn)}</strong>` })}</p>
<form method="post" action="/portal/my-data-requests/close/confirm">
<input type="hidden" name="csrf" value="${escapeHtml(screen.csrf)}">
${languageField}
<button type="submit" name="answer" value="yes">${pageText('portal.yes')}</button>
<button type="submit" name="answer" value="no">${pageText('portal.no')}</button>
</form>`;
    case 'closed':
      return `<h1>${pageText('portal.closedHeading')}</h1>
<p id="closed-notice">${pageText('portal.closedText', { upn: `<strong>${escapeHtml(screen.upn)}</strong>` })}</p>`;
  }
}
