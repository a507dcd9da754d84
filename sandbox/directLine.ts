import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../services/logger';
import type { BrowserSessions } from './directLineBrowserSessions';
import type { Activity, DirectLineConversations, DirectLineTokenGrant } from './directLineConversations';
import { DirectLineError, directLineErrors } from './directLineErrors';
import { rewriteSignInLinks, signInRedirect } from './directLineSignInLinks';
import { createDirectLineStreams } from './directLineStream';
import { BodyTooLargeError, bearerToken, sendEmpty, sendJson, type Route, type RouteContext } from './http';

export { DirectLineError, directLineErrors } from './directLineErrors';

/**
 * A Direct Line 3.0 stand-in: REST (polling) and the WebSocket stream (directLineStream.ts).
 * Client side: https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-direct-line-3-0-api-reference
 * Bot side: the Bot Connector routes the bot posts its replies to (`serviceUrl` = the sandbox's URL).
 */
export interface DirectLineOptions {
  /** The sandbox's URL: the bot-side connector's `serviceUrl`. */
  readonly url: string;
  /** Where sign-in links point (`{url}/login`): OAuth cards to it are rewritten for enhanced authentication. */
  readonly loginBaseUrl: string;
  /** Conversations, tokens and the secret (persisted with the sandbox's data). */
  readonly conversations: DirectLineConversations;
  /** Web Chat's `getsessionid` answers, tied to the browser (enhanced authentication). */
  readonly browserSessions: BrowserSessions;
  /** The stream's keep-alive interval; default `STREAM_HEARTBEAT_MS`. */
  readonly heartbeatMs?: number;
  readonly clock: () => Date;
  readonly logger: Logger;
}

/** The reference names no keep-alive interval; directlinejs itself pings every 20 s (its request timeout). */
export const STREAM_HEARTBEAT_MS = 15_000;

/** Real Direct Line gives the bot 15 seconds to acknowledge an activity before answering 502. */
const BOT_TIMEOUT_MS = 15_000;
export const SANDBOX_BOT_ACCOUNT = { id: 'account-closure-bot', name: 'Account Closure Bot', role: 'bot' } as const;

export interface DirectLine {
  readonly routes: Route[];
  /** `{url}/v3/directline`: Web Chat's `domain`. */
  readonly domain: string;
  readonly secret: string;
  readonly conversations: DirectLineConversations;
  /** The bot's messaging endpoint, known once the bot listens; kept across restarts. */
  attachBot(endpointUrl: string): Promise<void>;
  /** Sends an activity to the bot as the channel (`from` must be set); resolves once the bot acknowledged it. */
  sendToBot(conversationId: string, activity: Activity): Promise<void>;
  /** The sandbox server's `upgrade` handler (the WebSocket stream). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes every open stream. */
  close(): void;
}

type Caller = { readonly kind: 'secret' } | { readonly kind: 'token'; readonly grant: DirectLineTokenGrant };

export function createDirectLine(options: DirectLineOptions): DirectLine {
  const { url, conversations, browserSessions, clock, logger } = options;
  const secret = conversations.secret;
  const streams = createDirectLineStreams({ url, conversations, heartbeatMs: options.heartbeatMs ?? STREAM_HEARTBEAT_MS, clock, logger });
  let botEndpoint = conversations.botEndpoint;
  const deliveries = new Map<string, Promise<void>>();
  const domain = `${url}/v3/directline`;

  function authorize(ctx: RouteContext, conversationId?: string): Caller {
    const presented = bearerToken(ctx);
    if (!presented) throw directLineErrors.missingAuthorization();
    if (presented === secret) {
      if (conversationId !== undefined && !conversations.has(conversationId)) throw directLineErrors.conversationNotFound();
      return { kind: 'secret' };
    }
    const found = conversations.lookupToken(presented);
    if (found.kind === 'expired') throw directLineErrors.tokenExpired();
    if (found.kind === 'unknown') throw directLineErrors.invalidToken();
    const { grant } = found;
    // A conversation idle long enough is forgotten while a token for it may still be alive.
    if (!conversations.has(grant.conversationId)) throw directLineErrors.conversationNotFound();
    if (conversationId !== undefined && grant.conversationId !== conversationId)
      throw directLineErrors.forbidden('Token not valid for this conversation.');
    const origin = ctx.req.headers.origin;
    if (origin && grant.trustedOrigins.length > 0 && !grant.trustedOrigins.includes(origin))
      throw directLineErrors.forbidden(`Origin "${origin}" is not trusted by this token.`);
    return { kind: 'token', grant };
  }

  async function jsonBody(ctx: RouteContext): Promise<Record<string, unknown>> {
    const text = await ctx.body();
    if (!text.trim()) return {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // Falls through to the one error below: the body is not a JSON object.
    }
    throw directLineErrors.badSyntax('The body must be a JSON object.');
  }

  /**
   * One conversation's activities reach the bot one at a time, in order: the bot saves its state at the end of a
   * turn, so a card press racing the sign-in hand-off's turn would otherwise read the state from before sign-in.
   */
  function sendToBot(conversationId: string, activity: Activity): Promise<void> {
    const delivery = (deliveries.get(conversationId) ?? Promise.resolve()).then(() => deliver(conversationId, activity));
    const settled = delivery.then(
      () => undefined,
      () => undefined,
    );
    deliveries.set(conversationId, settled);
    void settled.then(() => {
      if (deliveries.get(conversationId) === settled) deliveries.delete(conversationId);
    });
    return delivery;
  }

  async function deliver(conversationId: string, activity: Activity): Promise<void> {
    if (!botEndpoint) throw directLineErrors.botError('No bot is attached to the sandbox Direct Line yet (Sandbox.attachBot).');
    const locale = conversations.localeOf(conversationId);
    // The start body's locale reaches the bot on activities that carry none (Web Chat sends its own on messages).
    const outgoing = {
      ...(locale ? { locale } : {}),
      ...activity,
      channelId: 'directline',
      serviceUrl: url,
      conversation: { id: conversationId },
      recipient: SANDBOX_BOT_ACCOUNT,
    };
    let response: Response;
    try {
      response = await fetch(botEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(outgoing),
        signal: AbortSignal.timeout(BOT_TIMEOUT_MS),
      });
    } catch (error) {
      logger.warn(`the bot did not answer a "${String(activity.type)}" activity`, { conversationId, error });
      throw directLineErrors.botError('The bot did not answer.');
    }
    await response.arrayBuffer();
    if (!response.ok) {
      logger.warn(`the bot answered ${response.status} to a "${String(activity.type)}" activity`, { conversationId });
      throw directLineErrors.botError(`The bot answered ${response.status}.`);
    }
  }

  async function startConversation(conversationId: string, userId: string, locale: string | undefined): Promise<boolean> {
    if (!(await conversations.start(conversationId, locale))) return false;
    try {
      await sendToBot(conversationId, {
        type: 'conversationUpdate',
        id: randomBytes(8).toString('hex'),
        timestamp: clock().toISOString(),
        from: { id: userId },
        membersAdded: [SANDBOX_BOT_ACCOUNT, { id: userId }],
      });
    } catch (error) {
      // The real service opens the conversation even when the bot is down; the next post reports the failure.
      logger.warn('conversationUpdate not delivered', { conversationId, error });
    }
    return true;
  }

  /** Start, reconnect and token answers; `watermark` given: the answer carries a `streamUrl` replaying after it. */
  async function conversationAnswer(grant: Omit<DirectLineTokenGrant, 'expiresAt'>, watermark?: string) {
    const { token, expiresIn } = await conversations.issueToken(grant);
    return {
      conversationId: grant.conversationId,
      token,
      expires_in: expiresIn,
      ...(watermark !== undefined ? { streamUrl: streams.streamUrl(grant, watermark) } : {}),
    };
  }

  /** The start body's optional `user.id` and `locale` (directlinejs sends both). */
  function startBody(body: Record<string, unknown>): { userId?: string; locale?: string } {
    const user = body.user as { id?: unknown } | undefined;
    if (
      user !== undefined &&
      user !== null &&
      (typeof user !== 'object' || (user.id !== undefined && user.id !== null && (typeof user.id !== 'string' || !user.id)))
    ) {
      throw directLineErrors.badArgument("'user.id' must be a non-empty string.");
    }
    if (
      body.locale !== undefined &&
      body.locale !== null &&
      (typeof body.locale !== 'string' || !/^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(body.locale))
    ) {
      throw directLineErrors.badArgument("'locale' must be a BCP 47 language tag.");
    }
    return {
      userId: typeof user?.id === 'string' ? user.id : undefined,
      locale: typeof body.locale === 'string' ? body.locale : undefined,
    };
  }

  // --- client side -------------------------------------------------------------------------------------------

  async function generateToken(ctx: RouteContext): Promise<void> {
    if (bearerToken(ctx) !== secret) throw directLineErrors.forbidden('Only the Direct Line secret can generate tokens.');
    const body = await jsonBody(ctx);
    const trusted = body.trustedOrigins;
    if (trusted !== undefined && (!Array.isArray(trusted) || !trusted.every((o) => typeof o === 'string')))
      throw directLineErrors.badArgument("'trustedOrigins' must be an array of origins.");
    const userId = startBody(body).userId ?? `dl_${randomBytes(16).toString('hex')}`;
    const conversationId = await conversations.create(userId);
    logger.info('token generated', { conversationId });
    sendJson(ctx, 200, await conversationAnswer({ conversationId, userId, trustedOrigins: trusted ?? [] }));
  }

  async function refreshToken(ctx: RouteContext): Promise<void> {
    const caller = authorize(ctx);
    if (caller.kind !== 'token') throw directLineErrors.badArgument('Refresh a token, not the secret.');
    const { conversationId, userId, trustedOrigins } = caller.grant;
    sendJson(ctx, 200, await conversationAnswer({ conversationId, userId, trustedOrigins }));
  }

  async function postConversation(ctx: RouteContext): Promise<void> {
    const caller = authorize(ctx);
    const { userId: askedUser, locale } = startBody(await jsonBody(ctx));
    if (caller.kind === 'secret') {
      // The secret holder names the user (directlinejs sends `user.id`); a token's user is fixed by the token.
      const userId = askedUser ?? `dl_${randomBytes(16).toString('hex')}`;
      const conversationId = await conversations.create(userId);
      await startConversation(conversationId, userId, locale);
      return sendJson(ctx, 201, await conversationAnswer({ conversationId, userId, trustedOrigins: [] }, ''));
    }
    const { conversationId, userId, trustedOrigins } = caller.grant;
    const started = await startConversation(conversationId, userId, locale);
    sendJson(ctx, started ? 201 : 200, await conversationAnswer({ conversationId, userId, trustedOrigins }, ''));
  }

  /** `GET /conversations/{id}?watermark=`: a new streamUrl (and token); with the secret too, as the reference shows. */
  async function reconnect(ctx: RouteContext): Promise<void> {
    const [conversationId] = ctx.params;
    const caller = authorize(ctx, conversationId);
    const grant =
      caller.kind === 'token' ? caller.grant : { conversationId, userId: conversations.userOf(conversationId), trustedOrigins: [] };
    // Without a watermark "only messages received after the reconnect request are replayed".
    const watermark = ctx.url.searchParams.get('watermark') || conversations.watermarkOf(conversationId);
    sendJson(ctx, 200, await conversationAnswer({ conversationId, userId: grant.userId, trustedOrigins: grant.trustedOrigins }, watermark));
  }

  async function getActivities(ctx: RouteContext): Promise<void> {
    const [conversationId] = ctx.params;
    authorize(ctx, conversationId);
    sendJson(ctx, 200, conversations.page(conversationId, ctx.url.searchParams.get('watermark') ?? ''));
  }

  async function postActivity(ctx: RouteContext): Promise<void> {
    const [conversationId] = ctx.params;
    const caller = authorize(ctx, conversationId);
    const activity = await jsonBody(ctx);
    if (typeof activity.type !== 'string' || !activity.type) throw directLineErrors.missingProperty("The activity needs a 'type'.");
    const claimedFrom = activity.from as { id?: unknown; name?: unknown } | undefined;
    // The token decides who speaks; a client cannot post as someone else (with the secret, the caller is trusted).
    const fromId = caller.kind === 'token' ? caller.grant.userId : typeof claimedFrom?.id === 'string' ? claimedFrom.id : undefined;
    if (!fromId) throw directLineErrors.missingProperty("'from.id' is required when posting with the secret.");
    const from = { id: fromId, role: 'user', ...(typeof claimedFrom?.name === 'string' ? { name: claimedFrom.name } : {}) };
    const { serviceUrl: _serviceUrl, recipient: _recipient, ...rest } = activity;
    const stored = await conversations.append(conversationId, { ...rest, from });
    await sendToBot(conversationId, stored);
    sendJson(ctx, 200, { id: stored.id });
  }

  /** Web Chat asks for a session id before opening a sign-in link (enhanced authentication), with credentials. */
  async function getSessionId(ctx: RouteContext): Promise<void> {
    const caller = authorize(ctx);
    if (caller.kind !== 'token') throw directLineErrors.badArgument('Ask for a session id with a token.');
    sendJson(
      ctx,
      200,
      { sessionId: browserSessions.issue(caller.grant.conversationId, ctx.req, ctx.res) },
      { 'cache-control': 'no-store' },
    );
  }

  // --- bot side (Bot Connector) ------------------------------------------------------------------------------

  async function botPostsActivity(ctx: RouteContext): Promise<void> {
    const [conversationId] = ctx.params;
    if (!conversations.has(conversationId)) throw directLineErrors.conversationNotFound();
    const activity = forClient(await jsonBody(ctx));
    const stored =
      activity.type === 'typing' ? conversations.pushOnly(conversationId, activity) : await conversations.append(conversationId, activity);
    sendJson(ctx, 200, { id: stored.id });
  }

  /** Web Chat has no card updates; Azure's Direct Line refuses them, so a bot must not count on one here either. */
  async function botUpdatesActivity(ctx: RouteContext): Promise<void> {
    const [conversationId] = ctx.params;
    if (!conversations.has(conversationId)) throw directLineErrors.conversationNotFound();
    throw directLineErrors.updateNotSupported();
  }

  /** What the client sees of a bot activity: no serviceUrl, and OAuth cards point at the enhanced-auth link. */
  function forClient(activity: Record<string, unknown>): Activity {
    const { serviceUrl: _serviceUrl, ...rest } = activity;
    return rewriteSignInLinks(rest, { loginBaseUrl: options.loginBaseUrl, domain });
  }

  const client = '^/v3/directline';
  const id = '([^/]+)';
  const routes: Route[] = [
    { method: 'POST', pattern: new RegExp(`${client}/tokens/generate$`), handle: generateToken },
    { method: 'POST', pattern: new RegExp(`${client}/tokens/refresh$`), handle: refreshToken },
    { method: 'POST', pattern: new RegExp(`${client}/conversations$`), handle: postConversation },
    { method: 'GET', pattern: new RegExp(`${client}/conversations/${id}$`), handle: reconnect },
    { method: 'GET', pattern: new RegExp(`${client}/conversations/${id}/activities$`), handle: getActivities },
    { method: 'POST', pattern: new RegExp(`${client}/conversations/${id}/activities$`), handle: postActivity },
    { method: 'GET', pattern: new RegExp(`${client}/session/getsessionid$`), handle: getSessionId },
    {
      method: 'GET',
      pattern: new RegExp(`${client}/session/signin$`),
      handle: signInRedirect({ loginBaseUrl: options.loginBaseUrl, domain }),
    },
    {
      method: 'OPTIONS',
      pattern: new RegExp(`${client}/`),
      handle: async (ctx) => sendEmpty(ctx, 204, { 'access-control-max-age': '600' }),
    },
    { method: 'POST', pattern: new RegExp(`^/v3/conversations/${id}/activities(?:/${id})?$`), handle: botPostsActivity },
    { method: 'PUT', pattern: new RegExp(`^/v3/conversations/${id}/activities/${id}$`), handle: botUpdatesActivity },
    { method: 'DELETE', pattern: new RegExp(`^/v3/conversations/${id}/activities/${id}$`), handle: botUpdatesActivity },
  ];

  return {
    routes: routes.map((route) => ({ ...route, handle: (ctx: RouteContext) => answerDirectLine(ctx, route) })),
    domain,
    secret,
    conversations,
    async attachBot(endpointUrl) {
      botEndpoint = endpointUrl;
      await conversations.setBotEndpoint(endpointUrl);
      logger.info(`Direct Line forwards to the bot at "${endpointUrl}"`);
    },
    sendToBot,
    handleUpgrade: (req, socket, head) => streams.handleUpgrade(req, socket, head),
    close: () => streams.close(),
  };
}

/** CORS for browsers on another origin (the bot's page), and Direct Line's error shape for every failure. */
async function answerDirectLine(ctx: RouteContext, route: Route): Promise<void> {
  const origin = ctx.req.headers.origin;
  if (origin && ctx.url.pathname.startsWith('/v3/directline/')) {
    // Reflected, with credentials: Web Chat calls getsessionid `withCredentials`; tokens, not cookies, authorize.
    ctx.res.setHeader('access-control-allow-origin', origin);
    ctx.res.setHeader('access-control-allow-credentials', 'true');
    ctx.res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
    ctx.res.setHeader('access-control-allow-headers', 'authorization, content-type, x-ms-bot-agent, x-requested-with');
    ctx.res.setHeader('vary', 'origin');
  }
  try {
    await route.handle(ctx);
  } catch (error) {
    const answer = error instanceof BodyTooLargeError ? directLineErrors.messageSizeTooBig(error.limit) : error;
    if (!(answer instanceof DirectLineError)) throw error;
    sendJson(ctx, answer.status, { error: { code: answer.code, message: answer.message } });
  }
}
