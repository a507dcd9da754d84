import { randomInt } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { Logger } from './logger';
import type { BrowserSessions } from './directLineBrowserSessions';
import { tokenCacheKey, verifyPassword, type SandboxDirectory } from './directory';
import { sendHtml, type Route, type RouteContext } from './http';
import type { SignInLockout } from './signInLockout';
import { pageLanguage } from './pageLanguage';
import { renderSignInPage, type SignInProblem } from './signInPage';

/** How long a magic code can be redeemed, like the Bot Framework token service's magic codes. */
export const MAGIC_CODE_LIFETIME_MS = 5 * 60 * 1000;

/** Emitted on `sandbox.events` when a sign-in succeeds, so a Direct Line stand-in can tell the bot. */
export interface SignedInEvent {
  /** The channel's user id (`activity.from.id`), not the directory user id. */
  readonly userId: string;
  readonly channelId: string;
  readonly conversationId: string;
  readonly connectionName: string;
  /** The sign-in's magic code; a stand-in redeems it to complete the sign-in when `browserBound`. */
  readonly magicCode: string;
  /**
   * True when the page was opened from the chat's own browser (Direct Line enhanced authentication: the
   * `code_challenge` Web Chat appended matches this browser's session for that conversation). Only then may the
   * sign-in reach the chat without the user typing the code; otherwise the page showed the code.
   */
  readonly browserBound: boolean;
}

export const SIGNED_IN_EVENT = 'signedIn';

export interface SignInRoutesOptions {
  readonly directory: SandboxDirectory;
  readonly events: EventEmitter;
  /** Tells whether a Direct Line sign-in is open in the chat's own browser. */
  readonly browserSessions: BrowserSessions;
  /** Shared with the portal's sign-in: failures count per account wherever they happen. */
  readonly lockout: SignInLockout;
  readonly logger: Logger;
}

/** The sign-in page the token service's `signInLink` points to: `GET/POST {login}/signin?state=...`. */
export function signInRoutes(options: SignInRoutesOptions): Route[] {
  const { directory, events, browserSessions, lockout, logger } = options;

  function liveSession(state: string) {
    const session = directory.state.signInSessions[state];
    return session && Date.parse(session.expiresAt) > directory.now().getTime() ? session : undefined;
  }

  async function showForm(ctx: RouteContext): Promise<void> {
    const state = sessionStateOf(ctx.url.searchParams.get('state'));
    const language = pageLanguage(ctx.url.searchParams.get('ui_locales'), ctx.req);
    if (!liveSession(state)) return sendHtml(ctx, 400, renderSignInPage({ kind: 'gone', problem: 'expiredLink' }, language));
    sendHtml(
      ctx,
      200,
      renderSignInPage({ kind: 'form', state, codeChallenge: ctx.url.searchParams.get('code_challenge') ?? undefined }, language),
    );
  }

  async function submitForm(ctx: RouteContext): Promise<void> {
    const form = new URLSearchParams(await ctx.body());
    const state = sessionStateOf(form.get('state'));
    const username = (form.get('username') ?? '').trim();
    const codeChallenge = form.get('code_challenge') ?? undefined;
    // The form carries the language the page was shown in; without it, the browser's.
    const language = pageLanguage(form.get('ui_locales'), ctx.req);
    const session = liveSession(state);
    if (!session) return sendHtml(ctx, 400, renderSignInPage({ kind: 'gone', problem: 'expiredLink' }, language));
    const again = (problem: SignInProblem) =>
      sendHtml(ctx, 200, renderSignInPage({ kind: 'form', state, codeChallenge, username, problem }, language));

    const user = directory.userByUpn(username);
    if (!user) return again(directory.wasPurged(username) ? 'closedAccount' : 'unknownUser');
    // Checked before the password, so a locked account costs no scrypt and even the right password waits.
    if (lockout.isLocked(username)) {
      logger.info(`sign-in refused for user "${user.id}": locked out`);
      return again('lockedOut');
    }
    if (!(await verifyPassword(form.get('password') ?? '', user.passwordHash))) {
      const locked = lockout.recordFailure(username);
      logger.info(`sign-in refused for user "${user.id}": wrong password${locked ? '; account locked out' : ''}`);
      return again(locked ? 'lockedOut' : 'wrongPassword');
    }
    lockout.recordSuccess(username);
    if (user.status !== 'active') {
      logger.info(`sign-in refused for user "${user.id}": account closed`);
      return again('closedAccount');
    }

    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    await directory.update((s) => {
      delete s.signInSessions[state];
      const id = tokenCacheKey(session);
      // Replaced, never changed in place (sandbox/stateJournal.ts logs assignments).
      s.magicCodes[id] = [
        ...(s.magicCodes[id] ?? []),
        {
          code,
          userId: user.id,
          channelUserId: session.channelUserId,
          channelId: session.channelId,
          connectionName: session.connectionName,
          expiresAt: new Date(directory.now().getTime() + MAGIC_CODE_LIFETIME_MS).toISOString(),
          failedAttempts: 0,
        },
      ];
    });
    const browserBound = session.channelId === 'directline' && browserSessions.verify(session.conversationId, codeChallenge, ctx.req);
    logger.info(`user "${user.id}" signed in`, { channelId: session.channelId, connectionName: session.connectionName, browserBound });
    const event: SignedInEvent = {
      userId: session.channelUserId,
      channelId: session.channelId,
      conversationId: session.conversationId,
      connectionName: session.connectionName,
      magicCode: code,
      browserBound,
    };
    events.emit(SIGNED_IN_EVENT, event);
    // The code is shown only where the chat needs it typed: in the chat's own browser the sign-in goes on by itself.
    sendHtml(
      ctx,
      200,
      renderSignInPage(
        browserBound ? { kind: 'done', displayName: user.displayName } : { kind: 'code', code, displayName: user.displayName },
        language,
      ),
    );
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
