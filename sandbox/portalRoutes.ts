import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Logger } from '../services/logger';
import { rememberPurgedSignInName, verifyPassword, type SandboxDirectory } from './directory';
import type { ExportJobs } from './exportJobs';
import { sendHtml, type Route, type RouteContext } from './http';
import { renderPortalPage } from './portalPage';
import type { SignInLockout } from './signInLockout';

/** The page's path; `Sandbox.portalUrl` points here, standing for https://go.microsoft.com/fwlink/?linkid=873123. */
export const PORTAL_PATH = '/portal/my-data-requests';
const COOKIE = 'sandbox_portal';
const LOCKED_OUT =
  'Your account is temporarily locked to prevent unauthorized use: the password was wrong too many times. Wait a minute, then try again.';
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

  /** A form post counts only with its session's anti-forgery value (the page is a plain form, like the real one). */
  async function postedSession(ctx: RouteContext): Promise<{ id: string; session: PortalSession; form: URLSearchParams } | undefined> {
    const found = sessionOf(ctx);
    const form = new URLSearchParams(await ctx.body());
    if (!found) return undefined;
    const given = Buffer.from(form.get('csrf') ?? '');
    const expected = Buffer.from(found.session.csrf);
    return given.length === expected.length && timingSafeEqual(given, expected) ? { ...found, form } : undefined;
  }

  function requestsPage(ctx: RouteContext, session: PortalSession, notice?: string): void {
    const user = directory.user(session.userId);
    if (!user) return sendHtml(ctx, 200, renderPortalPage({ kind: 'signIn' }));
    sendHtml(
      ctx,
      200,
      renderPortalPage({
        kind: 'requests',
        csrf: session.csrf,
        displayName: user.displayName,
        upn: user.upn,
        exportRequestedAt: session.exportRequestedAt,
        notice,
      }),
    );
  }

  async function show(ctx: RouteContext): Promise<void> {
    const found = sessionOf(ctx);
    if (!found) return sendHtml(ctx, 200, renderPortalPage({ kind: 'signIn' }));
    requestsPage(ctx, found.session);
  }

  async function signIn(ctx: RouteContext): Promise<void> {
    const form = new URLSearchParams(await ctx.body());
    const username = (form.get('username') ?? '').trim();
    const user = directory.userByUpn(username);
    const again = (problem: string) => sendHtml(ctx, 200, renderPortalPage({ kind: 'signIn', username, problem }));
    if (!user || user.status !== 'active') return again("There's no open account with that name in the sandbox directory.");
    // One lockout with the sign-in page's: Entra counts an account's failures wherever the sign-in happens.
    if (lockout.isLocked(username)) return again(LOCKED_OUT);
    if (!(await verifyPassword(form.get('password') ?? '', user.passwordHash)))
      return again(lockout.recordFailure(username) ? LOCKED_OUT : 'Your account or password is incorrect.');
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
    requestsPage(ctx, session);
  }

  async function requestExport(ctx: RouteContext): Promise<void> {
    const found = await postedSession(ctx);
    if (!found) return sendHtml(ctx, 403, renderPortalPage({ kind: 'signIn', problem: 'Your session has ended. Sign in again.' }));
    found.session.exportRequestedAt = `${directory.now().toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    logger.info(`user "${found.session.userId}" requested an export on My data requests`);
    requestsPage(ctx, found.session, 'Your export request has been submitted.');
  }

  async function askToClose(ctx: RouteContext): Promise<void> {
    const found = await postedSession(ctx);
    const user = found && directory.user(found.session.userId);
    if (!found || !user) return sendHtml(ctx, 403, renderPortalPage({ kind: 'signIn', problem: 'Your session has ended. Sign in again.' }));
    sendHtml(ctx, 200, renderPortalPage({ kind: 'confirmClose', csrf: found.session.csrf, upn: user.upn }));
  }

  async function confirmClose(ctx: RouteContext): Promise<void> {
    const found = await postedSession(ctx);
    const user = found && directory.user(found.session.userId);
    if (!found || !user) return sendHtml(ctx, 403, renderPortalPage({ kind: 'signIn', problem: 'Your session has ended. Sign in again.' }));
    if (found.form.get('answer') !== 'yes') return requestsPage(ctx, found.session, 'Your account was not closed.');
    await directory.update((state) => {
      state.users = state.users.filter((u) => u.id !== user.id);
      state.magicCodes = state.magicCodes.filter((c) => c.userId !== user.id);
      // Only for the sign-in page's wording ("has been closed"), as a keyed hash, like a Graph purge.
      rememberPurgedSignInName(state, user.upn, directory.now().toISOString());
    });
    await exports.closeUser(user.id);
    for (const [id, session] of sessions) if (session.userId === user.id) sessions.delete(id);
    logger.info(`user "${user.id}" closed the account on My data requests`);
    sendHtml(ctx, 200, renderPortalPage({ kind: 'closed', upn: user.upn }));
  }

  return [
    { method: 'GET', pattern: new RegExp(`^${PORTAL_PATH}$`), handle: show },
    { method: 'POST', pattern: new RegExp(`^${PORTAL_PATH}/signin$`), handle: signIn },
    { method: 'POST', pattern: new RegExp(`^${PORTAL_PATH}/export$`), handle: requestExport },
    { method: 'POST', pattern: new RegExp(`^${PORTAL_PATH}/close$`), handle: askToClose },
    { method: 'POST', pattern: new RegExp(`^${PORTAL_PATH}/close/confirm$`), handle: confirmClose },
  ];
}
