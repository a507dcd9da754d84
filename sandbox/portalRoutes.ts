import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Logger } from './logger';
import { forgetMagicCodes, rememberPurgedSignInName, verifyPassword, type SandboxDirectory } from './directory';
import type { ExportJobs } from './exportJobs';
import { sendHtml, type Route, type RouteContext } from './http';
import type { PageLanguage } from './pageStrings';
import { pageLanguage } from './pageLanguage';
import { renderPortalPage, type PortalNotice, type PortalProblem } from './portalPage';
import type { SignInLockout } from './signInLockout';

/** The page's path; `Sandbox.portalUrl` points here, standing for https://go.microsoft.com/fwlink/?linkid=873123. */
export const PORTAL_PATH = '/portal/my-data-requests';
const COOKIE = 'sandbox_portal';
/** How long a portal sign-in lasts, like a short browser session. */
const SESSION_MS = 30 * 60_000;

interface PortalSession {
  readonly userId: string;
  readonly csrf: string;
  readonly expiresAt: number;
  exportRequestedAt?: string;
}

/**
 * "My data requests" for the sandbox: sign in as the account, New export request, Close account, Yes. Closing
 * here does what Microsoft's page does for a member of an unmanaged organization: the account is deleted for good
 * and can no longer sign in. Nobody tells the token service, so the bot's cached token for the account is still
 * handed out until it expires, and Graph then answers it 404 (see graphRoutes, `/me`).
 * Sessions live in memory (a sandbox restart signs everyone out of this page, nothing else).
 */
export function portalRoutes(options: {
  readonly directory: SandboxDirectory;
  readonly exports: ExportJobs;
  readonly lockout: SignInLockout;
  readonly logger: Logger;
}): Route[] {
  const { directory, exports, lockout, logger } = options;
  const sessions = new Map<string, PortalSession>();

  function sessionOf(ctx: RouteContext): { id: string; session: PortalSession } | undefined {
    const id = /(?:^|;\s*)sandbox_portal=([A-Za-z0-9_-]+)/.exec(ctx.req.headers.cookie ?? '')?.[1];
    const session = id ? sessions.get(id) : undefined;
    if (!id || !session) return undefined;
    if (session.expiresAt <= directory.now().getTime() || directory.user(session.userId)?.status !== 'active') {
      sessions.delete(id);
      return undefined;
    }
    return { id, session };
  }

  /**
   * A form post counts only with its session's anti-forgery value (the page is a plain form, like the real one).
   * Its language is the one the form carries (the page it was on), else the browser's.
   */
  async function posted(
    ctx: RouteContext,
  ): Promise<{ language: PageLanguage; found?: { id: string; session: PortalSession; form: URLSearchParams } }> {
    const found = sessionOf(ctx);
    const form = new URLSearchParams(await ctx.body());
    const language = pageLanguage(form.get('ui_locales'), ctx.req);
    if (!found) return { language };
    const given = Buffer.from(form.get('csrf') ?? '');
    const expected = Buffer.from(found.session.csrf);
    return given.length === expected.length && timingSafeEqual(given, expected) ? { language, found: { ...found, form } } : { language };
  }

  function sessionEnded(ctx: RouteContext, language: PageLanguage): void {
    sendHtml(ctx, 403, renderPortalPage({ kind: 'signIn', problem: 'sessionEnded' }, language));
  }

  function requestsPage(ctx: RouteContext, language: PageLanguage, session: PortalSession, notice?: PortalNotice): void {
    const user = directory.user(session.userId);
    if (!user) return sendHtml(ctx, 200, renderPortalPage({ kind: 'signIn' }, language));
    sendHtml(
      ctx,
      200,
      renderPortalPage(
        {
          kind: 'requests',
          csrf: session.csrf,
          displayName: user.displayName,
          upn: user.upn,
          exportRequestedAt: session.exportRequestedAt,
          notice,
        },
        language,
      ),
    );
  }

  async function show(ctx: RouteContext): Promise<void> {
    const language = pageLanguage(ctx.url.searchParams.get('ui_locales'), ctx.req);
    const found = sessionOf(ctx);
    if (!found) return sendHtml(ctx, 200, renderPortalPage({ kind: 'signIn' }, language));
    requestsPage(ctx, language, found.session);
  }

  async function signIn(ctx: RouteContext): Promise<void> {
    const form = new URLSearchParams(await ctx.body());
    const language = pageLanguage(form.get('ui_locales'), ctx.req);
    const username = (form.get('username') ?? '').trim();
    const user = directory.userByUpn(username);
    const again = (problem: PortalProblem) => sendHtml(ctx, 200, renderPortalPage({ kind: 'signIn', username, problem }, language));
    if (!user || user.status !== 'active') return again('noAccount');
    // One lockout with the sign-in page's: Entra counts an account's failures wherever the sign-in happens.
    if (lockout.isLocked(username)) return again('lockedOut');
    if (!(await verifyPassword(form.get('password') ?? '', user.passwordHash)))
      return again(lockout.recordFailure(username) ? 'lockedOut' : 'wrongPassword');
    lockout.recordSuccess(username);
    const id = randomBytes(24).toString('base64url');
    const session: PortalSession = {
      userId: user.id,
      csrf: randomBytes(24).toString('base64url'),
      expiresAt: directory.now().getTime() + SESSION_MS,
    };
    sessions.set(id, session);
    ctx.res.setHeader('set-cookie', `${COOKIE}=${id}; Path=/portal; HttpOnly; SameSite=Lax`);
    logger.info(`user "${user.id}" signed in to My data requests`);
    requestsPage(ctx, language, session);
  }

  async function requestExport(ctx: RouteContext): Promise<void> {
    const { language, found } = await posted(ctx);
    if (!found) return sessionEnded(ctx, language);
    found.session.exportRequestedAt = `${directory.now().toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    logger.info(`user "${found.session.userId}" requested an export on My data requests`);
    requestsPage(ctx, language, found.session, 'exportSubmitted');
  }

  async function askToClose(ctx: RouteContext): Promise<void> {
    const { language, found } = await posted(ctx);
    const user = found && directory.user(found.session.userId);
    if (!found || !user) return sessionEnded(ctx, language);
    sendHtml(ctx, 200, renderPortalPage({ kind: 'confirmClose', csrf: found.session.csrf, upn: user.upn }, language));
  }

  async function confirmClose(ctx: RouteContext): Promise<void> {
    const { language, found } = await posted(ctx);
    const user = found && directory.user(found.session.userId);
    if (!found || !user) return sessionEnded(ctx, language);
    if (found.form.get('answer') !== 'yes') return requestsPage(ctx, language, found.session, 'notClosed');
    await directory.update((state) => {
      state.users = state.users.filter((u) => u.id !== user.id);
      forgetMagicCodes(state, user.id);
      // Only for the sign-in page's wording ("has been closed"), as a keyed hash, like a Graph purge.
      rememberPurgedSignInName(state, user.upn, directory.now().toISOString());
    });
    await exports.closeUser(user.id);
    for (const [id, session] of sessions) if (session.userId === user.id) sessions.delete(id);
    logger.info(`user "${user.id}" closed the account on My data requests`);
    sendHtml(ctx, 200, renderPortalPage({ kind: 'closed', upn: user.upn }, language));
  }

  return [
    { method: 'GET', pattern: new RegExp(`^${PORTAL_PATH}$`), handle: show },
    { method: 'POST', pattern: new RegExp(`^${PORTAL_PATH}/signin$`), handle: signIn },
    { method: 'POST', pattern: new RegExp(`^${PORTAL_PATH}/export$`), handle: requestExport },
    { method: 'POST', pattern: new RegExp(`^${PORTAL_PATH}/close$`), handle: askToClose },
    { method: 'POST', pattern: new RegExp(`^${PORTAL_PATH}/close/confirm$`), handle: confirmClose },
  ];
}
