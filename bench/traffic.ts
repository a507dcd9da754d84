/**
 * The load `npm run bench` sends: channel-shaped activities with `deliveryMode: "expectReplies"` (the replies come
 * back in the HTTP answer, DESIGN.md pitfalls), over node:http keep-alive connections, one request in flight per
 * connection.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { cardActionData, magicCodeOf, signInLinkOf, submitSignInPage, type ReplyActivity } from '../test/support/botHarness';

export interface BenchUser {
  readonly upn: string;
  readonly password: string;
}

export interface Channel {
  /** Posts one activity for `userId` in `conversationId`; resolves with the bot's replies. */
  send(userId: string, conversationId: string, activity: Record<string, unknown>): Promise<ReplyActivity[]>;
  close(): void;
}

/**
 * A channel to one bot, or to several instances of it behind one address as a load balancer spreads them: each
 * activity goes to the next instance in turn, so the turns of one conversation land on different instances.
 */
export function openChannel(botUrls: string | readonly string[], connections: number, serviceUrl: string): Channel {
  const targets = (typeof botUrls === 'string' ? [botUrls] : botUrls).map((url) => new URL('/api/messages', url));
  const agents = targets.map(() => new http.Agent({ keepAlive: true, maxSockets: connections }));
  let next = 0;
  return {
    send(userId, conversationId, activity) {
      const at = next++ % targets.length;
      const target = targets[at];
      const agent = agents[at];
      const body = JSON.stringify({
        channelId: 'emulator',
        serviceUrl,
        conversation: { id: conversationId },
        from: { id: userId },
        recipient: { id: 'bot' },
        deliveryMode: 'expectReplies',
        id: randomUUID(),
        timestamp: new Date().toISOString(),
        locale: 'en-US',
        ...activity,
      });
      return new Promise((resolve, reject) => {
        const request = http.request(
          target,
          { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('error', reject);
            response.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              if (response.statusCode !== 200) return reject(new Error(`bot answered ${response.statusCode}: ${text.slice(0, 200)}`));
              resolve(((JSON.parse(text) as { activities?: ReplyActivity[] }).activities ?? []).filter((a) => a.type === 'message'));
            });
          },
        );
        request.on('error', reject);
        request.end(body);
      });
    },
    close: () => agents.forEach((agent) => agent.destroy()),
  };
}

/**
 * First turns of fresh conversations ("hello"), `connections` at a time, for `seconds`. `expect` checks every
 * answer, so a broken bot cannot post a fast rate.
 */
export async function welcomeWindow(
  channel: Channel,
  connections: number,
  seconds: number,
  expect: (replies: ReplyActivity[]) => boolean,
): Promise<{ latencies: number[]; failed: number; elapsed: number }> {
  const latencies: number[] = [];
  let failed = 0;
  const until = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < until) {
      const id = randomUUID();
      const at = performance.now();
      try {
        const replies = await channel.send(`user-${id}`, `conv-${id}`, { type: 'message', text: 'hello' });
        if (!expect(replies)) failed += 1;
      } catch {
        failed += 1;
      }
      latencies.push(performance.now() - at);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, worker));
  return { latencies, failed, elapsed: (performance.now() - started) / 1000 };
}

/** Walks one user from the first message to the warning card: welcome, start, sign-in page + magic code, skip export. */
export async function parkAtWarning(
  channel: Channel,
  user: BenchUser,
): Promise<{ userId: string; conversationId: string; warning: ReplyActivity[] }> {
  const userId = `bench-${randomUUID()}`;
  const conversationId = `conv-${userId}`;
  const send = (activity: Record<string, unknown>) => channel.send(userId, conversationId, activity);
  const welcome = await send({ type: 'message', text: 'hello' });
  const signIn = await send({ type: 'message', value: cardActionData(welcome, 'closure.start') });
  const page = await submitSignInPage(signInLinkOf(signIn), user.upn, user.password);
  const offer = await send({ type: 'message', text: magicCodeOf(page) });
  const warning = await send({ type: 'message', value: cardActionData(offer, 'closure.skipExport') });
  return { userId, conversationId, warning };
}

/** The whole closure: parked at the warning, then Yes; throws unless the bot says the account was closed. */
export async function closeAccount(channel: Channel, user: BenchUser): Promise<void> {
  const parked = await parkAtWarning(channel, user);
  const outcome = await channel.send(parked.userId, parked.conversationId, {
    type: 'message',
    value: cardActionData(parked.warning, 'closure.confirm'),
  });
  if (!outcome.some((a) => /has been closed/.test(a.text ?? ''))) throw new Error(`no closure: ${outcome.map((a) => a.text).join(' | ')}`);
}

/** Runs `work` over `items`, `concurrency` at a time. */
export async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

export function percentiles(values: number[]): { p50: number; p99: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted.length === 0 ? 0 : round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0, 2);
  return { p50: at(0.5), p99: at(0.99) };
}

export function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
