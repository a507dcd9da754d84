import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DlActivity {
  id: string;
  type: string;
  text?: string;
  timestamp?: string;
  channelId?: string;
  from: { id: string; name?: string; role?: string };
  conversation?: { id: string };
  replyToId?: string;
  channelData?: Record<string, unknown>;
  attachments?: Array<{ contentType: string; content: Record<string, unknown> }>;
  [key: string]: unknown;
}

/** Waiting on polling, not a timing assertion: the loop gives up only so a broken build fails instead of hanging. */
const GIVE_UP_AFTER_MS = 15_000;

/** A Direct Line 3.0 client speaking the REST protocol the way Web Chat's directlinejs does (polling). */
export class DirectLineTestClient {
  watermark = '';
  readonly seen: DlActivity[] = [];

  constructor(
    readonly domain: string,
    public token: string,
    readonly conversationId: string,
    readonly origin?: string,
  ) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.token}`, ...(this.origin ? { origin: this.origin } : {}), ...extra };
  }

  async start(): Promise<Response> {
    return fetch(`${this.domain}/conversations`, {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/json' }),
      body: '{}',
    });
  }

  async post(activity: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${this.domain}/conversations/${this.conversationId}/activities`, {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/json' }),
      body: JSON.stringify(activity),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  says(text: string, clientActivityID = `client-${Math.random()}`) {
    return this.post({ type: 'message', text, from: { id: 'someone-else', name: 'Typed Name' }, channelData: { clientActivityID } });
  }

  presses(value: Record<string, unknown>) {
    return this.post({
      type: 'message',
      value,
      from: { id: 'someone-else' },
      channelData: { clientActivityID: `client-${Math.random()}` },
    });
  }

  /** One poll from the current watermark; remembers what it saw. */
  async poll(): Promise<DlActivity[]> {
    const response = await fetch(`${this.domain}/conversations/${this.conversationId}/activities?watermark=${this.watermark}`, {
      headers: this.headers(),
    });
    if (response.status !== 200) throw new Error(`polling answered ${response.status}: ${await response.text()}`);
    const body = (await response.json()) as { activities: DlActivity[]; watermark: string };
    this.watermark = body.watermark;
    this.seen.push(...body.activities);
    return body.activities;
  }

  /** Polls until an activity matching `predicate` has been seen; returns it. */
  async waitFor(predicate: (activity: DlActivity) => boolean, what: string): Promise<DlActivity> {
    const deadline = Date.now() + GIVE_UP_AFTER_MS;
    for (;;) {
      const found = this.seen.find(predicate);
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`gave up waiting for ${what}; saw: ${JSON.stringify(this.seen.map((a) => a.text ?? a.type))}`);
      await this.poll();
      if (!this.seen.some(predicate)) await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

export async function generateToken(
  domain: string,
  secret: string,
  body: Record<string, unknown> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${domain}/tokens/generate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export function textOf(activities: DlActivity[]): string {
  return activities.map((a) => a.text ?? '').join('\n');
}

/** The data of the card action titled `title` in any attachment, e.g. a Submit button's `{ action, ... }`. */
export function actionData(activity: DlActivity, action: string): Record<string, unknown> {
  const found = JSON.stringify(activity.attachments ?? []).match(
    new RegExp(`"data":(\\{"action":"${action.replace('.', '\\.')}"[^}]*\\})`),
  );
  if (!found) throw new Error(`no action "${action}" in ${JSON.stringify(activity).slice(0, 400)}`);
  return JSON.parse(found[1]) as Record<string, unknown>;
}

export interface FakeBot {
  readonly url: string;
  readonly received: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

/**
 * A bot on loopback that acknowledges every activity and answers a message with `echo: <text>` through the
 * connector at the activity's `serviceUrl`, as a Bot Framework bot does.
 */
export async function startFakeBot(
  options: { reply?: boolean; status?: number; beforeAnswer?: (activity: Record<string, unknown>) => Promise<void> | undefined } = {},
): Promise<FakeBot> {
  const received: Array<Record<string, unknown>> = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const activity = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      received.push(activity);
      const answer = async () => {
        await options.beforeAnswer?.(activity);
        if (options.reply !== false && activity.type === 'message') {
          const conversation = activity.conversation as { id: string };
          await fetch(
            `${String(activity.serviceUrl)}/v3/conversations/${encodeURIComponent(conversation.id)}/activities/${encodeURIComponent(String(activity.id))}`,
            {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({
                type: 'message',
                text: `echo: ${String(activity.text)}`,
                from: activity.recipient,
                recipient: activity.from,
                replyToId: activity.id,
                serviceUrl: activity.serviceUrl,
              }),
            },
          );
        }
        // Two calls, not a chain: restify patches ServerResponse.writeHead process-wide and it returns nothing.
        res.writeHead(options.status ?? 200);
        res.end();
      };
      answer().catch((error: unknown) => {
        res.writeHead(500);
        res.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/messages`,
    received,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
