import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { portInUse, SandboxError } from './errors';
import { silentLogger, type Logger } from './logger';
import { createSandboxAppCredential } from './appCredential';
import { appTokenRoutes, type AppClient } from './appTokenRoutes';
import { createDirectLine } from './directLine';
import { createBrowserSessions } from './directLineBrowserSessions';
import { DirectLineConversations } from './directLineConversations';
import { bridgeDirectLineSignIn } from './directLineSignIn';
import { SandboxDirectory } from './directory';
import { ExportJobs } from './exportJobs';
import { FaultTable, type FaultInjector } from './faults';
import { graphRoutes } from './graphRoutes';
import type { Route } from './http';
import { PORTAL_PATH, portalRoutes } from './portalRoutes';
import { realmRoutes } from './realmRoutes';
import { DEMO_SEED_PATH, loadSeedFile, validateSeed, type SandboxSeed } from './seed';
import { createSandboxServer } from './server';
import { SignInLockout } from './signInLockout';
import { signInRoutes } from './signInRoutes';
import { BlobFiles, SandboxLinkSigner } from './storage';
import { storageRoutes } from './storageRoutes';
import { tokenServiceRoutes } from './tokenService';
import { createSandboxUserTokenClient } from './userTokenClient';
import type { SandboxConnection } from './connection';

export type { SandboxConnection, DownloadLinkSigner } from './connection';
export { connectSandbox, sandboxControlRoutes, type ConnectOptions } from './remote';
export { createSandboxUserTokenClient } from './userTokenClient';
export { EXPORT_FILE_NAMES } from './exportJobs';
export { parseFaultRule } from './faults';
export type { AnswerShape } from './answerShapes';
export { SandboxError, isSandboxError, type SandboxErrorCode } from './errors';
export { readSandboxSettings, type SandboxSettings } from './settings';
export { createLogger, jsonLineSink, silentLogger, type Logger, type LogLevel, type LogRecord } from './logger';
export { loadSeedFile, validateSeed, DEMO_SEED_PATH, type SandboxSeed, type SeedTenant, type SeedUser } from './seed';
export type { FaultInjector, FaultRule, FaultResponse, FaultMode, FiredFault } from './faults';
export type { Route } from './http';
export { SIGNED_IN_EVENT, type SignedInEvent } from './signInRoutes';

/** The app registration the sandbox's token endpoint accepts unless told otherwise. Not a secret: sandbox only. */
export const SANDBOX_APP_CLIENT_ID = '6a1c5e0b-5b1f-4f55-8d8e-0c5a2b9f7d10';
export const SANDBOX_APP_CLIENT_SECRET = 'sandbox-client-secret';
/** Default listen address: loopback only, nothing else should reach the stand-ins. */
export const SANDBOX_DEFAULT_HOST = '127.0.0.1';

export interface SandboxOptions {
  /** Default `SANDBOX_DEFAULT_HOST`. */
  host?: string;
  /** 0 picks an ephemeral port. */
  port: number;
  /** Persisted state lives here (`state.json`, `blobs/`); a restart on the same folder loses nothing. */
  dataDir: string;
  /** Used only when dataDir has no state yet; default the built-in demo seed (sandbox/demoSeed.json). */
  seed?: SandboxSeed;
  /** Export jobs complete this long after they were requested. */
  exportDelayMs: number;
  /** Default `() => new Date()`. */
  clock?: () => Date;
  logger?: Logger;
  /** The one app allowed to get app-only tokens; default `SANDBOX_APP_CLIENT_ID` / `SANDBOX_APP_CLIENT_SECRET`. */
  appClientId?: string;
  appClientSecret?: string;
  /** The Direct Line stream's keep-alive interval; default `STREAM_HEARTBEAT_MS` (directLine.ts). */
  directLineHeartbeatMs?: number;
  /** More routes on the same server, given the sandbox once it listens (the standalone sandbox's control routes). */
  extraRoutes?: (sandbox: Sandbox) => Route[];
}

/** The embedded sandbox: a connection plus what only an in-process sandbox offers. */
export interface Sandbox extends SandboxConnection {
  /** For tests: make the next matching requests fail. */
  readonly faults: FaultInjector;
  /** Emits `SIGNED_IN_EVENT` with a `SignedInEvent` when someone signs in on the sandbox page. */
  readonly events: EventEmitter;
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const logger = options.logger?.child('sandbox') ?? silentLogger;
  const clock = options.clock ?? (() => new Date());
  if (!Number.isFinite(options.exportDelayMs) || options.exportDelayMs < 0) {
    throw new SandboxError('CONFIG_INVALID', `sandbox exportDelayMs must be a number of milliseconds >= 0, got "${options.exportDelayMs}"`);
  }
  const seed = options.seed ?? (await loadSeedFile(DEMO_SEED_PATH));
  const problems = validateSeed(seed);
  if (problems.length > 0) throw new SandboxError('CONFIG_INVALID', `sandbox seed is invalid:\n- ${problems.join('\n- ')}`);
  const app: AppClient = {
    clientId: options.appClientId ?? SANDBOX_APP_CLIENT_ID,
    clientSecret: options.appClientSecret ?? SANDBOX_APP_CLIENT_SECRET,
  };

  const directory = await SandboxDirectory.open({ dataDir: options.dataDir, seed, clock, logger: logger.child('directory') });
  const blobs = new BlobFiles(path.join(options.dataDir, 'blobs'));
  const exportJobs = new ExportJobs({ directory, blobs, exportDelayMs: options.exportDelayMs, logger: logger.child('exports') });
  const faults = new FaultTable();
  const events = new EventEmitter();
  // Routes need the listening URL (Location headers, sign-in links), so they are added once the port is known.
  const routes: Route[] = [];
  const server = createSandboxServer({ routes, faults, clock, logger: logger.child('http'), beforeRoute: () => exportJobs.purgeDue() });

  const host = options.host ?? SANDBOX_DEFAULT_HOST;
  await new Promise<void>((resolve, reject) => {
    const failed = (error: unknown) => reject(portInUse(error, options.port, host, 'SANDBOX_PORT'));
    server.once('error', failed);
    server.listen(options.port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const graphBaseUrl = `${url}/graph`;
  const loginBaseUrl = `${url}/login`;
  const tokenServiceUrl = `${url}/botframework`;
  const storageBaseUrl = `${url}/storage`;
  const linkSigner = new SandboxLinkSigner({
    storageBaseUrl,
    key: Buffer.from(directory.state.signingKey, 'base64'),
    onSigned: (address, expiresAt) => exportJobs.linkSigned(address, expiresAt),
  });

  const conversations = await DirectLineConversations.open({ dataDir: options.dataDir, clock, logger: logger.child('directline') });
  const browserSessions = createBrowserSessions(conversations.signingKey);
  const lockout = new SignInLockout(() => clock().getTime());
  const directLine = createDirectLine({
    url,
    loginBaseUrl,
    conversations,
    browserSessions,
    heartbeatMs: options.directLineHeartbeatMs,
    clock,
    logger: logger.child('directline'),
  });
  // The WebSocket stream; every other upgrade is refused there (404), as nothing else on the sandbox speaks it.
  server.on('upgrade', (req, socket, head) => directLine.handleUpgrade(req, socket, head));
  const directLineSignIn = bridgeDirectLineSignIn({ directLine, events, tokenServiceUrl, clock, logger: logger.child('directline') });
  routes.push(
    ...directLine.routes,
    ...graphRoutes({ directory, exports: exportJobs, graphBaseUrl, storageBaseUrl, logger: logger.child('graph') }),
    ...realmRoutes({ directory }),
    ...appTokenRoutes({ directory, app, logger: logger.child('login') }),
    ...signInRoutes({ directory, events, browserSessions, lockout, logger: logger.child('signin') }),
    ...tokenServiceRoutes({ directory, loginBaseUrl, logger: logger.child('tokenservice') }),
    ...storageRoutes({ blobs, signer: linkSigner }),
    ...portalRoutes({ directory, exports: exportJobs, lockout, logger: logger.child('portal') }),
  );
  logger.info(`sandbox listening on "${url}"`, { dataDir: options.dataDir });

  let stopping: Promise<void> | undefined;
  const sandbox: Sandbox = {
    url,
    graphBaseUrl,
    loginBaseUrl,
    tokenServiceUrl,
    portalUrl: `${url}${PORTAL_PATH}`,
    exportStorageLocation: `${storageBaseUrl}/exports`,
    appCredential: createSandboxAppCredential({ loginBaseUrl, app, clock }),
    linkSigner,
    faults,
    events,
    createUserTokenClient: () => createSandboxUserTokenClient(tokenServiceUrl),
    directLine: { baseUrl: url, domain: directLine.domain, secret: directLine.secret },
    attachBot: async (endpointUrl) => directLine.attachBot(endpointUrl),
    stop() {
      directLineSignIn.stop();
      stopping ??= directLineSignIn
        .settled()
        .then(
          () =>
            new Promise<void>((resolve, reject) => {
              directLine.close();
              server.close((error) => (error ? reject(error) : resolve()));
              // Hanging faults and keep-alive clients would otherwise hold close() open forever.
              server.closeAllConnections();
            }),
        )
        .then(() => Promise.all([directory.compact(), conversations.flush()]))
        .then(() => undefined);
      return stopping;
    },
  };
  routes.push(...(options.extraRoutes?.(sandbox) ?? []));
  return sandbox;
}
