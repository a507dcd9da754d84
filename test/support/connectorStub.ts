import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ConnectorActivity {
  readonly conversationId: string;
  readonly method: string;
  readonly path: string;
  readonly activity: Record<string, unknown>;
  /** The id the stub answered with (a new message's id; for a PUT, the updated activity's id). */
  readonly id: string;
}

export interface ConnectorStub {
  /** Use as the activities' `serviceUrl`: replies and proactive messages arrive here. */
  readonly url: string;
  readonly received: ConnectorActivity[];
  /** Resolves when `count` activities have arrived in total. */
  waitFor(count: number): Promise<ConnectorActivity[]>;
  /**
   * From now on answer new messages (POST) with 202 and no body, as the Bot Connector API allows and the Agents
   * Playground does for messages with text and a card: the bot then never learns the message's id.
   */
  answerWithoutIds(on: boolean): void;
  stop(): Promise<void>;
}

/**
 * The channel side of the Bot Connector REST API on loopback, as the Emulator serves it: the bot posts its
 * replies (`POST /v3/conversations/{id}/activities[/{replyToId}]`) and updates (`PUT .../activities/{id}`) here.
 */
export async function startConnectorStub(): Promise<ConnectorStub> {
  const received: ConnectorActivity[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  let counter = 0;
  let withoutIds = false;
  const server: Server = createServer((req, res) => {
    // Two calls, not a chain: restify patches ServerResponse.writeHead process-wide and it returns nothing.
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const match = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/.exec(req.url ?? '');
      if (!match || (req.method !== 'POST' && req.method !== 'PUT')) {
        reply(404, { error: { code: 'NotFound', message: `${req.method} ${req.url}` } });
        return;
      }
      const id = req.method === 'PUT' && match[2] ? decodeURIComponent(match[2]) : `reply-${++counter}`;
      received.push({ conversationId: decodeURIComponent(match[1]), method: req.method, path: req.url ?? '', activity: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>, id });
      for (const waiter of waiters.filter((w) => received.length >= w.count)) waiter.resolve();
      if (withoutIds && req.method === 'POST') {
        res.writeHead(202);
        res.end();
        return;
      }
      reply(200, { id });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    waitFor(count) {
      if (received.length >= count) return Promise.resolve(received);
      return new Promise((resolve) => waiters.push({ count, resolve: () => resolve(received) }));
    },
    answerWithoutIds(on) {
      withoutIds = on;
    },
    stop: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
