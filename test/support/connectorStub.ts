import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ConnectorActivity {
  readonly conversationId: string;
  readonly method: string;
  readonly path: string;
  readonly activity: Record<string, unknown>;
  /** The id the stub answered with (a new message's id; for a PUT, the updated activity's id). */
  readonly id: string;
  /** When it arrived (ms since the epoch): orders a message against the stores' own times. */
  readonly at: number;
}

/** A `POST /v3/conversations` the bot made (Teams: opening a user's 1:1 chat), and the id it was answered. */
export interface CreatedConversation {
  readonly parameters: Record<string, unknown>;
  readonly id: string;
}

export interface ConnectorStub {
  /** Use as the activities' `serviceUrl`: replies and proactive messages arrive here. */
  readonly url: string;
  readonly received: ConnectorActivity[];
  readonly createdConversations: CreatedConversation[];
  /** Answers the next conversation creations with this status and no conversation (Teams: 403 when the app is not installed for the user). */
  refuseConversations(status: number): void;
  /** Resolves when `count` activities have arrived in total. */
  waitFor(count: number): Promise<ConnectorActivity[]>;
  /**
   * From now on answer new messages (POST) with 202 and no body, as the Bot Connector API allows and the Agents
   * Playground does for messages with text and a card: the bot then never learns the message's id.
   */
  answerWithoutIds(on: boolean): void;
  /**
   * From now on refuse new messages and updates (POST/PUT) with this status (the channel or connector down: 503),
   * recording nothing; `undefined` accepts them again. A failed send of a message the bot owes.
   */
  failSends(status: number | undefined): void;
  /** How many sends were refused while `failSends` was on. */
  readonly refusedSends: number;
  stop(): Promise<void>;
}

/**
 * The channel side of the Bot Connector REST API on loopback, as the Emulator serves it: the bot posts its
 * replies (`POST /v3/conversations/{id}/activities[/{replyToId}]`) and updates (`PUT .../activities/{id}`) here.
 * `POST /v3/conversations` opens a 1:1 chat the way Teams does: the same member gets the same conversation back
 * (https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-api-reference#create-conversation).
 */
export async function startConnectorStub(): Promise<ConnectorStub> {
  const received: ConnectorActivity[] = [];
  const createdConversations: CreatedConversation[] = [];
  const personalChats = new Map<string, string>();
  let refusal: number | undefined;
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  let counter = 0;
  let withoutIds = false;
  let failing: number | undefined;
  let refusedSends = 0;
  const server: Server = createServer((req, res) => {
    // Two calls, not a chain: restify patches ServerResponse.writeHead process-wide and it returns nothing.
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v3/conversations') {
        if (refusal) {
          reply(refusal, { error: { code: 'Forbidden', message: 'The bot is not installed for this user.' } });
          return;
        }
        const parameters = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { members?: Array<{ id?: string }> };
        const member = String(parameters.members?.[0]?.id ?? '');
        const id = personalChats.get(member) ?? `a:1private${personalChats.size + 1}`;
        personalChats.set(member, id);
        createdConversations.push({ parameters, id });
        reply(201, { id });
        return;
      }
      const match = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/.exec(req.url ?? '');
      if (!match || (req.method !== 'POST' && req.method !== 'PUT')) {
        reply(404, { error: { code: 'NotFound', message: `${req.method} ${req.url}` } });
        return;
      }
      if (failing) {
        refusedSends += 1;
        // Retry-After: 0, as a throttling connector may say: the SDK's client retries at once instead of backing off
        // 1 + 2 + 4 s, so the send fails as fast as the test can see it (the refusal is the same either way).
        res.writeHead(failing, { 'content-type': 'application/json', 'retry-after': '0' });
        res.end(JSON.stringify({ error: { code: 'ServiceUnavailable', message: 'The connector is not available.' } }));
        return;
      }
      const id = req.method === 'PUT' && match[2] ? decodeURIComponent(match[2]) : `reply-${++counter}`;
      received.push({
        conversationId: decodeURIComponent(match[1]),
        method: req.method,
        path: req.url ?? '',
        activity: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>,
        id,
        at: Date.now(),
      });
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
    createdConversations,
    refuseConversations(status) {
      refusal = status;
    },
    waitFor(count) {
      if (received.length >= count) return Promise.resolve(received);
      return new Promise((resolve) => waiters.push({ count, resolve: () => resolve(received) }));
    },
    answerWithoutIds(on) {
      withoutIds = on;
    },
    failSends(status) {
      failing = status;
    },
    get refusedSends() {
      return refusedSends;
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
