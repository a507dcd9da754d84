import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../config/config';
import { startBot, type RunningBot } from '../../index';
import type { LogRecord } from '../../services/logger';
import { startConnectorStub, type ConnectorStub } from './connectorStub';
import { emulatorReplies, postAsEmulator } from './emulatorActivity';

/**
 * A seed a test writes itself: one unmanaged organization with two users, a managed one, and a personal account.
 * The unmanaged one holds the sandbox app's service principal (`appServicePrincipal: true`), like the demo's
 * "Contoso Graph-rights demo": the default path (CLOSURE=portal) never asks for an app token, and suites about the
 * Graph closer opt into CLOSURE=graph.
 */
export const TEST_SEED = {
  tenants: [
    {
      id: '11111111-0000-4000-8000-000000000001',
      displayName: 'Tailspin Hobbyists',
      domains: ['tailspin.example'],
      unmanaged: true,
      appServicePrincipal: true,
    },
    { id: '11111111-0000-4000-8000-000000000002', displayName: 'Northwind Traders', domains: ['northwind.example'], unmanaged: false },
    { id: '9188040d-6c67-4c5b-b112-36a304b66dad', displayName: 'Personal Microsoft accounts', domains: [], unmanaged: false },
  ],
  users: [
    {
      id: '22222222-0000-4000-8000-000000000001',
      upn: 'kim@tailspin.example',
      displayName: 'Kim Akers',
      password: 'kim-pass-1',
      tenantId: '11111111-0000-4000-8000-000000000001',
    },
    {
      id: '22222222-0000-4000-8000-000000000002',
      upn: 'lee@tailspin.example',
      displayName: 'Lee Gu',
      password: 'lee-pass-2',
      tenantId: '11111111-0000-4000-8000-000000000001',
    },
    {
      id: '22222222-0000-4000-8000-000000000003',
      upn: 'pat@northwind.example',
      displayName: 'Pat Managed',
      password: 'pat-pass-3',
      tenantId: '11111111-0000-4000-8000-000000000002',
    },
    {
      id: '22222222-0000-4000-8000-000000000004',
      upn: 'sam@outlook.example',
      displayName: 'Sam Personal',
      password: 'sam-pass-4',
      tenantId: '9188040d-6c67-4c5b-b112-36a304b66dad',
    },
  ],
};

export interface ReplyActivity {
  type: string;
  text?: string;
  attachments?: Array<{ contentType: string; content: Record<string, unknown> }>;
  [key: string]: unknown;
}

export interface BotHarness {
  readonly bot: RunningBot;
  readonly dataDir: string;
  readonly logs: LogRecord[];
  /** Where the bot's proactive messages (export ready, background closures) arrive. */
  readonly connector: ConnectorStub;
  /** One user in one conversation, talking the way the Emulator does but asking for replies in the response. */
  user(options?: { userId?: string; conversationId?: string; channelId?: string; conversationType?: string }): ChatUser;
  stop(): Promise<void>;
}

export interface ChatUser {
  readonly userId: string;
  says(text: string): Promise<ReplyActivity[]>;
  presses(value: Record<string, unknown>): Promise<ReplyActivity[]>;
  send(activity: Record<string, unknown>): Promise<{ status: number; body: unknown }>;
}

/** Starts the real bot (HTTP server + embedded sandbox) on loopback ports with its own data folder. */
export async function startHarness(env: Record<string, string> = {}): Promise<BotHarness> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'closure-bot-'));
  const seedPath = path.join(dataDir, 'seed.json');
  await writeFile(seedPath, JSON.stringify(TEST_SEED));
  const config = loadConfig({
    PORT: '0',
    SANDBOX_PORT: '0',
    DATA_DIR: dataDir,
    SANDBOX_DATA_DIR: path.join(dataDir, 'sandbox'),
    SANDBOX_SEED: seedPath,
    SANDBOX_EXPORT_DELAY_MS: '0',
    LOG_LEVEL: 'debug',
    ...env,
  });
  const logs: LogRecord[] = [];
  const connector = await startConnectorStub();
  const bot = await startBot(config, { logSink: (record) => logs.push(record), host: '127.0.0.1', timers: false });
  let counter = 0;
  return {
    bot,
    dataDir,
    logs,
    connector,
    user(options = {}) {
      const userId = options.userId ?? `user-${++counter}`;
      const conversationId = options.conversationId ?? `conv-${userId}`;
      const address = { ...options, serviceUrl: connector.url, userId, conversationId };
      const send = (activity: Record<string, unknown>) => postAsEmulator(bot.url, address, activity);
      const replies = (activity: Record<string, unknown>) => emulatorReplies(bot.url, address, activity);
      return {
        userId,
        says: (text) => replies({ type: 'message', text }),
        presses: (value) => replies({ type: 'message', value }),
        send,
      };
    },
    async stop() {
      await bot.stop();
      await connector.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The sign-in link of the OAuth card in the replies. */
export function signInLinkOf(replies: ReplyActivity[]): string {
  for (const reply of replies) {
    for (const attachment of reply.attachments ?? []) {
      const buttons = (attachment.content.buttons ?? []) as Array<{ value?: string }>;
      if (attachment.contentType === 'application/vnd.microsoft.card.oauth' && buttons[0]?.value) return buttons[0].value;
    }
  }
  throw new Error(`no OAuth card in ${JSON.stringify(replies)}`);
}

/** Fills the sandbox sign-in page like a person would; returns the page's HTML after submitting. */
export async function submitSignInPage(link: string, username: string, password: string): Promise<string> {
  const form = await fetch(link);
  const html = await form.text();
  const state = /name="state" value="([^"]+)"/.exec(html)?.[1];
  if (!state) throw new Error(`sign-in page has no form: ${html.slice(0, 300)}`);
  const action = new URL('signin', link).toString();
  const response = await fetch(action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ state, username, password }).toString(),
  });
  return response.text();
}

export function magicCodeOf(html: string): string {
  const code = /id="magic-code"[^>]*>(\d{6})</.exec(html)?.[1];
  if (!code)
    throw new Error(
      `no code on the page: ${html
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .slice(0, 300)}`,
    );
  return code;
}

/** Anything that carries attachments: expectReplies bodies, connector-stub activities, DialogTestClient replies. */
export type WithAttachments = { readonly attachments?: ReadonlyArray<{ readonly content?: unknown }> };

/** The first Adaptive Card in the replies whose actions carry `action`, and that action's data. */
export function cardActionData(replies: readonly WithAttachments[], action: string): Record<string, string> {
  for (const reply of replies) {
    for (const attachment of reply.attachments ?? []) {
      const found = findAction(attachment.content, action);
      if (found) return found;
    }
  }
  throw new Error(`no card action "${action}" in ${JSON.stringify(replies).slice(0, 500)}`);
}

function findAction(node: unknown, action: string): Record<string, string> | undefined {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = findAction(item, action);
      if (found) return found;
    }
  } else if (node && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    const data = record.data as Record<string, string> | undefined;
    if (typeof record.type === 'string' && record.type.startsWith('Action.') && data?.action === action) return data;
    for (const value of Object.values(record)) {
      const found = findAction(value, action);
      if (found) return found;
    }
  }
  return undefined;
}

export function textsOf(replies: ReplyActivity[]): string {
  return replies.map((r) => r.text ?? '').join('\n');
}

/** Signs a chat user in through the OAuth card, the sandbox page and the magic code; returns the replies to the code. */
export async function signInThroughChat(
  user: ChatUser,
  replies: ReplyActivity[],
  username: string,
  password: string,
): Promise<ReplyActivity[]> {
  const code = magicCodeOf(await submitSignInPage(signInLinkOf(replies), username, password));
  return user.says(code);
}
