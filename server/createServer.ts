import type { Activity, ActivityHandlerBase, CloudAdapter } from 'botbuilder';
import restify, { type Request, type Response, type Next, type Server } from 'restify';
import type { Logger } from '../services/logger';
import { activityProblems } from './activityValidation';
import { answerUpgradeRequests, plainRestifyErrors, refuseContentEncoding, withPlainAdapterErrors } from './httpEdge';
import { sendProblem } from './httpProblems';
import type { Readiness } from './readiness';

export interface ServerOptions {
  readonly adapter: CloudAdapter;
  readonly bot: ActivityHandlerBase;
  readonly logger: Logger;
  /**
   * The Bot Framework JWT check the adapter runs (its BotFrameworkAuthentication's `authenticateRequest`): a
   * malformed activity is checked first, so a caller without a token learns nothing about what is wrong with it.
   * Without an app id it accepts an activity without a token, as the adapter does.
   */
  readonly authenticate: (activity: Partial<Activity>, authHeader: string) => Promise<unknown>;
  /** Largest accepted request body; an activity is a few KB, a card press less. */
  readonly maxBodyBytes: number;
  /** `/readyz` (server/readiness.ts); without it only `/healthz` answers. */
  readonly readiness?: Readiness;
  /** Extra routes (web chat page and token, sandbox hand-offs), registered by the composition root. */
  readonly extraRoutes?: (server: Server) => void;
}

export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

/** Builds the HTTP server without listening; `server/lifecycle.ts` starts and stops it. */
export function createServer(options: ServerOptions): Server {
  const { adapter, bot, logger } = options;
  const server = restify.createServer({ name: 'account-closure-bot', handleUncaughtExceptions: false });

  // Nobody may switch protocols here: an Upgrade gets an answer and a closed socket (server/httpEdge.ts).
  answerUpgradeRequests(server, logger);
  // Compressed bodies are refused before the body parser could inflate them (restify#1975).
  server.pre(refuseContentEncoding);
  // Content type next: the adapter only understands JSON, and the body parser would accept a form.
  server.pre(requireJsonOnMessages);
  // CloudAdapter reads req.body; without a parser every request is a 400 (DESIGN.md pitfalls). The limit answers 413.
  server.use(restify.plugins.bodyParser({ maxBodySize: options.maxBodyBytes, mapParams: false, rejectUnknown: true }));
  server.use(restify.plugins.queryParser({ mapParams: false }));

  // Liveness: the process answers HTTP. Readiness (storage answers, settings usable) is /readyz.
  server.get('/healthz', (_req: Request, res: Response, next: Next) => {
    res.send(200, { status: 'ok' });
    return next();
  });
  options.readiness?.register(server);

  // Every activity goes through CloudAdapter.process, which authenticates the Bot Framework JWT when an app id is set.
  server.post('/api/messages', async (req: Request, res: Response) => {
    const problems = activityProblems(req.body);
    if (problems.length > 0) {
      if (!(await authenticated(req, options, logger))) return sendProblem(res, 'Unauthorized');
      return sendProblem(res, 'BadActivity', `The activity is not valid: ${problems.join('; ')}.`);
    }
    await adapter.process(req, withPlainAdapterErrors(res, logger), (context) => bot.run(context));
  });

  options.extraRoutes?.(server);

  // A route that throws must not take the process down, nor tell the caller internals.
  plainRestifyErrors(server, logger);
  return server;
}

/** Whether the caller passes the adapter's own JWT check; a check that throws on a malformed activity is a no. */
async function authenticated(req: Request, options: ServerOptions, logger: Logger): Promise<boolean> {
  const body = (typeof req.body === 'object' && req.body !== null && !Array.isArray(req.body) ? req.body : {}) as Partial<Activity>;
  try {
    await options.authenticate(body, req.header('authorization') ?? '');
    return true;
  } catch (error) {
    logger.info('refused a malformed activity that is not authenticated', {
      reason: error instanceof Error ? error.message : String(error),
    });
    return false;
  }
}

function requireJsonOnMessages(req: Request, res: Response, next: Next): void {
  if (req.method === 'POST' && req.path() === '/api/messages' && !/^application\/json\b/i.test(req.header('content-type') ?? '')) {
    sendProblem(res, 'UnsupportedMediaType');
    return next(false);
  }
  return next();
}
