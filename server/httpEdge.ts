import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Next, Request, Response, Server } from 'restify';
import type { Logger } from '../services/logger';
import { HttpProblems, problem, problemCodeForStatus, sendProblem, type HttpProblemCode } from './httpProblems';

/**
 * `Content-Encoding` other than identity is refused before any body is read. restify's body reader pipes a gzip
 * body through a Gunzip stream with no error listener (restify/node-restify#1975, still so in 12.0.0): one bad
 * gzip body kills the process, and its size limit counts compressed bytes (199 KB inflate to 200 MB). The Bot
 * Framework, Direct Line and Web Chat never compress what they send, so nothing legitimate is lost.
 */
export function refuseContentEncoding(req: Request, res: Response, next: Next): void {
  const encoding = (req.header('content-encoding') ?? '').trim().toLowerCase();
  if (encoding === 'identity') {
    // "No encoding", said explicitly; restify's body reader would refuse the word itself (415).
    delete req.headers['content-encoding'];
    return next();
  }
  if (encoding === '') return next();
  // The body stays unread: close the connection after the answer instead of draining it.
  res.header('connection', 'close');
  sendProblem(res, 'UnsupportedContentEncoding');
  return next(false);
}

/**
 * restify re-emits node's `upgrade` on its own server (handleUpgrades off), so node hands the socket over and
 * nobody answers: the request hangs, and the socket, no longer node's, keeps `close()` from finishing. The bot has
 * no WebSocket endpoint: answer 400 and close.
 */
export function answerUpgradeRequests(server: Server, logger: Logger): void {
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    // A hijacked socket with no error listener would take the process down on a reset.
    socket.on('error', (error: Error) => logger.debug('upgrade socket failed', { error }));
    logger.warn('refused a protocol upgrade', { path: (req.url ?? '').split('?')[0], upgrade: req.headers.upgrade });
    const code: HttpProblemCode = 'UpgradeNotSupported';
    const body = JSON.stringify(problem(code, HttpProblems[code].message));
    socket.end(
      `HTTP/1.1 ${HttpProblems[code].status} Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      () => socket.destroy(),
    );
  });
}

/**
 * restify's own errors (no route, bad JSON, too large, a route that threw) leave as a problem body: restify's stable
 * code where it has one that is ours too, a plain message always. The error's own text goes to the log only.
 */
export function plainRestifyErrors(server: Server, logger: Logger): void {
  server.on(
    'restifyError',
    (req: Request, _res: Response, error: Error & { statusCode?: number; body?: { code?: string } }, callback: () => void) => {
      const status = error.statusCode ?? 500;
      const code = restifyCode(error.body?.code) ?? problemCodeForStatus(status);
      if (status >= 500) logger.error('request failed', { method: req.method, path: req.path(), error });
      else logger.debug('request refused', { method: req.method, path: req.path(), status, problem: code, reason: error.message });
      Object.defineProperty(error, 'toJSON', { value: () => problem(code, HttpProblems[code].message), configurable: true });
      callback();
    },
  );
}

function restifyCode(code: string | undefined): HttpProblemCode | undefined {
  switch (code) {
    case 'InvalidContent':
      return 'InvalidJson';
    case 'ResourceNotFound':
      return 'NotFound';
    case 'MethodNotAllowed':
      return 'MethodNotAllowed';
    case 'PayloadTooLarge':
      return 'PayloadTooLarge';
    case 'UnsupportedMediaType':
      return 'UnsupportedMediaType';
    default:
      return undefined;
  }
}

/**
 * The response CloudAdapter.process writes to. It answers a failed authentication or a failed turn with the
 * exception's message as the body (`end(500, err.message)` in botbuilder 4.23's cloudAdapter.js): here such a
 * body (any 5xx, or a 4xx that is a bare string or empty) becomes a problem body, and the original text goes to the
 * log. The bot's own answers (invoke responses with their object bodies, the expectReplies body) pass unchanged.
 */
export function withPlainAdapterErrors(
  res: Response,
  logger: Logger,
): {
  socket: unknown;
  status(code: number): unknown;
  header(name: string, value: unknown): unknown;
  send(body?: unknown): unknown;
  end(): unknown;
} {
  let status = 200;
  let failed = false;
  let sent = false;
  const sendFailure = (detail: unknown) => {
    failed = true;
    const code = problemCodeForStatus(status);
    const text = typeof detail === 'string' ? detail : JSON.stringify(detail ?? '');
    if (status >= 500) logger.error('the adapter failed a request', { status, detail: text });
    else logger.info('the adapter refused a request', { status, detail: text });
    res.send(status, problem(code, HttpProblems[code].message));
  };
  return {
    socket: res.socket,
    status(code) {
      status = code;
      res.status(code);
    },
    header(name, value) {
      res.header(name, value);
    },
    send(body) {
      // An invoke response is the bot's own answer (Teams reads its 4xx body, e.g. 412 for a failed token
      // exchange) and passes; the adapter's failures are 5xx or a bare string (`err.message`).
      const adapterFailure = status >= 500 || (status >= 400 && (typeof body !== 'object' || body === null));
      sent = true;
      if (adapterFailure) sendFailure(body);
      else res.send(body);
    },
    end() {
      if (status >= 400 && !sent) sendFailure(undefined);
      else if (!failed) res.end();
    },
  };
}
