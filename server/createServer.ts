import type { ActivityHandlerBase, CloudAdapter } from 'botbuilder';
import restify, { type Request, type Response, type Next, type Server } from 'restify';
import type { Logger } from '../services/logger';
import { activityProblems } from './activityValidation';

export interface ServerOptions {
  readonly adapter: CloudAdapter;
  readonly bot: ActivityHandlerBase;
  readonly logger: Logger;
  /** Largest accepted request body; an activity is a few KB, a card press less. */
  readonly maxBodyBytes: number;
  /** Extra routes (web chat page and token, sandbox hand-offs), registered by the composition root. */
  readonly extraRoutes?: (server: Server) => void;
}

export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

/** Builds the HTTP server without listening; `server/lifecycle.ts` starts and stops it. */
export function createServer(options: ServerOptions): Server {
  const { adapter, bot, logger } = options;
  const server = restify.createServer({ name: 'account-closure-bot', handleUncaughtExceptions: false });

  // Content type first: the adapter only understands JSON, and the body parser would accept a form.
  server.pre(requireJsonOnMessages);
  // CloudAdapter reads req.body; without a parser every request is a 400 (DESIGN.md pitfalls). The limit answers 413.
  server.use(restify.plugins.bodyParser({ maxBodySize: options.maxBodyBytes, mapParams: false, rejectUnknown: true }));
  server.use(restify.plugins.queryParser({ mapParams: false }));

  server.get('/healthz', (_req: Request, res: Response, next: Next) => {
    res.send(200, { status: 'ok' });
    return next();
  });

  // Every activity goes through CloudAdapter.process, which authenticates the Bot Framework JWT when an app id is set.
  server.post('/api/messages', async (req: Request, res: Response) => {
    const problems = activityProblems(req.body);
    if (problems.length > 0) {
      res.send(400, { error: { code: 'BadActivity', message: `The activity is not valid: ${problems.join('; ')}.` } });
      return;
    }
    await adapter.process(req, res, (context) => bot.run(context));
  });

  options.extraRoutes?.(server);

  // A route that throws must not take the process down, nor tell the caller internals.
  server.on('restifyError', (req: Request, res: Response, error: Error & { statusCode?: number }, callback: () => void) => {
    if ((error.statusCode ?? 500) >= 500) logger.error('request failed', { method: req.method, path: req.path(), error });
    callback();
  });
  return server;
}

function requireJsonOnMessages(req: Request, res: Response, next: Next): void {
  if (req.method === 'POST' && req.path() === '/api/messages' && !/^application\/json\b/i.test(req.header('content-type') ?? '')) {
    res.send(415, { error: { code: 'UnsupportedMediaType', message: 'Send the activity as JSON with "Content-Type: application/json".' } });
    return next(false);
  }
  return next();
}
