import { spawn, type ChildProcess } from 'node:child_process';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import WebSocket from 'ws';

/**
 * Microsoft 365 Agents Playground (npm `@microsoft/m365agentsplayground`), Microsoft's own Teams simulator, run
 * as a child process and spoken to through the HTTP and WebSocket API its web UI uses:
 * - `GET /_internal/v1/config`: the mocked tenant, bot, current user, personal chat, group chats, teams;
 * - `POST /_conversation/v1/conversations/{id}/messages` `{ from, text, textFormat, mentions? }`: the user types;
 * - `POST /_conversation/v1/submit` `{ conversation, from, replyToId, value }`: an `Action.Submit` press;
 * - `POST /_conversation/v1/invoke` `{ name: 'adaptiveCard/action', conversation, from, replyToId, value }`:
 *   an `Action.Execute` press, answered with the bot's invoke response;
 * - `ws://.../_ws_conversation/v1/conversations/stream`: every message the bot posts (`createMessage`) or
 *   updates (`updateMessage`), with the conversation it went to (`actionConversationId`).
 * The bot's replies reach the Playground's Bot Connector at `--service-url` (`/_connector/v3/...`).
 * Read from the package's dist (0.2.28); these routes are the UI's, not a published API.
 *
 * The Playground posts the user's message to the bot only after answering its UI (fire and forget), so the
 * tests reach the bot through a loopback relay that counts finished turns: `settled()` resolves once the bot has
 * answered every message and press sent so far, so the next step never races the turn still saving its state
 * (a person is slower than a test).
 *
 * The Playground has no host option: it listens on every interface. Tests keep everything else on loopback and
 * give it a port picked on 127.0.0.1 just before; it falls back to another port if that one was taken meanwhile,
 * which `start` reports as an error rather than run with a wrong service URL. Telemetry is off
 * (`--disable-telemetry`) and no browser is opened (`TEAMSAPPTESTER_BROWSER=none`): nothing leaves the machine.
 */

const CLI = path.join(path.dirname(require.resolve('@microsoft/m365agentsplayground/package.json')), 'cli.js');

export interface PlaygroundUser {
  readonly id: string;
  readonly name: string;
  readonly aadObjectId: string;
}

export interface PlaygroundConfig {
  readonly tenantId: string;
  readonly bot: { readonly id: string; readonly name: string };
  readonly currentUser: PlaygroundUser;
  readonly personalChat: { readonly id: string };
  readonly groupChats: ReadonlyArray<{ readonly id: string; readonly members: readonly string[] }>;
}

export interface PlaygroundAttachment {
  readonly contentType: string;
  readonly content: Record<string, unknown>;
}

/** One message the bot posted or updated, as the Playground's UI receives it. */
export interface PlaygroundMessage {
  /** `createMessage` or `updateMessage`. */
  readonly action: string;
  readonly conversationId: string;
  readonly messageId: string;
  readonly text?: string;
  readonly attachments: readonly PlaygroundAttachment[];
}

export interface AgentsPlayground {
  readonly url: string;
  readonly config: PlaygroundConfig;
  readonly messages: PlaygroundMessage[];
  /** The user types `text` in a conversation (with a mention of the bot when `mentionBot`). */
  says(conversationId: string, text: string, options?: { mentionBot?: boolean }): Promise<void>;
  submits(conversationId: string, replyToId: string, value: Record<string, unknown>): Promise<void>;
  /** An `Action.Execute` press; resolves with the bot's invoke response as the Playground passes it on. */
  executes(conversationId: string, replyToId: string, action: { verb: string; data: Record<string, unknown> }): Promise<unknown>;
  /** Resolves with the first message (from index `from` on) that matches; waits for more as they arrive. */
  next(predicate: (message: PlaygroundMessage) => boolean, from?: number): Promise<PlaygroundMessage>;
  /** Resolves once the bot has answered every message and press sent so far (work it does after an answer may go on). */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

export async function startAgentsPlayground(options: { appEndpoint: string }): Promise<AgentsPlayground> {
  const relay = await startTurnRelay(options.appEndpoint);
  const port = await freeLoopbackPort();
  const child = spawn(
    process.execPath,
    [
      CLI,
      'start',
      '--app-endpoint',
      relay.url,
      '--channel-id',
      'msteams',
      '--port',
      String(port),
      '--service-url',
      `http://127.0.0.1:${port}/_connector`,
      '--disable-telemetry',
    ],
    {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TEAMSAPPTESTER_BROWSER: 'none' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  try {
    const listening = await listeningPort(child, output);
    if (listening !== port) throw new Error(`the Playground listens on ${listening}, not ${port}: its service URL would be wrong`);
  } catch (error) {
    await stopChild(child);
    await relay.stop();
    throw error;
  }
  const url = `http://127.0.0.1:${port}`;
  const post = async (route: string, body: unknown): Promise<unknown> => {
    const response = await fetch(`${url}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`Playground ${route} answered ${response.status}: ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : undefined;
  };
  const { config } = (await (await fetch(`${url}/_internal/v1/config`)).json()) as { config: PlaygroundConfig };

  const messages: PlaygroundMessage[] = [];
  const waiters = new Set<() => void>();
  const socket = new WebSocket(`ws://127.0.0.1:${port}/_ws_conversation/v1/conversations/stream`);
  // ws delivers each frame as one Buffer (binaryType 'nodebuffer', the default).
  socket.on('message', (data: Buffer) => {
    const event = JSON.parse(data.toString('utf8')) as {
      action: string;
      actionConversationId: string;
      message?: { messageId: string; text?: string; attachments?: PlaygroundAttachment[] };
    };
    if (!event.message) return;
    messages.push({
      action: event.action,
      conversationId: event.actionConversationId,
      messageId: event.message.messageId,
      text: event.message.text,
      attachments: event.message.attachments ?? [],
    });
    for (const wake of [...waiters]) wake();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const from = { id: config.currentUser.id };
  let sent = 0;

  return {
    url,
    config,
    messages,
    async says(conversationId, text, { mentionBot = false } = {}) {
      sent++;
      const mention = `<at>${config.bot.name}</at>`;
      await post(
        `/_conversation/v1/conversations/${encodeURIComponent(conversationId)}/messages`,
        mentionBot
          ? { from, text: `${mention} ${text}`, textFormat: 'plain', mentions: [{ mentioned: { id: config.bot.id }, text: mention }] }
          : { from, text, textFormat: 'plain' },
      );
    },
    async submits(conversationId, replyToId, value) {
      sent++;
      await post('/_conversation/v1/submit', { conversation: { id: conversationId }, from, replyToId, value });
    },
    executes(conversationId, replyToId, { verb, data }) {
      sent++;
      return post('/_conversation/v1/invoke', {
        name: 'adaptiveCard/action',
        conversation: { id: conversationId },
        from,
        replyToId,
        value: { action: { type: 'Action.Execute', verb, data } },
      });
    },
    next(predicate, fromIndex = 0) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const found = messages.slice(fromIndex).find(predicate);
          if (found) resolve(found);
          return found !== undefined;
        };
        if (check()) return;
        const wake = () => {
          if (check()) waiters.delete(wake);
        };
        waiters.add(wake);
        child.once('exit', () => reject(new Error(`the Playground exited: ${output.join('').slice(-500)}`)));
      });
    },
    settled: () => relay.turnsDone(sent),
    async stop() {
      socket.terminate();
      await stopChild(child);
      await relay.stop();
    },
  };
}

interface TurnRelay {
  readonly url: string;
  /** Resolves once `count` message or invoke activities have been answered by the bot. */
  turnsDone(count: number): Promise<void>;
  stop(): Promise<void>;
}

/** Forwards the Playground's activities to the bot unchanged and counts the turns the bot has answered. */
async function startTurnRelay(appEndpoint: string): Promise<TurnRelay> {
  let done = 0;
  const waiters = new Set<() => void>();
  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const type = (JSON.parse(body.toString('utf8') || '{}') as { type?: string }).type;
      void fetch(appEndpoint, {
        method: 'POST',
        headers: {
          'content-type': req.headers['content-type'] ?? 'application/json',
          ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
        },
        body,
      })
        .then(async (answer) => {
          const text = await answer.text();
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
          res.end(text);
        })
        .catch((error: unknown) => {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(String(error));
        })
        .finally(() => {
          if (type === 'message' || type === 'invoke') done++;
          for (const wake of [...waiters]) wake();
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/messages`,
    turnsDone: (count) =>
      new Promise((resolve) => {
        const wake = () => {
          if (done < count) return;
          waiters.delete(wake);
          resolve();
        };
        waiters.add(wake);
        wake();
      }),
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function listeningPort(child: ChildProcess, output: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      const match = /Listening on (\d+)/.exec(seen);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`the Playground exited (${code}) before listening: ${seen}${output.join('')}`)));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A simulator with nothing to save: no need for a graceful stop.
  child.kill('SIGKILL');
  await exited;
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
