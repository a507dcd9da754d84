import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite, type RunningAzurite } from '../azurite';
import { startBotProcess, startSandboxProcess, type NodeProcess } from '../botProcess';
import { startConnectorStub, type ConnectorStub } from '../connectorStub';
import { startStorageProxy, type StorageProxy } from '../storageProxy';

export const CHAOS_TENANT_ID = '55555555-0000-4000-8000-000000000001';

export interface ChaosPerson {
  readonly id: string;
  readonly upn: string;
  readonly displayName: string;
  readonly password: string;
}

/** `count` people of one unmanaged organization, with names distinctive enough to be searched for in every blob. */
export function chaosPeople(count: number): ChaosPerson[] {
  return Array.from({ length: count }, (_, i) => {
    const n = String(i + 1).padStart(3, '0');
    return {
      id: `55555555-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
      upn: `chaos${n}@kiteclub.example`,
      displayName: `Kite Flyer Number ${n}`,
      password: `chaos-pass-${n}`,
    };
  });
}

/** How a storage outage looks from the bot: connections dropped, Azure's 503 ServerBusy, or no answer until it ends. */
export type OutageKind = 'drop' | 'busy' | 'hang';
export const OUTAGE_KINDS: readonly OutageKind[] = ['drop', 'busy', 'hang'];

/**
 * Two bot processes on one Azurite container, reached through a storage proxy that can cut storage, one shared
 * sandbox process (directory, sign-in, Graph) and one connector stub that receives every message the bots send.
 */
export interface ChaosWorld {
  readonly people: readonly ChaosPerson[];
  readonly connector: ConnectorStub;
  readonly sandboxUrl: string;
  /** Azurite itself, not the proxy: the counting reads the stores as they are, whatever the proxy does. */
  readonly blobService: BlobServiceClient;
  readonly container: string;
  /** A live instance, chosen at random; waits while both are restarting. */
  pick(): Promise<NodeProcess>;
  /**
   * SIGKILLs one live instance (never the last one; `victim` when it is live) and starts a new process in its place;
   * resolves once it is up.
   */
  killOne(random: () => number, victim?: NodeProcess): Promise<boolean>;
  /** Resolves with the instance the next press (a decision on the card) is sent to. */
  nextPress(): Promise<NodeProcess>;
  /** Called by a person just before a press is sent to `bot`. */
  pressing(bot: NodeProcess): void;
  /** Storage refuses every request of the bots for `ms`. */
  outage(kind: OutageKind, ms: number): Promise<void>;
  readonly kills: number;
  readonly outages: number;
  stop(): Promise<void>;
}

export interface ChaosWorldOptions {
  readonly people: number;
  /** Bot settings on top of the run's own (short background schedule). */
  readonly env?: Record<string, string>;
}

export async function startChaosWorld(options: ChaosWorldOptions): Promise<ChaosWorld> {
  const dir = await mkdtemp(path.join(tmpdir(), 'closure-chaos-'));
  const people = chaosPeople(options.people);
  const seedPath = path.join(dir, 'seed.json');
  await writeFile(
    seedPath,
    JSON.stringify({
      // The app holds the rights here (CLOSURE=graph below): the run counts real closures in the directory.
      tenants: [
        { id: CHAOS_TENANT_ID, displayName: 'Kite Club', domains: ['kiteclub.example'], unmanaged: true, appServicePrincipal: true },
      ],
      users: people.map((p) => ({ ...p, tenantId: CHAOS_TENANT_ID })),
    }),
  );
  const stoppers: Array<() => Promise<void>> = [() => rm(dir, { recursive: true, force: true })];
  const stopAll = async () => {
    for (const stop of stoppers.reverse()) await stop();
  };
  try {
    const azurite: RunningAzurite = await startAzurite();
    stoppers.push(() => azurite.stop());
    const proxy: StorageProxy = await startStorageProxy(azurite.blobEndpoint);
    stoppers.push(() => proxy.stop());
    const connector = await startConnectorStub();
    stoppers.push(() => connector.stop());
    const sandbox = await startSandboxProcess({
      SANDBOX_DATA_DIR: path.join(dir, 'sandbox'),
      SANDBOX_SEED: seedPath,
      SANDBOX_EXPORT_DELAY_MS: '0',
    });
    stoppers.push(() => sandbox.stop());
    const container = `chaos-${randomUUID().slice(0, 8)}`;
    const env = {
      CLOSURE: 'graph',
      STORAGE: 'blob',
      STORAGE_BLOB_CONNECTION_STRING: proxy.connectionString,
      STORAGE_BLOB_CONTAINER: container,
      // Every instance hashes UPNs with the same key, as in Azure, where the key is an app setting.
      AUDIT_HASH_KEY: randomBytes(32).toString('base64'),
      SANDBOX_URL: sandbox.url,
      DATA_DIR: path.join(dir, 'bot'),
      EXPORT_POLL_INTERVAL_SECONDS: '3600',
      CLOSURE_LEASE_SECONDS: '3',
      RECONCILE_INTERVAL_SECONDS: '1',
      LOG_LEVEL: 'warn',
      ...options.env,
    };
    const slots: Array<NodeProcess | undefined> = [];
    // One after the other: two cold starts at once can outlast the start-up bound on a busy machine.
    for (let i = 0; i < 2; i += 1) slots.push(await startBotProcess(env));
    stoppers.push(async () => {
      for (const bot of slots) await bot?.stop();
    });
    let kills = 0;
    let pressWaiters: Array<(bot: NodeProcess) => void> = [];
    let outages = 0;
    return {
      people,
      connector,
      sandboxUrl: sandbox.url,
      blobService: BlobServiceClient.fromConnectionString(azurite.connectionString),
      container,
      async pick() {
        for (;;) {
          const live = slots.filter((bot): bot is NodeProcess => bot !== undefined);
          if (live.length > 0) return live[Math.floor(Math.random() * live.length)];
          await sleep(100);
        }
      },
      nextPress() {
        return new Promise((resolve) => pressWaiters.push(resolve));
      },
      pressing(bot) {
        const waiters = pressWaiters;
        pressWaiters = [];
        for (const resolve of waiters) resolve(bot);
      },
      async killOne(random, preferred) {
        const live = slots.flatMap((bot, i) => (bot ? [i] : []));
        if (live.length < 2) return false;
        const chosen = slots.indexOf(preferred);
        const slot = chosen >= 0 ? chosen : live[Math.floor(random() * live.length)];
        const victim = slots[slot] as NodeProcess;
        slots[slot] = undefined;
        victim.kill('SIGKILL');
        await victim.waitForExit();
        kills += 1;
        slots[slot] = await startAgain(env);
        return true;
      },
      async outage(kind, ms) {
        proxy.fault(() => (kind === 'busy' ? { status: 503, code: 'ServerBusy' } : kind));
        outages += 1;
        await sleep(ms);
        proxy.fault(undefined);
      },
      get kills() {
        return kills;
      },
      get outages() {
        return outages;
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** A start during a storage outage may be refused (the bot checks its storage first): try again once it healed. */
async function startAgain(env: Record<string, string>): Promise<NodeProcess> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startBotProcess(env);
    } catch (error) {
      if (attempt >= 5) throw error;
      await sleep(1_000);
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
