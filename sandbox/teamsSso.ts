import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from './logger';
import { ACCESS_TOKEN_LIFETIME_SECONDS } from './appTokenRoutes';
import { tokenCacheKey, verifyPassword, type SandboxDirectory } from './directory';
import type { CachedUserToken } from './directoryRecords';
import { sendJson, type Route, type RouteContext } from './http';

/**
 * Teams SSO in the sandbox. In Teams, the client gets a token for the bot's own app (`webApplicationInfo`) from
 * Entra without asking the user, sends it in a `signin/tokenExchange` invoke, and the bot asks the token service
 * to exchange it (on-behalf-of) for the connection's token:
 * https://learn.microsoft.com/microsoftteams/platform/bots/how-to/authentication/bot-sso-code.
 * Here `POST /login/teams-sso-token` plays the Teams client's part (with the user's password, since there is no
 * Teams sign-in to ride on) and `POST /botframework/api/usertoken/exchange` the token service's.
 */

/** `tokenExchangeResource.uri` on Teams OAuth cards: the bot app's Application ID URI in Azure. */
export const SANDBOX_SSO_RESOURCE_URI = 'api://sandbox.localhost/botid-sandbox';

interface SsoGrant {
  readonly userId: string;
  readonly expiresAt: number;
}

export interface TeamsSsoOptions {
  readonly directory: SandboxDirectory;
  readonly logger: Logger;
}

/**
 * SSO tokens are kept in memory only (a restart forgets them, as a client's cached token would be fetched again),
 * and are never valid at Graph: their audience is the bot app, not Graph, so only `exchange` accepts them.
 */
export class TeamsSsoTokens {
  private readonly grants = new Map<string, SsoGrant>();

  constructor(private readonly options: TeamsSsoOptions) {}

  mint(userId: string): { token: string; expiresInSeconds: number } {
    const token = randomBytes(32).toString('base64url');
    this.grants.set(digest(token), { userId, expiresAt: this.options.directory.now().getTime() + ACCESS_TOKEN_LIFETIME_SECONDS * 1000 });
    return { token, expiresInSeconds: ACCESS_TOKEN_LIFETIME_SECONDS };
  }

  /** The directory user behind a live SSO token whose account is still active. */
  resolve(token: string): string | undefined {
    const grant = this.grants.get(digest(token));
    if (!grant || grant.expiresAt <= this.options.directory.now().getTime()) return undefined;
    return this.options.directory.user(grant.userId)?.status === 'active' ? grant.userId : undefined;
  }
}

/** The Teams-client stand-in and the token service's `exchange`, which OAuthPrompt and TeamsSSOTokenExchangeMiddleware call. */
export function teamsSsoRoutes(options: TeamsSsoOptions): Route[] {
  const { directory, logger } = options;
  const sso = new TeamsSsoTokens(options);

  async function mintToken(ctx: RouteContext): Promise<void> {
    const form = new URLSearchParams(await ctx.body());
    const user = directory.userByUpn(form.get('username') ?? '');
    const fail = (aadsts: number, description: string) =>
      sendJson(ctx, 400, { error: 'invalid_grant', error_description: `AADSTS${aadsts}: ${description}`, error_codes: [aadsts] });
    if (!user || !(await verifyPassword(form.get('password') ?? '', user.passwordHash)))
      return fail(50126, 'Error validating credentials due to invalid username or password.');
    if (user.status !== 'active') return fail(50057, 'The user account is disabled or has been deleted.');
    const minted = sso.mint(user.id);
    logger.info(`Teams SSO token issued for user "${user.id}"`);
    sendJson(ctx, 200, { token_type: 'Bearer', expires_in: minted.expiresInSeconds, access_token: minted.token });
  }

  /**
   * botframework-connector `userToken.exchangeAsync`: 200 with a TokenResponse, or an ErrorResponse
   * (`{ error: { code, message } }`) that the SDK reads as "no token", so OAuthPrompt and the middleware answer
   * Teams 412 and Teams falls back to the sign-in card.
   */
  async function exchange(ctx: RouteContext): Promise<void> {
    const query = ctx.url.searchParams;
    const channelUserId = query.get('userId');
    const connectionName = query.get('connectionName');
    const channelId = query.get('channelId');
    if (!channelUserId || !connectionName || !channelId)
      return errorResponse(ctx, 400, 'BadArgument', "'userId', 'connectionName' and 'channelId' are required.");
    const token = readExchangeToken(await ctx.body());
    if (token === undefined)
      return errorResponse(
        ctx,
        400,
        'BadArgument',
        "The body must be a TokenExchangeRequest with a 'token'; exchanging by 'uri' is not supported.",
      );
    const userId = sso.resolve(token);
    if (!userId) {
      logger.info('SSO token exchange refused: unknown, expired or closed account', { channelId, connectionName });
      return errorResponse(ctx, 400, 'InvalidSsoToken', 'The token cannot be exchanged. Sign in with the sign-in card instead.');
    }
    const user = directory.user(userId);
    if (!user) return errorResponse(ctx, 400, 'InvalidSsoToken', 'The token cannot be exchanged. Sign in with the sign-in card instead.');
    const entry = await directory.update((s) => {
      const issued = directory.issueToken({ kind: 'user', tenantId: user.tenantId, userId }, ACCESS_TOKEN_LIFETIME_SECONDS);
      const cached: CachedUserToken = {
        channelUserId,
        connectionName,
        channelId,
        userId,
        token: issued.token,
        expiresAt: issued.expiresAt.toISOString(),
      };
      // Like the real service, a successful exchange is cached: GetToken without a code returns it afterwards.
      s.tokenCache[tokenCacheKey(cached)] = cached;
      return cached;
    });
    logger.info(`SSO token exchanged for user "${userId}"`, { channelId, connectionName });
    sendJson(ctx, 200, { channelId, connectionName, token: entry.token, expiration: entry.expiresAt });
  }

  return [
    { method: 'POST', pattern: /^\/login\/teams-sso-token$/, handle: mintToken },
    { method: 'POST', pattern: /^\/botframework\/api\/usertoken\/exchange$/, handle: exchange },
  ];
}

/** A random id per OAuth card, as Azure's token service puts in `tokenExchangeResource` for Teams. */
export function tokenExchangeResource(): { id: string; uri: string; providerId: string } {
  return { id: randomBytes(16).toString('hex'), uri: SANDBOX_SSO_RESOURCE_URI, providerId: 'sandbox-aadv2' };
}

function readExchangeToken(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { token?: unknown };
    return typeof parsed?.token === 'string' && parsed.token.length > 0 && parsed.token.length <= 4096 ? parsed.token : undefined;
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

function errorResponse(ctx: RouteContext, status: number, code: string, message: string): void {
  sendJson(ctx, status, { error: { code, message } });
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
