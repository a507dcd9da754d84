import type { IncomingMessage, ServerResponse } from 'node:http';

/** Largest request body the sandbox reads; real services reject far smaller bodies for these routes. */
const MAX_BODY_BYTES = 64 * 1024;

export interface RouteContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  /** Capture groups of the route's pattern, URI-decoded. */
  readonly params: string[];
  /** Graph `request-id`: one per request, also sent as a response header. */
  readonly requestId: string;
  /** Echo of the caller's `client-request-id`, or a fresh one. */
  readonly clientRequestId: string;
  readonly now: Date;
  body(): Promise<string>;
}

export interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  handle(ctx: RouteContext): Promise<void>;
}

/**
 * An error answered in Microsoft Graph's shape,
 * https://learn.microsoft.com/graph/errors#error-resource-type. One factory per real code in `graphErrors`.
 */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
  }
}

export const graphErrors = {
  badRequest: (message: string) => new GraphError(400, 'BadRequest', message),
  invalidRequest: (message: string) => new GraphError(400, 'Request_BadRequest', message),
  invalidAuthenticationToken: (message: string) =>
    new GraphError(401, 'InvalidAuthenticationToken', message, { 'www-authenticate': 'Bearer realm=""' }),
  authorizationRequestDenied: () =>
    new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'),
  resourceNotFound: (id: string) =>
    new GraphError(
      404,
      'Request_ResourceNotFound',
      `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
    ),
  notImplemented: (what: string) =>
    new GraphError(501, 'NotImplemented', `The sandbox does not implement ${what}. See sandbox/README.md for what it supports.`),
};

export function sendJson(ctx: RouteContext, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  ctx.res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  ctx.res.end(text);
}

export function sendEmpty(ctx: RouteContext, status: number, headers: Record<string, string> = {}): void {
  ctx.res.writeHead(status, { ...headers, 'content-length': 0 });
  ctx.res.end();
}

export function sendHtml(ctx: RouteContext, status: number, html: string): void {
  ctx.res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
    // No site may frame the sign-in page (clickjacking): Entra's own pages refuse framing too.
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    'x-frame-options': 'DENY',
  });
  ctx.res.end(html);
}

export function sendGraphError(ctx: RouteContext, error: GraphError): void {
  sendJson(
    ctx,
    error.status,
    {
      error: {
        code: error.code,
        message: error.message,
        innerError: {
          date: ctx.now.toISOString().replace(/\.\d{3}Z$/, ''),
          'request-id': ctx.requestId,
          'client-request-id': ctx.clientRequestId,
        },
      },
    },
    error.headers,
  );
}

/**
 * Reads the body up to MAX_BODY_BYTES. Past that it keeps draining without keeping anything and then rejects,
 * so the route can answer 413 on a connection that is still whole (destroying the request reset it instead).
 */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) reject(new BodyTooLargeError(MAX_BODY_BYTES));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

export function bearerToken(ctx: RouteContext): string | undefined {
  const header = ctx.req.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}
