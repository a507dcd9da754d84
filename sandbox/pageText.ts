import { escapeHtml } from './http';
import { pageString, type PageLanguage } from './pageStrings';

/**
 * A sentence of a sandbox page as HTML, in the current page language (sandbox/locales/*.json): the translation is
 * escaped, then each `{{slot}}` is filled with the caller's HTML (escaped names, an element), so neither a
 * translation nor a name can add markup.
 */
export function pageText(key: string, html: Readonly<Record<string, string>> = {}): string {
  const slots = Object.keys(html);
  const markers = Object.fromEntries(slots.map((slot, i) => [slot, `\u0001${i}\u0001`]));
  let text = escapeHtml(pageString(key, markers));
  slots.forEach((slot, i) => (text = text.split(`\u0001${i}\u0001`).join(html[slot])));
  return text;
}

/**
 * The address and password fields and the submit button of both sandbox sign-in forms (the sign-in page and the
 * "My data requests" portal's): the address kept after a failed try, and tied to the problem when one is shown.
 */
export function credentialFields(form: { readonly username?: string; readonly hasProblem: boolean }): string {
  return `<label for="username">${pageText('signIn.username')}</label>
<input id="username" name="username" type="email" autocomplete="username" required value="${escapeHtml(form.username ?? '')}"${form.hasProblem ? ' aria-describedby="problem"' : ''}>
<label for="password">${pageText('signIn.password')}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">${pageText('signIn.submit')}</button>`;
}

/**
 * The HTML every sandbox page shares: its language, the viewport, the common styles (plus the page's own `css`),
 * the banner saying it is a stand-in, and the page's `main` content. Call it inside `inPageLanguage(language)`.
 */
export function pageShell(page: {
  language: PageLanguage;
  title: string;
  maxWidthRem: number;
  css: string;
  banner: string;
  main: string;
}): string {
  return `<!doctype html>
<html lang="${escapeHtml(page.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: ${page.maxWidthRem}rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5; }
label { display: block; margin-top: 1rem; font-weight: 600; }
input { width: 100%; padding: .5rem; font-size: 1rem; box-sizing: border-box; }
.problem { color: #a4262c; border-left: 4px solid #a4262c; padding-left: .75rem; }
${page.css}
</style>
</head>
<body>
<main>
<p>${page.banner}</p>
${page.main}
</main>
</body>
</html>
`;
}
