import { randomBytes } from 'node:crypto';
import type { Logger } from './logger';
import { ACCESS_TOKEN_LIFETIME_SECONDS } from './appTokenRoutes';
import { tokenCacheKey, type SandboxDirectory } from './directory';
import type { CachedUserToken, SignInSession } from './directoryRecords';
import { sendEmpty, sendJson, type Route, type RouteContext } from './http';
import { uiLocalesValue } from './pageLanguage';
import { teamsSsoRoutes, tokenExchangeResource } from './teamsSso';

/** A sign-in link stays usable as long as OAuthPrompt waits by default (15 minutes). */
export const SIGN_IN_SESSION_LIFETIME_MS = 15 * 60 * 1000;
/** Wrong magic codes tolerated per channel user + connection + channel before their live codes are revoked. */
const MAX_FAILED_CODE_ATTEMPTS = 5;

export interface TokenServiceOptions {
  readonly directory: SandboxDirectory;
  /** `{url}/login`: where sign-in links point. */
  readonly loginBaseUrl: string;
  readonly logger: Logger;
}

/**
 * The Bot Framework Token Service routes the SDK's `TokenApiClient` calls (botframework-connector
 * src/tokenApi/operations), with Teams SSO (`exchange`, see teamsSso.ts). Not supported: AAD multi-resource tokens (501).
 */
export function tokenServiceRoutes(options: TokenServiceOptions): Route[] {
  const { directory, loginBaseUrl, logger } = options;

  async function getSignInResource(ctx: RouteContext): Promise<void> {
    const session = parseExchangeState(ctx.url.searchParams.get('state'), directory.now());
    if (!session)
      return badArgument(
        ctx,
        "'state' must be a base64 TokenExchangeState with connectionName, conversation.user.id, conversation.channelId and conversation.conversation.id.",
      );
    const id = randomBytes(24).toString('base64url');
    await directory.update((s) => (s.signInSessions[id] = session));
    // The user's language goes along as `ui_locales`, the parameter Microsoft's sign-in page takes its language
    // from (sandbox/pageLanguage.ts); first, so the Emulator's `%26code_challenge=` appended at the end stays in `state`.
    const uiLocales = uiLocalesValue(exchangeStateLocale(ctx.url.searchParams.get('state')));
    const signInLink = `${loginBaseUrl}/signin?${uiLocales ? `ui_locales=${encodeURIComponent(uiLocales)}&` : ''}state=${id}`;
    if (ctx.url.pathname.endsWith('GetSignInUrl')) return sendJson(ctx, 200, signInLink);
    // Only Teams does SSO; Azure adds the resource when the connection has a Token Exchange URL.
    sendJson(ctx, 200, session.channelId === 'msteams' ? { signInLink, tokenExchangeResource: tokenExchangeResource() } : { signInLink });
  }

  async function getToken(ctx: RouteContext): Promise<void> {
    const key = tokenKey(ctx);
    if (!key || !key.connectionName || !key.channelId) return badArgument(ctx, "'userId', 'connectionName' and 'channelId' are required.");
    const code = ctx.url.searchParams.get('code');
    const redeemed = code ? await redeem({ ...key, connectionName: key.connectionName, channelId: key.channelId }, code) : undefined;
    const cached = redeemed ?? findCached(key);
    // An empty 404 is what the real service sends; a `{}` body would read as a token and end OAuthPrompt at once.
    if (!cached) return sendEmpty(ctx, 404);
    sendJson(ctx, 200, {
      channelId: cached.channelId,
      connectionName: cached.connectionName,
      token: cached.token,
      expiration: cached.expiresAt,
    });
  }

  async function signOut(ctx: RouteContext): Promise<void> {
    const key = tokenKey(ctx);
    if (!key) return badArgument(ctx, "'userId' is required.");
    await directory.update((s) => {
      for (const [id, entry] of cachedFor(key)) if (s.tokenCache[id] === entry) delete s.tokenCache[id];
    });
    sendJson(ctx, 200, {});
  }

  async function getTokenStatus(ctx: RouteContext): Promise<void> {
    const key = tokenKey(ctx);
    if (!key) return badArgument(ctx, "'userId' is required.");
    const include = (ctx.url.searchParams.get('include') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const statuses = cachedFor(key)
      .map(([, t]) => t)
      .filter((t) => (include.length === 0 || include.includes(t.connectionName)) && directory.resolveToken(t.token))
      .map((t) => ({
        channelId: t.channelId,
        connectionName: t.connectionName,
        hasToken: true,
        serviceProviderDisplayName: 'Sandbox directory',
      }));
    sendJson(ctx, 200, statuses);
  }

  async function notSupported(ctx: RouteContext): Promise<void> {
    sendJson(ctx, 501, {
      error: {
        code: 'NotImplemented',
        message: `The sandbox token service does not support ${ctx.url.pathname}: there are no multi-resource tokens in the sandbox.`,
      },
    });
  }

  async function redeem(key: Required<TokenKey>, code: string): Promise<CachedUserToken | undefined> {
    const now = directory.now();
    const id = tokenCacheKey(key);
    const codes = (directory.state.magicCodes[id] ?? []).filter((c) => Date.parse(c.expiresAt) > now.getTime());
    const match = codes.find((c) => c.code === code);
    if (!match) {
      if (codes.length === 0) return undefined;
      // Codes are replaced, never changed in place (sandbox/stateJournal.ts logs assignments).
      await directory.update((s) => {
        const left = codes
          .map((c) => ({ ...c, failedAttempts: c.failedAttempts + 1 }))
          .filter((c) => c.failedAttempts < MAX_FAILED_CODE_ATTEMPTS);
        if (left.length > 0) s.magicCodes[id] = left;
        else delete s.magicCodes[id];
      });
      return undefined;
    }
    const user = directory.user(match.userId);
    return directory.update((s) => {
      const left = codes.filter((c) => c !== match);
      if (left.length > 0) s.magicCodes[id] = left;
      else delete s.magicCodes[id];
      if (user?.status !== 'active') return undefined;
      const issued = directory.issueToken({ kind: 'user', tenantId: user.tenantId, userId: user.id }, ACCESS_TOKEN_LIFETIME_SECONDS);
      const entry: CachedUserToken = { ...key, userId: user.id, token: issued.token, expiresAt: issued.expiresAt.toISOString() };
      s.tokenCache[id] = entry;
      logger.info(`magic code redeemed for user "${user.id}"`, { channelId: key.channelId, connectionName: key.connectionName });
      return entry;
    });
  }

  function findCached(key: TokenKey): CachedUserToken | undefined {
    // Like the Bot Framework token service, the cache is not told when an account is closed on Microsoft's page:
    // it hands out the token it holds until that expires (Graph then refuses it).
    return cachedFor(key)
      .map(([, t]) => t)
      .find((t) => directory.unexpiredGrant(t.token));
  }

  /** The cached tokens `key` names: one lookup with every part given, a scan when SignOut or GetTokenStatus leaves some out. */
  function cachedFor(key: TokenKey): Array<[string, CachedUserToken]> {
    const cache = directory.state.tokenCache;
    if (key.connectionName !== undefined && key.channelId !== undefined) {
      const id = tokenCacheKey({ channelUserId: key.channelUserId, channelId: key.channelId, connectionName: key.connectionName });
      const entry = cache[id];
      return entry ? [[id, entry]] : [];
    }
    return Object.entries(cache).filter(([, t]) => matches(t, key));
  }

  const api = '^/botframework/api';
  return [
    { method: 'GET', pattern: new RegExp(`${api}/botsignin/GetSignInResource$`), handle: getSignInResource },
    { method: 'GET', pattern: new RegExp(`${api}/botsignin/GetSignInUrl$`), handle: getSignInResource },
    { method: 'GET', pattern: new RegExp(`${api}/usertoken/GetToken$`), handle: getToken },
    { method: 'DELETE', pattern: new RegExp(`${api}/usertoken/SignOut$`), handle: signOut },
    { method: 'GET', pattern: new RegExp(`${api}/usertoken/GetTokenStatus$`), handle: getTokenStatus },
    ...teamsSsoRoutes({ directory, logger }),
    { method: 'POST', pattern: new RegExp(`${api}/usertoken/GetAadTokens$`), handle: notSupported },
  ];
}

interface TokenKey {
  readonly channelUserId: string;
  readonly connectionName?: string;
  readonly channelId?: string;
}

/** Query `userId` is the channel's user id; absent connectionName/channelId match every one (SignOut, GetTokenStatus). */
function tokenKey(ctx: RouteContext): TokenKey | undefined {
  const query = ctx.url.searchParams;
  const channelUserId = query.get('userId');
  if (!channelUserId) return undefined;
  return { channelUserId, connectionName: query.get('connectionName') || undefined, channelId: query.get('channelId') || undefined };
}

function matches(entry: { channelUserId: string; connectionName: string; channelId: string }, key: TokenKey): boolean {
  return (
    entry.channelUserId === key.channelUserId &&
    (key.connectionName === undefined || entry.connectionName === key.connectionName) &&
    (key.channelId === undefined || entry.channelId === key.channelId)
  );
}

function badArgument(ctx: RouteContext, message: string): void {
  sendJson(ctx, 400, { error: { code: 'BadArgument', message } });
}

/** Decodes the SDK's `UserTokenClient.createTokenExchangeState`: base64 JSON of a TokenExchangeState. */
/** The `locale` of the conversation reference in a TokenExchangeState (botbuilder's OAuthPrompt puts the activity's there). */
function exchangeStateLocale(raw: string | null): unknown {
  try {
    const state = JSON.parse(Buffer.from(raw ?? '', 'base64').toString('utf8')) as { conversation?: { locale?: unknown } } | null;
    return state?.conversation?.locale;
  } catch {
    // Malformed state is refused by parseExchangeState before this is asked.
    return undefined;
  }
}

function parseExchangeState(raw: string | null, now: Date): SignInSession | undefined {
  if (!raw) return undefined;
  let state: { connectionName?: unknown; conversation?: { user?: { id?: unknown }; channelId?: unknown; conversation?: { id?: unknown } } };
  try {
    state = JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as typeof state;
  } catch {
    return undefined;
  }
  const { connectionName, conversation } = state ?? {};
  const channelUserId = conversation?.user?.id;
  const channelId = conversation?.channelId;
  const conversationId = conversation?.conversation?.id;
  if (typeof connectionName !== 'string' || !connectionName || typeof channelUserId !== 'string' || !channelUserId) return undefined;
  if (typeof channelId !== 'string' || !channelId || typeof conversationId !== 'string' || !conversationId) return undefined;
  return {
    channelUserId,
    channelId,
    conversationId,
    connectionName,
    expiresAt: new Date(now.getTime() + SIGN_IN_SESSION_LIFETIME_MS).toISOString(),
  };
}
