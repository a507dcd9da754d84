import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startSandbox, type Sandbox, type SandboxOptions } from '../index';

/** Fixed GUIDs and names of the built-in demo seed (sandbox/demoSeed.json). */
export const DEMO = {
  password: 'Passw0rd!',
  fabrikam: { id: '5b0c3a1e-7f1d-4c55-9a51-2f6f0c6a9e01', name: 'Fabrikam Volunteers', domain: 'fabrikamvolunteers.example' },
  contoso: { id: '8d2e6f40-3b7a-4e0c-8c1d-6a4b9e2f7c02', name: 'Contoso', domain: 'contoso.example' },
  /** Unmanaged, with the sandbox app's service principal: the one demo tenant where CLOSURE=graph can act. */
  graphRights: { id: '3c7d9e21-4a8b-4f6e-b0d2-8e5f1a2b3c04', name: 'Contoso Graph-rights demo', domain: 'graphrights.example' },
  personal: { id: '9188040d-6c67-4c5b-b112-36a304b66dad' },
  ada: { id: 'a1d4c0de-0001-4a6a-9d3e-5c1f00000001', upn: 'ada@fabrikamvolunteers.example', displayName: 'Ada Lovelace' },
  grace: { id: 'a1d4c0de-0002-4a6a-9d3e-5c1f00000002', upn: 'grace@fabrikamvolunteers.example' },
  katherine: { id: '9a7b0c1d-0005-4d3e-8f4a-8c4d00000005', upn: 'katherine@graphrights.example', displayName: 'Katherine Johnson' },
  dorothy: { id: '9a7b0c1d-0006-4d3e-8f4a-8c4d00000006', upn: 'dorothy@graphrights.example' },
  megan: { id: 'c0de5e70-0003-4b1b-8e2f-6d2a00000003', upn: 'megan@contoso.example' },
  sam: { id: '5a3e0000-0004-4c2c-9f3a-7e3b00000004', upn: 'sam@outlook.example' },
} as const;

export interface TestClock {
  readonly clock: () => Date;
  advance(ms: number): void;
}

/** A clock the test moves by hand, starting at a fixed instant. */
export function createClock(start = '2025-03-01T09:00:00.000Z'): TestClock {
  let now = Date.parse(start);
  return { clock: () => new Date(now), advance: (ms) => void (now += ms) };
}

export async function createTempDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sandbox-test-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface TestSandbox {
  readonly sandbox: Sandbox;
  readonly dataDir: string;
  readonly time: TestClock;
  restart(): Promise<Sandbox>;
  stop(): Promise<void>;
}

/** A sandbox on an ephemeral port with a fresh temp dataDir and a hand-moved clock. */
export async function startTestSandbox(overrides: Partial<SandboxOptions> = {}): Promise<TestSandbox> {
  const temp = await createTempDir();
  const time = createClock();
  const options: SandboxOptions = { port: 0, dataDir: temp.dir, exportDelayMs: 60_000, clock: time.clock, ...overrides };
  let sandbox = await startSandbox(options);
  return {
    get sandbox() {
      return sandbox;
    },
    dataDir: temp.dir,
    time,
    async restart() {
      await sandbox.stop();
      sandbox = await startSandbox(options);
      return sandbox;
    },
    async stop() {
      await sandbox.stop();
      await temp.remove();
    },
  };
}

export interface Channel {
  readonly channelUserId: string;
  readonly channelId: string;
  readonly conversationId: string;
  readonly connectionName: string;
}

export function createChannel(overrides: Partial<Channel> = {}): Channel {
  return {
    channelUserId: 'user-1',
    channelId: 'emulator',
    conversationId: 'conversation-1',
    connectionName: 'SandboxConnection',
    ...overrides,
  };
}

/** The `state` the SDK's UserTokenClient.createTokenExchangeState sends: base64 JSON of a TokenExchangeState. */
export function exchangeState(channel: Channel): string {
  const state = {
    connectionName: channel.connectionName,
    conversation: {
      user: { id: channel.channelUserId },
      channelId: channel.channelId,
      conversation: { id: channel.conversationId },
      bot: { id: 'bot' },
      serviceUrl: 'http://127.0.0.1:1',
    },
    msAppId: '',
  };
  return Buffer.from(JSON.stringify(state)).toString('base64');
}

/** Asks the token service for a sign-in link, as OAuthPrompt does. */
export async function getSignInLink(sandbox: Sandbox, channel: Channel): Promise<string> {
  const response = await fetch(
    `${sandbox.tokenServiceUrl}/api/botsignin/GetSignInResource?state=${encodeURIComponent(exchangeState(channel))}`,
  );
  if (response.status !== 200) throw new Error(`GetSignInResource answered ${response.status}`);
  return ((await response.json()) as { signInLink: string }).signInLink;
}

/** Posts the sign-in form behind `signInLink`; returns the page and the magic code it shows, if any. */
export async function submitSignIn(
  signInLink: string,
  username: string,
  password: string,
): Promise<{ status: number; html: string; code?: string }> {
  const state = new URL(signInLink).searchParams.get('state') ?? '';
  const response = await fetch(new URL('signin', signInLink), { method: 'POST', body: new URLSearchParams({ state, username, password }) });
  const html = await response.text();
  const code = /id="magic-code"[^>]*>(\d{6})</.exec(html)?.[1];
  return { status: response.status, html, code };
}

export async function getToken(sandbox: Sandbox, channel: Channel, code?: string): Promise<Response> {
  const query = new URLSearchParams({
    userId: channel.channelUserId,
    connectionName: channel.connectionName,
    channelId: channel.channelId,
    ...(code ? { code } : {}),
  });
  return fetch(`${sandbox.tokenServiceUrl}/api/usertoken/GetToken?${query}`);
}

/** The whole magic-code sign-in: link, form, code, GetToken. Returns the user token. */
export async function signIn(sandbox: Sandbox, upn: string, channel: Channel = createChannel()): Promise<string> {
  const page = await submitSignIn(await getSignInLink(sandbox, channel), upn, DEMO.password);
  if (!page.code) throw new Error(`sign-in of "${upn}" showed no code`);
  const response = await getToken(sandbox, channel, page.code);
  if (response.status !== 200) throw new Error(`GetToken answered ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}

export async function appToken(sandbox: Sandbox, tenantId: string): Promise<string> {
  const token = await sandbox.appCredential.getToken('https://graph.microsoft.com/.default', { tenantId });
  if (!token) throw new Error('no app token');
  return token.token;
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}
