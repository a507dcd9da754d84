import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { Deadlines } from './deadlines';

/**
 * One attempt of an outside call over node:http(s) with keep-alive agents. Node's global `fetch` costs a
 * WHATWG Request, Headers, streams and an `AbortSignal` per call; the issue-14 profile put ~40% of the bot's
 * CPU in its own outgoing HTTP, and a node:http keep-alive prototype cut a closure's CPU by 15%.
 * Connections are reused as `fetch`'s pool did (so retry rules for a reset are unchanged), and a pooled socket is
 * dropped before the server's advertised `Keep-Alive: timeout` (Node >= 20 honours that hint).
 */
export interface TransportRequest {
  readonly method: string;
  /** Parsed already by the caller, or a string parsed here. */
  readonly url: string | URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  readonly timeoutMs: number;
}

export interface TransportResponse {
  readonly status: number;
  readonly headers: ResponseHeaders;
  readonly text: string;
}

/** The part of WHATWG `Headers` callers use: a case-insensitive `get`. */
export interface ResponseHeaders {
  get(name: string): string | null;
}

/** The attempt ran out of time (connecting, waiting, or reading the body). */
export class AttemptTimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** Sockets per origin: Graph and login allow far more; this only bounds a runaway. */
const MAX_SOCKETS_PER_ORIGIN = 64;

export interface Transport {
  send(request: TransportRequest): Promise<TransportResponse>;
}

export function createTransport(deadlines: Deadlines): Transport {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_ORIGIN }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_ORIGIN }),
  };
  return {
    send(request) {
      const url = typeof request.url === 'string' ? new URL(request.url) : request.url;
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        return Promise.reject(new TypeError(`unsupported protocol "${url.protocol}"`));
      const agent = agents[url.protocol];
      const send = url.protocol === 'https:' ? https.request : http.request;
      return new Promise<TransportResponse>((resolve, reject) => {
        const headers: Record<string, string> = { ...request.headers };
        if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
        const target = requestTarget(url);
        const options = { method: request.method, headers, agent };
        const outgoing = target instanceof URL ? send(target, options) : send({ ...target, ...options });
        let settled = false;
        const finish = (error: Error | undefined, response?: TransportResponse): void => {
          if (settled) return;
          settled = true;
          cancel();
          if (error) reject(error);
          else resolve(response as TransportResponse);
        };
        // The deadline also covers reading the body: a server that sends headers and then stalls still times out.
        const cancel = deadlines.add(request.timeoutMs, () => {
          const timeout = new AttemptTimeoutError(`no complete answer within ${request.timeoutMs} ms`);
          outgoing.destroy(timeout);
          finish(timeout);
        });
        outgoing.on('error', (error) => finish(error));
        outgoing.on('response', (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', (error) => finish(error));
          incoming.on('aborted', () => finish(Object.assign(new Error('the answer was cut off'), { code: 'ECONNRESET' })));
          incoming.on('end', () => {
            finish(undefined, {
              status: incoming.statusCode ?? 0,
              headers: headerReader(incoming.headers),
              text: Buffer.concat(chunks).toString('utf8'),
            });
          });
        });
        outgoing.end(request.body);
      });
    },
  };
}

/**
 * Where node:http sends the request, without its `urlToHttpOptions` on every call: the origin's part is made once
 * per origin (a bot calls a handful), the path per call. A URL with credentials in it goes to node as it is.
 */
const originTargets = new Map<string, { readonly protocol: string; readonly hostname: string; readonly port?: number }>();
const MAX_ORIGINS = 100;

function requestTarget(url: URL): URL | http.RequestOptions {
  if (url.username || url.password) return url;
  let origin = originTargets.get(url.origin);
  if (!origin) {
    // As urlToHttpOptions: an IPv6 literal without its brackets, the port only when the URL names one.
    const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    origin = { protocol: url.protocol, hostname, ...(url.port === '' ? {} : { port: Number(url.port) }) };
    if (originTargets.size >= MAX_ORIGINS) originTargets.clear();
    originTargets.set(url.origin, origin);
  }
  return { ...origin, path: `${url.pathname}${url.search}` };
}

function headerReader(raw: IncomingHttpHeaders): ResponseHeaders {
  return {
    // node:http lower-cases names; repeated headers (other than set-cookie) are already joined with ", ".
    get: (name) => {
      const value = raw[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}
