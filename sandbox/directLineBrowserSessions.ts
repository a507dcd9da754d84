import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Direct Line enhanced authentication, the browser side. Web Chat asks `GET /session/getsessionid` with
 * credentials before opening a sign-in link and appends the answer as `code_challenge`; Azure ties it to a cookie
 * of the browser that asked, and completes the sign-in without a magic code only when the link is opened in that
 * same browser (https://blog.botframework.com/2018/09/01/using-webchat-with-azure-bot-services-authentication/,
 * https://learn.microsoft.com/azure/bot-service/bot-builder-security-enhanced). Anywhere else the page shows the
 * magic code, which only the chat can redeem.
 *
 * The sandbox's session id is an HMAC of the conversation and the browser's cookie, so nothing is stored and a
 * challenge is good only for one conversation in one browser. How Azure derives its id is not documented.
 */
export const BROWSER_COOKIE = 'dl_browser';
/** Long enough for a sign-in (OAuthPrompt waits 15 minutes), short enough not to outlive the chat by much. */
const COOKIE_MAX_AGE_SECONDS = 24 * 60 * 60;

export interface BrowserSessions {
  /** The browser's session id for `conversationId`, setting the browser's cookie when it has none. */
  issue(conversationId: string, req: IncomingMessage, res: ServerResponse): string;
  /** True when `challenge` was issued for `conversationId` to the browser that sent `req`. */
  verify(conversationId: string, challenge: string | undefined, req: IncomingMessage): boolean;
}

export function createBrowserSessions(key: Buffer): BrowserSessions {
  const sessionId = (conversationId: string, browser: string) =>
    createHmac('sha256', key).update(`${conversationId}\n${browser}`).digest('base64url');
  return {
    issue(conversationId, req, res) {
      let browser = cookieOf(req, BROWSER_COOKIE);
      if (!browser) {
        browser = randomBytes(24).toString('base64url');
        // SameSite=Lax: the bot's page and the sandbox are one site (loopback, other port), and the sign-in link is
        // a top-level navigation. Azure's cookie is on directline.botframework.com, over HTTPS with Secure.
        res.setHeader('set-cookie', `${BROWSER_COOKIE}=${browser}; Path=/; Max-Age=${COOKIE_MAX_AGE_SECONDS}; HttpOnly; SameSite=Lax`);
      }
      return sessionId(conversationId, browser);
    },
    verify(conversationId, challenge, req) {
      const browser = cookieOf(req, BROWSER_COOKIE);
      if (!browser || !challenge) return false;
      const expected = Buffer.from(sessionId(conversationId, browser));
      const given = Buffer.from(challenge);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

function cookieOf(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name && /^[A-Za-z0-9_-]{16,}$/.test(value.join('='))) return value.join('=');
  }
  return undefined;
}
