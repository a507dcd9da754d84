import { escapeHtml } from './http';

export type SignInPage =
  | {
      readonly kind: 'form';
      readonly state: string;
      readonly codeChallenge?: string;
      readonly username?: string;
      readonly problem?: string;
    }
  | { readonly kind: 'code'; readonly code: string; readonly displayName: string }
  | { readonly kind: 'done'; readonly displayName: string }
  | { readonly kind: 'gone'; readonly problem: string };

/** The sandbox's sign-in page: plain HTML, labelled fields, problems announced to screen readers. */
export function renderSignInPage(page: SignInPage): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.kind === 'code' || page.kind === 'done' ? 'Signed in' : 'Sign in'} - Sandbox directory</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 28rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5; }
label { display: block; margin-top: 1rem; font-weight: 600; }
input { width: 100%; padding: .5rem; font-size: 1rem; box-sizing: border-box; }
button { margin-top: 1.5rem; padding: .5rem 1.5rem; font-size: 1rem; }
.problem { color: #a4262c; border-left: 4px solid #a4262c; padding-left: .75rem; }
.code { font-size: 2.5rem; letter-spacing: .3rem; font-family: ui-monospace, monospace; }
</style>
</head>
<body>
<main>
<p>Sandbox directory (a local stand-in for Microsoft Entra ID)</p>
${body(page)}
</main>
</body>
</html>
`;
}

function body(page: SignInPage): string {
  switch (page.kind) {
    case 'form':
      return `<h1>Sign in</h1>
${page.problem ? `<p class="problem" role="alert" id="problem">${escapeHtml(page.problem)}</p>` : ''}
<form method="post" action="signin">
<input type="hidden" name="state" value="${escapeHtml(page.state)}">
${
  page.codeChallenge
    ? `<input type="hidden" name="code_challenge" value="${escapeHtml(page.codeChallenge)}">
`
    : ''
}
<label for="username">Email or username</label>
<input id="username" name="username" type="email" autocomplete="username" required value="${escapeHtml(page.username ?? '')}"${page.problem ? ' aria-describedby="problem"' : ''}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`;
    case 'code':
      return `<h1>You're signed in, ${escapeHtml(page.displayName)}</h1>
<p>Type this code in the chat to finish signing in:</p>
<p class="code" id="magic-code" aria-live="polite">${escapeHtml(page.code)}</p>
<p>The code works once and expires in 5 minutes. You can close this page afterwards.</p>`;
    case 'done':
      return `<h1>You're signed in, ${escapeHtml(page.displayName)}</h1>
<p id="signed-in" role="status">Go back to the chat: it continues by itself. You can close this page.</p>`;
    case 'gone':
      return `<h1>Sign in</h1>
<p class="problem" role="alert">${escapeHtml(page.problem)}</p>`;
  }
}
