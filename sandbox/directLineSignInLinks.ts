import type { Activity } from './directLineConversations';
import { sendEmpty, sendJson, type RouteContext } from './http';

const OAUTH_CARD = 'application/vnd.microsoft.card.oauth';

/**
 * Direct Line enhanced authentication, the link side. Direct Line replaces an OAuth card's sign-in link with its
 * own, and Web Chat opens it with `&code_challenge={sessionId}` appended URI-encoded to the link's last query value.
 */
export interface SignInLinkOptions {
  /** `{url}/login`: links to `{loginBaseUrl}/signin?...` are rewritten. */
  readonly loginBaseUrl: string;
  /** `{url}/v3/directline`: rewritten links point at `{domain}/session/signin?...`. */
  readonly domain: string;
}

/** The bot's activity as the client sees it: OAuth cards' sign-in buttons point at the Direct Line link. */
export function rewriteSignInLinks(activity: Activity, options: SignInLinkOptions): Activity {
  if (!Array.isArray(activity.attachments)) return activity;
  const signInPrefix = `${options.loginBaseUrl}/signin?`;
  const rewrite = (attachment: Record<string, unknown>) => {
    if (attachment.contentType !== OAUTH_CARD) return attachment;
    const content = (attachment.content ?? {}) as { buttons?: Array<Record<string, unknown>> };
    const buttons = (content.buttons ?? []).map((b) =>
      typeof b.value === 'string' && b.value.startsWith(signInPrefix)
        ? { ...b, value: `${options.domain}/session/signin?${b.value.slice(signInPrefix.length)}` }
        : b,
    );
    return { ...attachment, content: { ...content, buttons } };
  };
  return { ...activity, attachments: (activity.attachments as Array<Record<string, unknown>>).map(rewrite) };
}

/**
 * `GET {domain}/session/signin?state=...`: sends the browser on to the sign-in page with Web Chat's
 * `code_challenge` (appended URI-encoded inside `state`, or as its own parameter) kept, so the page can tell whether
 * it is open in the browser that holds the chat (directLineBrowserSessions.ts).
 */
export function signInRedirect(options: SignInLinkOptions): (ctx: RouteContext) => Promise<void> {
  return async (ctx) => {
    const raw = ctx.url.searchParams.get('state') ?? '';
    const [state, ...rest] = raw.split('&');
    const appended = new URLSearchParams(rest.join('&')).get('code_challenge');
    const challenge = appended ?? ctx.url.searchParams.get('code_challenge');
    if (!state) return sendJson(ctx, 400, { error: { code: 'MissingProperty', message: "'state' is required." } });
    const uiLocales = ctx.url.searchParams.get('ui_locales');
    const query = new URLSearchParams({
      ...(uiLocales ? { ui_locales: uiLocales } : {}),
      state,
      ...(challenge ? { code_challenge: challenge } : {}),
    });
    sendEmpty(ctx, 302, { location: `${options.loginBaseUrl}/signin?${query.toString()}`, 'cache-control': 'no-store' });
  };
}
