import { randomBytes } from 'node:crypto';
import type { DirectLineOptions } from './directLine';
import { SANDBOX_BOT_ACCOUNT, type BotLink } from './directLineBotLink';
import type { Activity } from './directLineConversations';
import type { DirectLineTokenGrant } from './directLineTokens';
import { directLineErrors } from './directLineErrors';
import { rewriteSignInLinks, signInRedirect } from './directLineSignInLinks';
import type { DirectLineStreams } from './directLineStream';
import { bearerToken, sendEmpty, sendJson, type Route, type RouteContext } from './http';

// The Direct Line 3.0 stand-in's routes, each a named step: the client side as the reference describes it
// (https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-direct-line-3-0-api-reference), then the
// Bot Connector routes the bot posts its replies to. sandbox/directLine.ts builds them and answers their errors.

type Caller = { readonly kind: 'secret' } | { readonly kind: 'token'; readonly grant: DirectLineTokenGrant };

/** What every route of one Direct Line shares. */
export interface DirectLineParts {
  readonly options: DirectLineOptions;
  readonly secret: string;
  /** `{url}/v3/directline`. */
  readonly domain: string;
  readonly streams: DirectLineStreams;
  readonly bot: BotLink;
}

/** The route table: the client side (Web Chat, directlinejs), then the bot side (the Bot Connector's routes). */
export function directLineRoutes(parts: DirectLineParts): Route[] {
  const client = '^/v3/directline';
  const id = '([^/]+)';
  const handle = (step: (parts: DirectLineParts, ctx: RouteContext) => Promise<void>) => (ctx: RouteContext) => step(parts, ctx);
  return [
    { method: 'POST', pattern: new RegExp(`${client}/tokens/generate$`), handle: handle(generateToken) },
    { method: 'POST', pattern: new RegExp(`${client}/tokens/refresh$`), handle: handle(refreshToken) },
    { method: 'POST', pattern: new RegExp(`${client}/conversations$`), handle: handle(postConversation) },
    { method: 'GET', pattern: new RegExp(`${client}/conversations/${id}$`), handle: handle(reconnect) },
    { method: 'GET', pattern: new RegExp(`${client}/conversations/${id}/activities$`), handle: handle(getActivities) },
    { method: 'POST', pattern: new RegExp(`${client}/conversations/${id}/activities$`), handle: handle(postActivity) },
    { method: 'GET', pattern: new RegExp(`${client}/session/getsessionid$`), handle: handle(getSessionId) },
    {
      method: 'GET',
      pattern: new RegExp(`${client}/session/signin$`),
      handle: signInRedirect({ loginBaseUrl: parts.options.loginBaseUrl, domain: parts.domain }),
    },
    {
      method: 'OPTIONS',
      pattern: new RegExp(`${client}/`),
      handle: async (ctx) => sendEmpty(ctx, 204, { 'access-control-max-age': '600' }),
    },
    { method: 'POST', pattern: new RegExp(`^/v3/conversations/${id}/activities(?:/${id})?$`), handle: handle(botPostsActivity) },
    { method: 'PUT', pattern: new RegExp(`^/v3/conversations/${id}/activities/${id}$`), handle: handle(botUpdatesActivity) },
    { method: 'DELETE', pattern: new RegExp(`^/v3/conversations/${id}/activities/${id}$`), handle: handle(botUpdatesActivity) },
  ];
}

// --- what the client routes share ------------------------------------------------------------------------------

function authorize(parts: DirectLineParts, ctx: RouteContext, conversationId?: string): Caller {
  const { conversations } = parts.options;
  const presented = bearerToken(ctx);
  if (!presented) throw directLineErrors.missingAuthorization();
  if (presented === parts.secret) {
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

async function startConversation(
  parts: DirectLineParts,
  conversationId: string,
  userId: string,
  locale: string | undefined,
): Promise<boolean> {
  const { conversations, clock, logger } = parts.options;
  if (!(await conversations.start(conversationId, locale))) return false;
  try {
    await parts.bot.send(conversationId, {
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
async function conversationAnswer(parts: DirectLineParts, grant: Omit<DirectLineTokenGrant, 'expiresAt'>, watermark?: string) {
  const { token, expiresIn } = await parts.options.conversations.issueToken(grant);
  return {
    conversationId: grant.conversationId,
    token,
    expires_in: expiresIn,
    ...(watermark !== undefined ? { streamUrl: parts.streams.streamUrl(grant, watermark) } : {}),
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

// --- client side -----------------------------------------------------------------------------------------------

async function generateToken(parts: DirectLineParts, ctx: RouteContext): Promise<void> {
  if (bearerToken(ctx) !== parts.secret) throw directLineErrors.forbidden('Only the Direct Line secret can generate tokens.');
  const body = await jsonBody(ctx);
  const trusted = body.trustedOrigins;
  if (trusted !== undefined && (!Array.isArray(trusted) || !trusted.every((o) => typeof o === 'string')))
    throw directLineErrors.badArgument("'trustedOrigins' must be an array of origins.");
  const userId = startBody(body).userId ?? `dl_${randomBytes(16).toString('hex')}`;
  const conversationId = await parts.options.conversations.create(userId);
  parts.options.logger.info('token generated', { conversationId });
  sendJson(ctx, 200, await conversationAnswer(parts, { conversationId, userId, trustedOrigins: trusted ?? [] }));
}

async function refreshToken(parts: DirectLineParts, ctx: RouteContext): Promise<void> {
  const caller = authorize(parts, ctx);
  if (caller.kind !== 'token') throw directLineErrors.badArgument('Refresh a token, not the secret.');
  const { conversationId, userId, trustedOrigins } = caller.grant;
  sendJson(ctx, 200, await conversationAnswer(parts, { conversationId, userId, trustedOrigins }));
}

async function postConversation(parts: DirectLineParts, ctx: RouteContext): Promise<void> {
  const caller = authorize(parts, ctx);
  const { userId: askedUser, locale } = startBody(await jsonBody(ctx));
  if (caller.kind === 'secret') {
    // The secret holder names the user (directlinejs sends `user.id`); a token's user is fixed by the token.
    const userId = askedUser ?? `dl_${randomBytes(16).toString('hex')}`;
    const conversationId = await parts.options.conversations.create(userId);
    await startConversation(parts, conversationId, userId, locale);
    return sendJson(ctx, 201, await conversationAnswer(parts, { conversationId, userId, trustedOrigins: [] }, ''));
  }
  const { conversationId, userId, trustedOrigins } = caller.grant;
  const started = await startConversation(parts, conversationId, userId, locale);
  sendJson(ctx, started ? 201 : 200, await conversationAnswer(parts, { conversationId, userId, trustedOrigins }, ''));
}

/** `GET /conversations/{id}?watermark=`: a new streamUrl (and token); with the secret too, as the reference shows. */
async function reconnect(parts: DirectLineParts, ctx: RouteContext): Promise<void> {
  const { conversations } = parts.options;
  const [conversationId] = ctx.params;
  const caller = authorize(parts, ctx, conversationId);
  const grant =
    caller.kind === 'token' ? caller.grant : { conversationId, userId: conversations.userOf(conversationId), trustedOrigins: [] };
  // Without a watermark "only messages received after the reconnect request are replayed".
  const watermark = ctx.url.searchParams.get('watermark') || conversations.watermarkOf(conversationId);
  sendJson(
    ctx,
    200,
    await conversationAnswer(parts, { conversationId, userId: grant.userId, trustedOrigins: grant.trustedOrigins }, watermark),
  );
}

async function getActivities(parts: DirectLineParts, ctx: RouteContext): Promise<void> {
  const [conversationId] = ctx.params;
  authorize(parts, ctx, conversationId);
  sendJson(ctx, 200, parts.options.conversations.page(conversationId, ctx.url.searchParams.get('watermark') ?? ''));
}

async function postActivity(parts: DirectLineParts, ctx: RouteContext): Promise<void> {
  const [conversationId] = ctx.params;
  const caller = authorize(parts, ctx, conversationId);
  const activity = await jsonBody(ctx);
  if (typeof activity.type !== 'string' || !activity.type) throw directLineErrors.missingProperty("The activity needs a 'type'.");
  const claimedFrom = activity.from as { id?: unknown; name?: unknown } | undefined;
  // The token decides who speaks; a client cannot post as someone else (with the secret, the caller is trusted).
  const fromId = caller.kind === 'token' ? caller.grant.userId : typeof claimedFrom?.id === 'string' ? claimedFrom.id : undefined;
  if (!fromId) throw directLineErrors.missingProperty("'from.id' is required when posting with the secret.");
  const from = { id: fromId, role: 'user', ...(typeof claimedFrom?.name === 'string' ? { name: claimedFrom.name } : {}) };
  const { serviceUrl: _serviceUrl, recipient: _recipient, ...rest } = activity;
  const stored = await parts.options.conversations.append(conversationId, { ...rest, from });
  await parts.bot.send(conversationId, stored);
  sendJson(ctx, 200, { id: stored.id });
}

/** Web Chat asks for a session id before opening a sign-in link (enhanced authentication), with credentials. */
async function getSessionId(parts: DirectLineParts, ctx: RouteContext): Promise<void> {
  const caller = authorize(parts, ctx);
  if (caller.kind !== 'token') throw directLineErrors.badArgument('Ask for a session id with a token.');
  sendJson(
    ctx,
    200,
    { sessionId: parts.options.browserSessions.issue(caller.grant.conversationId, ctx.req, ctx.res) },
    { 'cache-control': 'no-store' },
  );
}

// --- bot side (Bot Connector) ----------------------------------------------------------------------------------

async function botPostsActivity(parts: DirectLineParts, ctx: RouteContext): Promise<void> {
  const { conversations } = parts.options;
  const [conversationId] = ctx.params;
  if (!conversations.has(conversationId)) throw directLineErrors.conversationNotFound();
  const activity = forClient(parts, await jsonBody(ctx));
  const stored =
    activity.type === 'typing' ? conversations.pushOnly(conversationId, activity) : await conversations.append(conversationId, activity);
  sendJson(ctx, 200, { id: stored.id });
}

/** Web Chat has no card updates; Azure's Direct Line refuses them, so a bot must not count on one here either. */
async function botUpdatesActivity(parts: DirectLineParts, ctx: RouteContext): Promise<void> {
  const [conversationId] = ctx.params;
  if (!parts.options.conversations.has(conversationId)) throw directLineErrors.conversationNotFound();
  throw directLineErrors.updateNotSupported();
}

/** What the client sees of a bot activity: no serviceUrl, and OAuth cards point at the enhanced-auth link. */
function forClient(parts: DirectLineParts, activity: Record<string, unknown>): Activity {
  const { serviceUrl: _serviceUrl, ...rest } = activity;
  return rewriteSignInLinks(rest, { loginBaseUrl: parts.options.loginBaseUrl, domain: parts.domain });
}
