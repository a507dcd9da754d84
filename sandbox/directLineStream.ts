import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from './logger';
import type { DirectLineConversations } from './directLineConversations';
import { DirectLineError, directLineErrors } from './directLineErrors';

/**
 * The Direct Line 3.0 WebSocket stream (https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-direct-line-3-0-receive-activities):
 * - `streamUrl` is pre-authorized (no Authorization header) and must be used within 60 seconds
 *   (…-reconnect-to-conversation);
 * - each message is an ActivitySet `{ activities, watermark }`, or an empty message that keeps the connection alive;
 * - one WebSocket per conversation: another one closes the older with reason `collision`. The reference does not
 *   say which of the two goes; the newest wins here, so a client replacing a half-dead socket is not locked out;
 * - a stream opened with a watermark replays what came after it, without one only what comes next.
 * The stream only sends: the client posts over HTTP. Anything it sends (directlinejs pings with "") is ignored.
 */
export interface DirectLineStreamOptions {
  /** The sandbox's `http://` URL; the stream is on the same host and port, `ws://`. */
  readonly url: string;
  readonly conversations: DirectLineConversations;
  /** How often the empty keep-alive message goes out; the reference gives no interval. */
  readonly heartbeatMs: number;
  readonly clock: () => Date;
  readonly logger: Logger;
}

export interface DirectLineStreams {
  /** A pre-authorized stream URL for the grant's conversation, replaying after `watermark`. */
  streamUrl(grant: { readonly conversationId: string; readonly trustedOrigins: readonly string[] }, watermark: string): string;
  /** The server's `upgrade` handler: takes the stream path, refuses every other upgrade with 404. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes every stream (sandbox stop). */
  close(): void;
}

/** Azure: "The client must use the new WebSocket stream URL to reconnect to the conversation within 60 seconds." */
const STREAM_URL_LIFETIME_MS = 60_000;
/** The client only pings; nothing it sends needs more. */
const MAX_CLIENT_MESSAGE_BYTES = 4096;
const STREAM_PATH = /^\/v3\/directline\/conversations\/([^/]+)\/stream$/;

interface Ticket {
  readonly conversationId: string;
  readonly trustedOrigins: readonly string[];
  readonly expiresAt: number;
}

export function createDirectLineStreams(options: DirectLineStreamOptions): DirectLineStreams {
  const { conversations, clock, logger } = options;
  const server = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES });
  const tickets = new Map<string, Ticket>();
  const open = new Map<string, WebSocket>();
  const base = options.url.replace(/^http/, 'ws');

  function admit(req: IncomingMessage, url: URL): Ticket {
    const match = STREAM_PATH.exec(url.pathname);
    if (!match) throw directLineErrors.activityNotFound();
    const ticket = tickets.get(url.searchParams.get('t') ?? '');
    if (!ticket || ticket.expiresAt <= clock().getTime())
      throw directLineErrors.forbidden('Stream URL not valid or expired; reconnect (GET /conversations/{id}) for a new one.');
    if (ticket.conversationId !== decodeURIComponent(match[1]))
      throw directLineErrors.forbidden('Stream URL not valid for this conversation.');
    const origin = req.headers.origin;
    if (origin && ticket.trustedOrigins.length > 0 && !ticket.trustedOrigins.includes(origin))
      throw directLineErrors.forbidden(`Origin "${origin}" is not trusted by this token.`);
    return ticket;
  }

  function serve(ws: WebSocket, conversationId: string, watermark: string | null): void {
    open.get(conversationId)?.close(1000, 'collision');
    open.set(conversationId, ws);
    if (watermark !== null) {
      const missed = conversations.page(conversationId, watermark);
      if (missed.activities.length > 0) ws.send(JSON.stringify(missed));
    }
    const stopListening = conversations.listen(conversationId, (set) => ws.send(JSON.stringify(set)));
    const heartbeat = setInterval(() => ws.send(''), options.heartbeatMs);
    heartbeat.unref();
    ws.on('message', () => undefined);
    ws.on('error', (error) => logger.warn('Direct Line stream failed', { conversationId, error }));
    ws.on('close', () => {
      clearInterval(heartbeat);
      stopListening();
      if (open.get(conversationId) === ws) open.delete(conversationId);
    });
    logger.debug('Direct Line stream opened', { conversationId });
  }

  return {
    streamUrl(grant, watermark) {
      const now = clock().getTime();
      for (const [key, ticket] of tickets) if (ticket.expiresAt <= now) tickets.delete(key);
      const t = randomBytes(24).toString('base64url');
      tickets.set(t, {
        conversationId: grant.conversationId,
        trustedOrigins: grant.trustedOrigins,
        expiresAt: now + STREAM_URL_LIFETIME_MS,
      });
      const query = new URLSearchParams({ watermark, t });
      return `${base}/v3/directline/conversations/${encodeURIComponent(grant.conversationId)}/stream?${query.toString()}`;
    },
    handleUpgrade(req, socket, head) {
      const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
      let ticket: Ticket;
      try {
        ticket = admit(req, url);
      } catch (error) {
        if (!(error instanceof DirectLineError)) throw error;
        return refuse(socket, error);
      }
      server.handleUpgrade(req, socket, head, (ws) => serve(ws, ticket.conversationId, url.searchParams.get('watermark')));
    },
    close() {
      for (const ws of server.clients) ws.terminate();
      server.close();
    },
  };
}

/** An HTTP answer instead of the 101, in Direct Line's error shape, then the socket is closed. */
function refuse(socket: Duplex, error: DirectLineError): void {
  const body = JSON.stringify({ error: { code: error.code, message: error.message } });
  const reason = { 403: 'Forbidden', 404: 'Not Found' }[error.status] ?? 'Bad Request';
  socket.end(
    `HTTP/1.1 ${error.status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
