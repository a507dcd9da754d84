import { escapeHtml } from './http';

/** One screen of the sandbox's "My data requests" page. */
export type PortalScreen =
  | { readonly kind: 'signIn'; readonly username?: string; readonly problem?: string }
  | {
      readonly kind: 'requests';
      readonly csrf: string;
      readonly displayName: string;
      readonly upn: string;
      readonly exportRequestedAt?: string;
      readonly notice?: string;
    }
  | { readonly kind: 'confirmClose'; readonly csrf: string; readonly upn: string }
  | { readonly kind: 'closed'; readonly upn: string };

/**
 * The stand-in for Microsoft's "My data requests" page (https://go.microsoft.com/fwlink/?linkid=873123), with the
 * steps Microsoft documents for an unmanaged organization: sign in as the account, **New export request**,
 * **Close account**, then **Yes** (https://learn.microsoft.com/entra/identity/users/users-close-account).
 * Plain HTML: labelled fields, one heading per screen, problems announced to screen readers.
 */
export function renderPortalPage(screen: PortalScreen): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title(screen)} - My data requests (sandbox)</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 34rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5; }
label { display: block; margin-top: 1rem; font-weight: 600; }
input { width: 100%; padding: .5rem; font-size: 1rem; box-sizing: border-box; }
button { margin-top: 1rem; margin-right: .5rem; padding: .5rem 1.5rem; font-size: 1rem; }
.problem { color: #a4262c; border-left: 4px solid #a4262c; padding-left: .75rem; }
.notice { border-left: 4px solid #0b6a0b; padding-left: .75rem; }
</style>
</head>
<body>
<main>
<p>Sandbox stand-in for Microsoft's "My data requests" page</p>
${body(screen)}
</main>
</body>
</html>
`;
}

function title(screen: PortalScreen): string {
  switch (screen.kind) {
    case 'signIn':
      return 'Sign in';
    case 'requests':
      return 'My data requests';
    case 'confirmClose':
      return 'Close account';
    case 'closed':
      return 'Account closed';
  }
}

function body(screen: PortalScreen): string {
  switch (screen.kind) {
    case 'signIn':
      return `<h1>Sign in</h1>
<p>Sign in with the work or school account whose data requests you want to manage.</p>
${screen.problem ? `<p class="problem" role="alert" id="problem">${escapeHtml(screen.problem)}</p>` : ''}
<form method="post" action="/portal/my-data-requests/signin">
<label for="username">Email or username</label>
<input id="username" name="username" type="email" autocomplete="username" required value="${escapeHtml(screen.username ?? '')}"${screen.problem ? ' aria-describedby="problem"' : ''}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`;
    case 'requests':
      return `<h1>My data requests</h1>
<p>Signed in as <strong>${escapeHtml(screen.displayName)}</strong> (<span id="account">${escapeHtml(screen.upn)}</span>).</p>
${screen.notice ? `<p class="notice" role="status">${escapeHtml(screen.notice)}</p>` : ''}
<h2>Export your data</h2>
<p>${
        screen.exportRequestedAt
          ? `Export requested ${escapeHtml(screen.exportRequestedAt)}: <span id="export-status">pending</span>. Exports are usually ready in a day or two; the download link is valid for a limited time.`
          : 'No export requested yet.'
      }</p>
<form method="post" action="/portal/my-data-requests/export">
<input type="hidden" name="csrf" value="${escapeHtml(screen.csrf)}">
<button type="submit">New export request</button>
</form>
<h2>Close your account</h2>
<p>Closing your account removes it and its personal data. It can't be undone.</p>
<form method="post" action="/portal/my-data-requests/close">
<input type="hidden" name="csrf" value="${escapeHtml(screen.csrf)}">
<button type="submit">Close account</button>
</form>`;
    case 'confirmClose':
      return `<h1>Close account</h1>
<p role="alert">Are you sure you want to close <strong>${escapeHtml(screen.upn)}</strong>? Closing your account is irreversible: all personal data will be removed, and you will no longer have access to the account or its data.</p>
<form method="post" action="/portal/my-data-requests/close/confirm">
<input type="hidden" name="csrf" value="${escapeHtml(screen.csrf)}">
<button type="submit" name="answer" value="yes">Yes</button>
<button type="submit" name="answer" value="no">No</button>
</form>`;
    case 'closed':
      return `<h1>Account closed</h1>
<p id="closed-notice">The account <strong>${escapeHtml(screen.upn)}</strong> has been closed. You can close this page and go back to the chat.</p>`;
  }
}
