import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { Logger } from './logger';
import type { FaultTable } from './faults';
import { BodyTooLargeError, GraphError, graphErrors, readBody, sendGraphError, sendJson, type Route, type RouteContext } from './http';

export interface SandboxServerOptions {
  readonly routes: readonly Route[];
  readonly faults: FaultTable;
  readonly clock: () => Date;
  readonly logger: Logger;
  /** Housekeeping that is due by the clock (e.g. removing closed users' export files); runs before each request. */
  readonly beforeRoute: () => Promise<void>;
}

/** One HTTP server for every stand-in. Returned without listening; the caller owns the lifecycle. */
export function createSandboxServer(options: SandboxServerOptions): http.Server {
  const { routes, faults, clock, logger } = options;

  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const requestId = randomUUID();
    const clientRequestId = headerValue(req.headers['client-request-id']) ?? randomUUID();
    // Graph sends both ids on every response; harmless on the other routes and handy for log correlation.
    res.setHeader('request-id', requestId);
    res.setHeader('client-request-id', clientRequestId);

    // Faults come first so a test can break any route, including unknown ones.
    if (faults.apply(req, res, url.pathname)) {
      logger.debug(`fault injected for ${req.method} "${url.pathname}"`);
      return;
    }
    const ctx = routeContext(req, res, url, requestId, clientRequestId, clock());
    handle(ctx).catch((error: unknown) => {
      logger.error(`unhandled error on ${req.method} "${url.pathname}"`, { error });
      if (!res.headersSent)
        sendGraphError(ctx, new GraphError(500, 'InternalServerError', 'The sandbox failed to handle this request; see its log.'));
      else res.destroy();
    });
  });

  async function handle(ctx: RouteContext): Promise<void> {
    const { req, url } = ctx;
    if (url.pathname === '/healthz' && req.method === 'GET') return sendJson(ctx, 200, { status: 'ok' });
    await options.beforeRoute();
    const route = routes.find((r) => r.method === req.method && r.pattern.test(url.pathname));
    if (!route) {
      logger.warn(`not implemented: ${req.method} "${url.pathname}"`);
      return sendGraphError(ctx, graphErrors.notImplemented(`${req.method} ${url.pathname}`));
    }
    try {
      const params = (route.pattern.exec(url.pathname) ?? []).slice(1).map((p) => decodeURIComponent(p));
      await route.handle({ ...ctx, params });
    } catch (error) {
      if (error instanceof GraphError) return sendGraphError(ctx, error);
      if (error instanceof URIError)
        return sendGraphError(ctx, graphErrors.badRequest(`The path "${url.pathname}" is not validly encoded.`));
      if (error instanceof BodyTooLargeError) return sendGraphError(ctx, new GraphError(413, 'RequestEntityTooLarge', error.message));
      throw error;
    }
  }
}

function routeContext(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  requestId: string,
  clientRequestId: string,
  now: Date,
): RouteContext {
  let body: Promise<string> | undefined;
  return {
    req,
    res,
    url,
    params: [],
    requestId,
    clientRequestId,
    now,
    body: () => (body ??= readBody(req)),
  };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
