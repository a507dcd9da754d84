import restify from 'restify';
import { startServer } from '../../server/lifecycle';
import { registerWebChatRoutes, type WebChatRoutesOptions } from '../../server/webchatRoutes';
import { createHttpClient } from '../../adapters/http/httpClient';
import { createLogger, type LogRecord } from '../../services/logger';
import { DirectLineTokenExchange } from '../../adapters/webchat/directLineTokenSource';
import type { FakeDirectLine } from './fakeDirectLine';

export const SECRET = 'dl-secret-Zq9XwVv7TtRr5';

export interface TestServer {
  readonly url: string;
  readonly logs: LogRecord[];
  token(headers?: Record<string, string>): Promise<{ status: number; headers: Headers; text: string; body: Record<string, unknown> }>;
  stop(): Promise<void>;
}

/** The web chat routes on a restify server set up as server/createServer.ts does, with a recording logger. */
export async function startWebChat(
  directLine: FakeDirectLine | undefined,
  options: Partial<WebChatRoutesOptions> = {},
): Promise<TestServer> {
  const logs: LogRecord[] = [];
  const logger = createLogger('test', (record) => logs.push(record), 'debug');
  const http = createHttpClient({
    logger: logger.child('http'),
    timeoutMs: 5_000,
    retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
  });
  const server = restify.createServer({ handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ mapParams: false, rejectUnknown: true }));
  registerWebChatRoutes(server, {
    tokenSource: directLine
      ? new DirectLineTokenExchange({ http, baseUrl: directLine.url, secret: SECRET, logger: logger.child('directline') })
      : undefined,
    allowedOrigins: ['https://www.example.org'],
    logger: logger.child('webchat'),
    ...options,
  });
  const listening = await startServer(server, { port: 0, host: '127.0.0.1', graceMs: 1_000, logger });
  return {
    url: listening.url,
    logs,
    async token(headers = { origin: listening.url }) {
      const response = await fetch(`${listening.url}/api/webchat/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: '{}',
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, text, body: JSON.parse(text) as Record<string, unknown> };
    },
    stop: () => listening.stop(),
  };
}
