import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { BlobsStorage } from 'botbuilder-azure-blobs';
import { connectSandbox, type SandboxConnection } from '@account-closure-bot/sandbox';
import type { AuditEvent } from '../../services/auditTrail';
import { createStores } from '../../adapters/storage/createStores';
import { startAzurite, type RunningAzurite } from '../support/azurite';
import { startBotProcess, startSandboxProcess, type NodeProcess } from '../support/botProcess';
import { cardActionData, magicCodeOf, signInLinkOf, submitSignInPage, type ReplyActivity } from '../support/botHarness';
import { startConnectorStub, type ConnectorStub } from '../support/connectorStub';
import { emulatorReplies } from '../support/emulatorActivity';

export const TENANT_ID = '33333333-0000-4000-8000-000000000001';

/** One unmanaged organization with a user per scenario, so scenarios never share an account. */
export const PEOPLE = ['ana', 'ben', 'cai', 'dee', 'eli', 'fay', 'gus', 'hal'].map((name, i) => ({
  id: `44444444-0000-4000-8000-00000000000${i + 1}`,
  upn: `${name}@hobbyclub.example`,
  password: `${name}-pass-${i + 1}`,
}));

const SEED = {
  // The app holds the rights here (CLOSURE=graph below): these suites are about closing once across crashes and instances.
  tenants: [{ id: TENANT_ID, displayName: 'Hobby Club', domains: ['hobbyclub.example'], unmanaged: true, appServicePrincipal: true }],
  users: PEOPLE.map((p) => ({ ...p, displayName: p.upn.split('@')[0], tenantId: TENANT_ID })),
};

export interface FiredFault {
  readonly method: string;
  readonly path: string;
  readonly handled: boolean;
}

/**
 * What several bot processes share: one Azurite (state, requests, audit), one standalone sandbox process with
 * fault injection over HTTP, and one connector stub for replies and proactive messages.
 */
export interface InstancesFixture {
  readonly sandbox: NodeProcess;
  readonly connection: SandboxConnection;
  readonly connector: ConnectorStub;
  /** Starts a bot process on the shared sandbox and a container of this fixture; `env` overrides settings. */
  startBot(env?: Record<string, string>): Promise<NodeProcess>;
  /** The chat user `person` in a 1:1 conversation of its own. */
  user(person: (typeof PEOPLE)[number]): InstanceUser;
  injectFault(rule: { method?: string; path: string; times?: number; respond: unknown }): Promise<void>;
  /** Waits until a fault has fired on a request matching `path` (and was handled, with `handled`). */
  waitForFault(path: RegExp, options?: { handled?: boolean }): Promise<FiredFault>;
  clearFaults(): Promise<void>;
  audit(requestId: string): Promise<AuditEvent[]>;
  /** The requester's conversation state as the bot stores it (`PrivateConversationState` key), or undefined. */
  conversationState(user: InstanceUser): Promise<Record<string, unknown> | undefined>;
  /** Whether the directory still has the user, asked of Graph with an app token. */
  userExists(objectId: string): Promise<boolean>;
  stop(): Promise<void>;
}

export interface InstanceUser {
  readonly userId: string;
  readonly conversationId: string;
  says(bot: NodeProcess, text: string): Promise<ReplyActivity[]>;
  presses(bot: NodeProcess, value: Record<string, unknown>): Promise<ReplyActivity[]>;
  /** Walks welcome -> sign-in (page + code) -> skip export on `bot`; returns the warning card's Yes data. */
  reachWarning(bot: NodeProcess): Promise<Record<string, string>>;
}

export async function startInstancesFixture(): Promise<InstancesFixture> {
  const dir = await mkdtemp(path.join(tmpdir(), 'closure-instances-'));
  const seedPath = path.join(dir, 'seed.json');
  await writeFile(seedPath, JSON.stringify(SEED));
  const started: NodeProcess[] = [];
  const azurite: RunningAzurite = await startAzurite();
  const connector = await startConnectorStub();
  const sandbox = await startSandboxProcess(
    { SANDBOX_DATA_DIR: path.join(dir, 'sandbox'), SANDBOX_SEED: seedPath, SANDBOX_EXPORT_DELAY_MS: '0', LOG_LEVEL: 'debug' },
    { enableFaults: true },
  );
  const connection = await connectSandbox(sandbox.url);
  const container = `instances-${randomUUID().slice(0, 8)}`;
  const containerClient = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(container);
  const stores = createStores({ kind: 'blob', containerClient });
  // Every instance hashes UPNs with the same key, as in Azure, where the key is an app setting.
  const auditHashKey = randomBytes(32).toString('base64');

  const faultsUrl = `${sandbox.url}/_sandbox/faults`;
  const fired = async (): Promise<FiredFault[]> => ((await (await fetch(faultsUrl)).json()) as { fired: FiredFault[] }).fired;

  return {
    sandbox,
    connection,
    connector,
    async startBot(env = {}) {
      const bot = await startBotProcess({
        // The Graph closer, opted into (the default is the hand-off): what crashes and races must close exactly once.
        CLOSURE: 'graph',
        STORAGE: 'blob',
        STORAGE_BLOB_CONNECTION_STRING: azurite.connectionString,
        STORAGE_BLOB_CONTAINER: container,
        AUDIT_HASH_KEY: auditHashKey,
        SANDBOX_URL: sandbox.url,
        DATA_DIR: path.join(dir, 'bot'),
        EXPORT_POLL_INTERVAL_SECONDS: '3600',
        LOG_LEVEL: 'debug',
        ...env,
      });
      started.push(bot);
      return bot;
    },
    user(person) {
      return instanceUser(person, connector.url);
    },
    async injectFault(rule) {
      const response = await fetch(faultsUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(rule),
      });
      if (response.status !== 204) throw new Error(`fault refused: ${response.status} ${await response.text()}`);
    },
    async waitForFault(pattern, options = {}) {
      for (;;) {
        const found = (await fired()).find((f) => pattern.test(f.path) && (!options.handled || f.handled));
        if (found) return found;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async clearFaults() {
      await fetch(faultsUrl, { method: 'DELETE' });
    },
    async audit(requestId) {
      return (await stores.audit.readAll()).filter((e) => e.requestId === requestId);
    },
    async conversationState(user) {
      const key = `emulator/conversations/${user.conversationId}/users/${user.userId}`;
      return (await new BlobsStorage(azurite.connectionString, container).read([key]))[key] as Record<string, unknown> | undefined;
    },
    async userExists(objectId) {
      const token = await connection.appCredential.getToken('https://graph.microsoft.com/.default', { tenantId: TENANT_ID });
      const response = await fetch(`${connection.graphBaseUrl}/v1.0/users/${objectId}`, {
        headers: { authorization: `Bearer ${token?.token}` },
      });
      await response.body?.cancel();
      if (response.status !== 200 && response.status !== 404) throw new Error(`Graph answered ${response.status}`);
      return response.status === 200;
    },
    async stop() {
      await Promise.all(started.map((bot) => bot.stop()));
      await sandbox.stop();
      await connector.stop();
      await azurite.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function instanceUser(person: (typeof PEOPLE)[number], connectorUrl: string): InstanceUser {
  const userId = `channel-${person.upn.split('@')[0]}-${randomUUID().slice(0, 6)}`;
  const conversationId = `conv-${userId}`;
  const send = (bot: NodeProcess, activity: Record<string, unknown>): Promise<ReplyActivity[]> =>
    emulatorReplies(bot.url, { serviceUrl: connectorUrl, userId, conversationId }, activity);
  const user: InstanceUser = {
    userId,
    conversationId,
    says: (bot, text) => send(bot, { type: 'message', text }),
    presses: (bot, value) => send(bot, { type: 'message', value }),
    async reachWarning(bot) {
      const page = await submitSignInPage(signInLinkOf(await user.says(bot, 'close my account')), person.upn, person.password);
      const afterCode = await user.says(bot, magicCodeOf(page));
      const warning = await user.presses(bot, cardActionData(afterCode, 'closure.skipExport'));
      return cardActionData(warning, 'closure.confirm');
    },
  };
  return user;
}
