import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Azurite's fixed development account: https://learn.microsoft.com/azure/storage/common/storage-use-azurite#well-known-storage-account-and-key */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface RunningAzurite {
  readonly connectionString: string;
  readonly blobEndpoint: string;
  /** Azurite's process id (the benchmark pins it to a CPU). */
  readonly pid: number;
  stop(): Promise<void>;
}

const AZURITE_MAIN = join(__dirname, '..', '..', 'node_modules', 'azurite', 'dist', 'src', 'blob', 'main.js');
const LISTENING = /successfully listen(?:s on|ing at) https?:\/\/127\.0\.0\.1:(\d+)/;
const START_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 5_000;

/**
 * Starts Azurite's blob service as a child process (node directly, not npx, so `stop` ends exactly that PID).
 * `--inMemoryPersistence` refuses `--location`, so the process runs in its own temp working directory instead,
 * where any debug or extent files land and are removed on stop.
 */
export async function startAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const workDir = await mkdtemp(join(tmpdir(), 'azurite-'));
  const extra = options.https ? ['--cert', options.https.certPath, '--key', options.https.keyPath, '--oauth', 'basic'] : [];
  try {
    const port = await startOn(workDir, 0, extra).catch(async (error: unknown) => {
      // Some Azurite versions report port 0 back instead of the bound port: choose a free one ourselves.
      if (!(error instanceof PortNotReported)) throw error;
      return startOn(workDir, await freePort(), extra);
    });
    const protocol = options.https ? 'https' : 'http';
    const blobEndpoint = `${protocol}://127.0.0.1:${port.port}/${AZURITE_ACCOUNT}`;
    return {
      blobEndpoint,
      pid: port.child.pid ?? 0,
      connectionString: `DefaultEndpointsProtocol=${protocol};AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${blobEndpoint};`,
      stop: async () => {
        await stopChild(port.child);
        await rm(workDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(workDir, { recursive: true, force: true });
    throw error;
  }
}

/** How many storage accounts the run's shared Azurite knows; a suite past them gets an Azurite of its own. */
const SHARED_ACCOUNTS = 64;
let shared: Promise<{ port: number; child: ChildProcess; accounts: ReadonlyArray<{ name: string; key: string }> }> | undefined;
let accountsGiven = 0;

/**
 * A storage account of its own on the test run's one Azurite, for a suite that only writes and reads blobs (starting
 * an Azurite took 1.5-2.5 s, and a dozen suites each started one). Its containers are its own: Azurite keeps each
 * account apart (AZURITE_ACCOUNTS, path-style URLs, https://github.com/Azure/Azurite#customized-storage-accounts--keys),
 * so fixed container names of two suites never meet. `stop()` only gives the account up; the process ends with the
 * test run. A suite that stops Azurite to make storage unreachable, or needs HTTPS, starts its own (`startAzurite`).
 */
export async function azuriteAccount(): Promise<RunningAzurite> {
  const index = accountsGiven++;
  if (index >= SHARED_ACCOUNTS) return startAzurite();
  shared ??= startShared();
  const { port, child, accounts } = await shared;
  const { name, key } = accounts[index];
  const blobEndpoint = `http://127.0.0.1:${port}/${name}`;
  return {
    blobEndpoint,
    pid: child.pid ?? 0,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${name};AccountKey=${key};BlobEndpoint=${blobEndpoint};`,
    stop: async () => undefined,
  };
}

async function startShared(): Promise<{ port: number; child: ChildProcess; accounts: ReadonlyArray<{ name: string; key: string }> }> {
  const accounts = Array.from({ length: SHARED_ACCOUNTS }, (_, i) => ({ name: `testrun${i}`, key: randomBytes(32).toString('base64') }));
  const workDir = await mkdtemp(join(tmpdir(), 'azurite-shared-'));
  const env = { ...process.env, AZURITE_ACCOUNTS: accounts.map((a) => `${a.name}:${a.key}`).join(';') };
  const started = await startOn(workDir, 0, [], env).catch(async (error: unknown) => {
    if (!(error instanceof PortNotReported)) throw error;
    return startOn(workDir, await freePort(), [], env);
  });
  process.once('exit', () => {
    started.child.kill('SIGKILL');
    rmSync(workDir, { recursive: true, force: true });
  });
  return { ...started, accounts };
}

export interface AzuriteOptions {
  /**
   * HTTPS with this certificate and key (PEM files), and OAuth bearer tokens accepted besides shared keys
   * (`--oauth basic`: issuer and audience checked, not the signature), as a storage account reached with a managed
   * identity needs: the Blob SDK sends a bearer token over HTTPS only.
   * https://github.com/Azure/Azurite#oauth-configuration
   */
  readonly https?: { readonly certPath: string; readonly keyPath: string };
}

class PortNotReported extends Error {}

function startOn(
  workDir: string,
  requestedPort: number,
  extra: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [AZURITE_MAIN, '--inMemoryPersistence', '--blobHost', '127.0.0.1', '--blobPort', String(requestedPort), '--disableTelemetry', ...extra],
    { cwd: workDir, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    const fail = (error: Error) => {
      clearTimeout(timer);
      void stopChild(child).then(() => reject(error), reject);
    };
    const timer = setTimeout(() => fail(new Error(`Azurite did not start within ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = LISTENING.exec(output);
      if (!match) return;
      child.stdout?.off('data', onData);
      // Keep draining, or a full pipe would block Azurite's logging and with it the server.
      child.stdout?.resume();
      const port = Number(match[1]);
      if (port === 0) return fail(new PortNotReported('Azurite reported port 0'));
      clearTimeout(timer);
      resolve({ port, child });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited with code ${code}:\n${output}`));
    });
    child.once('error', fail);
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killTimer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(killTimer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
