import { escapeHtml } from './http';
import { inPageLanguage, type PageLanguage } from './pageStrings';
import { credentialFields, pageShell, pageText } from './pageText';

/** What went wrong, as a key of `signIn.problems` in sandbox/locales/*.json (`lockedOut` says what Entra's AADSTS50053 says: locked for a while, whatever password comes next). */
export type SignInProblem = 'unknownUser' | 'wrongPassword' | 'closedAccount' | 'expiredLink' | 'lockedOut';

export type SignInPage =
  | {
      readonly kind: 'form';
      readonly state: string;
      readonly codeChallenge?: string;
      readonly username?: string;
      readonly problem?: SignInProblem;
    }
  | { readonly kind: 'code'; readonly code: string; readonly displayName: string }
  | { readonly kind: 'done'; readonly displayName: string }
  | { readonly kind: 'gone'; readonly problem: SignInProblem };

/**
 * The sandbox's sign-in page in `language` (sandbox/pageLanguage.ts chooses it): plain HTML, labelled fields,
 * problems announced to screen readers. The form carries the language on, so its answer is in the same one.
 */
export function renderSignInPage(page: SignInPage, language: PageLanguage): string {
  return inPageLanguage(language, () =>
    pageShell({
      language,
      title: pageText(page.kind === 'code' || page.kind === 'done' ? 'signIn.signedInTitle' : 'signIn.title'),
      maxWidthRem: 28,
      css: `button { margin-top: 1.5rem; padding: .5rem 1.5rem; font-size: 1rem; }
.code { font-size: 2.5rem; letter-spacing: .3rem; font-family: ui-monospace, monospace; }`,
      banner: pageText('signIn.banner'),
      main: body(page, language),
    }),
  );
}

function body(page: SignInPage, language: PageLanguage): string {
  switch (page.kind) {
    case 'form':
      return `<h1>${pageText('signIn.heading')}</h1>
${page.problem ? `<p class="problem" role="alert" id="problem">${pageText(`signIn.problems.${page.problem}`)}</p>` : ''}
<form method="post" action="signin">
<input type="hidden" name="state" value="${escapeHtml(page.state)}">
<input type="hidden" name="ui_locales" value="${escapeHtml(language)}">
${
  page.codeChallenge
    ? `<input type="hidden" name="code_challenge" value="${escapeHtml(page.codeChallenge)}">
`
    : ''
}
${credentialFields({ username: page.username, hasProblem: Boolean(page.problem) })}
</form>`;
    case 'code':
      return `<h1>${pageText('signIn.signedInHeading', { displayName: escapeHtml(page.displayName) })}</h1>
<p>${pageText('signIn.typeCode')}</p>
<p class="code" id="magic-code" aria-live="polite">${escapeHtml(page.code)}</p>
<p>${pageText('signIn.codeLifetime')}</p>`;
    case 'done':
      return `<h1>${pageText('signIn.signedInHeading', { displayName: escapeHtml(page.displayName) })}</h1>
<p id="signed-in" role="status">${pageText('signIn.goBack')}</p>`;
    case 'gone':
      return `<h1>${pageText('signIn.heading')}</h1>
<p class="problem" role="alert">${pageText(`signIn.problems.${page.problem}`)}</p>`;
  }
}
