import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake answers tokens/generate with. */
export const FAKE_ISSUED_TOKEN = 'eyJhbGciOi.issued-token.sig';

export interface FakeDirectLine {
  readonly url: string;
  readonly requests: Array<{ path: string; authorization?: string; body: Record<string, unknown> }>;
  /** Status of the next answers; 200 issues a token. */
  status: number;
  stop(): Promise<void>;
}

/** Azure Direct Line's tokens/generate on loopback: records what the bot's server sends it. */
export async function startFakeDirectLine(): Promise<FakeDirectLine> {
  const fake: Omit<FakeDirectLine, 'url' | 'stop'> = { requests: [], status: 200 };
  const server: HttpServer = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      fake.requests.push({
        path: req.url ?? '',
        authorization: req.headers.authorization,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>,
      });
      const body =
        fake.status === 200
          ? { conversationId: 'conv-1', token: FAKE_ISSUED_TOKEN, expires_in: 3600 }
          : { error: { code: 'ServiceError', message: 'down' } };
      // Two calls, not a chain: restify patches ServerResponse.writeHead process-wide and it returns nothing.
      res.writeHead(fake.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(fake, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
