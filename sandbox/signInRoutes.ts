import { randomInt } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { Logger } from '../services/logger';
import { verifyPassword, type SandboxDirectory } from './directory';
import { sendHtml, type Route, type RouteContext } from './http';
import { renderSignInPage } from './signInPage';

/** How long a magic code can be redeemed, like the Bot Framework token service's magic codes. */
export const MAGIC_CODE_LIFETIME_MS = 5 * 60 * 1000;

/** Emitted on `sandbox.events` when a sign-in succeeds, so a Direct Line stand-in can tell the bot. */
export interface SignedInEvent {
  /** The channel's user id (`activity.from.id`), not the directory user id. */
  readonly userId: string;
  readonly channelId: string;
  readonly conversationId: string;
  readonly connectionName: string;
  /** The code shown on the page; lets a stand-in complete sign-in the way Direct Line enhanced authentication does. */
  readonly magicCode: string;
}

export const SIGNED_IN_EVENT = 'signedIn';

const PROBLEMS = {
  unknownUser: "This username may be incorrect. Make sure you typed it correctly. There's no account with that name in the sandbox directory.",
  wrongPassword: 'Your account or password is incorrect. Check the password and try again.',
  closedAccount: 'This account has been closed and can no longer sign in.',
  expiredLink: 'This sign-in link has expired or was already used. Go back to the chat and start signing in again.',
};

/** The sign-in page the token service's `signInLink` points to: `GET/POST {login}/signin?state=...`. */
export function signInRoutes(options: { readonly directory: SandboxDirectory; readonly events: EventEmitter; readonly logger: Logger }): Route[] {
  const { directory, events, logger } = options;

  function liveSession(state: string) {
    const session = directory.state.signInSessions[state];
    return session && Date.parse(session.expiresAt) > directory.now().getTime() ? session : undefined;
  }

  async function showForm(ctx: RouteContext): Promise<void> {
    const state = sessionStateOf(ctx.url.searchParams.get('state'));
    if (!liveSession(state)) return sendHtml(ctx, 400, renderSignInPage({ kind: 'gone', problem: PROBLEMS.expiredLink }));
    sendHtml(ctx, 200, renderSignInPage({ kind: 'form', state }));
  }

  async function submitForm(ctx: RouteContext): Promise<void> {
    const form = new URLSearchParams(await ctx.body());
    const state = sessionStateOf(form.get('state'));
    const username = (form.get('username') ?? '').trim();
    const session = liveSession(state);
    if (!session) return sendHtml(ctx, 400, renderSignInPage({ kind: 'gone', problem: PROBLEMS.expiredLink }));
    const again = (problem: string) => sendHtml(ctx, 200, renderSignInPage({ kind: 'form', state, username, problem }));

    const user = directory.userByUpn(username);
    if (!user) return again(directory.state.closedUpns?.[username.toLowerCase()] ? PROBLEMS.closedAccount : PROBLEMS.unknownUser);
    if (!(await verifyPassword(form.get('password') ?? '', user.passwordHash))) {
      logger.info(`sign-in refused for user "${user.id}": wrong password`);
      return again(PROBLEMS.wrongPassword);
    }
    if (user.status !== 'active') {
      logger.info(`sign-in refused for user "${user.id}": account closed`);
      return again(PROBLEMS.closedAccount);
    }

    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    await directory.update((s) => {
      delete s.signInSessions[state];
      s.magicCodes.push({
        code,
        userId: user.id,
        channelUserId: session.channelUserId,
        channelId: session.channelId,
        connectionName: session.connectionName,
        expiresAt: new Date(directory.now().getTime() + MAGIC_CODE_LIFETIME_MS).toISOString(),
        failedAttempts: 0,
      });
    });
    logger.info(`user "${user.id}" signed in`, { channelId: session.channelId, connectionName: session.connectionName });
    const event: SignedInEvent = {
      userId: session.channelUserId,
      channelId: session.channelId,
      conversationId: session.conversationId,
      connectionName: session.connectionName,
      magicCode: code,
    };
    events.emit(SIGNED_IN_EVENT, event);
    sendHtml(ctx, 200, renderSignInPage({ kind: 'code', code, displayName: user.displayName }));
  }

  return [
    { method: 'GET', pattern: /^\/login\/signin$/, handle: showForm },
    { method: 'POST', pattern: /^\/login\/signin$/, handle: submitForm },
  ];
}

/**
 * The Bot Framework Emulator opens a sign-in link with `%26code_challenge=...` appended (its PKCE step for
 * Azure's token service: BotFramework-Emulator `oauthLinkEncoder.ts`), which arrives inside `state`. Session
 * states never contain `&`, so everything from the first one on is the client's, not ours.
 */
function sessionStateOf(raw: string | null): string {
  return (raw ?? '').split('&')[0];
}
