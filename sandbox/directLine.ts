import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from './logger';
import { createBotLink } from './directLineBotLink';
import type { BrowserSessions } from './directLineBrowserSessions';
import type { Activity, DirectLineConversations } from './directLineConversations';
import { DirectLineError, directLineErrors } from './directLineErrors';
import { directLineRoutes, type DirectLineParts } from './directLineRoutes';
import { createDirectLineStreams } from './directLineStream';
import { BodyTooLargeError, sendJson, type Route, type RouteContext } from './http';

export { DirectLineError, directLineErrors } from './directLineErrors';
export { SANDBOX_BOT_ACCOUNT } from './directLineBotLink';

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

export function createDirectLine(options: DirectLineOptions): DirectLine {
  const { url, conversations, clock, logger } = options;
  const streams = createDirectLineStreams({ url, conversations, heartbeatMs: options.heartbeatMs ?? STREAM_HEARTBEAT_MS, clock, logger });
  const parts: DirectLineParts = {
    options,
    secret: conversations.secret,
    domain: `${url}/v3/directline`,
    streams,
    bot: createBotLink(options),
  };
  return {
    routes: directLineRoutes(parts).map((route) => ({ ...route, handle: (ctx: RouteContext) => answerDirectLine(ctx, route) })),
    domain: parts.domain,
    secret: parts.secret,
    conversations,
    attachBot: (endpointUrl) => parts.bot.attach(endpointUrl),
    sendToBot: (conversationId, activity) => parts.bot.send(conversationId, activity),
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
