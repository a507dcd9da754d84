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

export function openChannel(botUrl: string, connections: number, serviceUrl: string): Channel {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const target = new URL('/api/messages', botUrl);
  return {
    send(userId, conversationId, activity) {
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
    close: () => agent.destroy(),
  };
}

export interface Rate {
  readonly turns: number;
  readonly seconds: number;
  readonly turnsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly failed: number;
}

/**
 * First turns of fresh conversations ("hello"), `connections` at a time, for `seconds` after `warmupSeconds`
 * of the same. `expect` checks every answer, so a broken bot cannot post a fast rate.
 */
export async function measureRate(
  channel: Channel,
  options: { connections: number; seconds: number; warmupSeconds: number; expect: (replies: ReplyActivity[]) => boolean },
): Promise<Rate> {
  const run = async (seconds: number, record: boolean) => {
    const latencies: number[] = [];
    let failed = 0;
    const until = performance.now() + seconds * 1000;
    const worker = async () => {
      while (performance.now() < until) {
        const id = randomUUID();
        const at = performance.now();
        try {
          const replies = await channel.send(`user-${id}`, `conv-${id}`, { type: 'message', text: 'hello' });
          if (!options.expect(replies)) failed += 1;
        } catch {
          failed += 1;
        }
        if (record) latencies.push(performance.now() - at);
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: options.connections }, worker));
    return { latencies, failed, elapsed: (performance.now() - started) / 1000 };
  };
  await run(options.warmupSeconds, false);
  const { latencies, failed, elapsed } = await run(options.seconds, true);
  const { p50, p99 } = percentiles(latencies);
  return { turns: latencies.length, seconds: round(elapsed, 2), turnsPerSecond: round(latencies.length / elapsed, 1), p50, p99, failed };
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
