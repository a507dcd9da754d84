import type { DownloadLinkSigner } from './connection';
import { SandboxError } from './errors';
import { silentLogger, type Logger } from './logger';
import { createSandboxAppCredential } from './appCredential';
import type { AppClient } from './appTokenRoutes';
import { GraphError, graphErrors, sendEmpty, sendJson, type Route, type RouteContext } from './http';
import { parseFaultRule } from './faults';
import { SANDBOX_APP_CLIENT_ID, SANDBOX_APP_CLIENT_SECRET, type Sandbox } from './index';
import { createSandboxUserTokenClient } from './userTokenClient';
import type { SandboxConnection } from './connection';

/**
 * Several bot processes share one standalone sandbox (`npm run sandbox`): they reach it over HTTP only. The
 * sandbox tells them its base URLs (`GET /_sandbox/endpoints`) and signs download links for them
 * (`POST /_sandbox/sign`), because a link's signature and the "keep the file until its links expire" bookkeeping
 * both belong to the sandbox's own state; sharing the key through the data folder would skip the bookkeeping.
 */

export type { SandboxConnection } from './connection';

export interface ControlRoutesOptions {
  readonly sandbox: Sandbox;
  /** `POST/GET/DELETE /_sandbox/faults`: only for tests that crash bots on purpose; off unless asked for. */
  readonly enableFaults: boolean;
  readonly logger: Logger;
}

type Endpoints = Pick<
  SandboxConnection,
  'graphBaseUrl' | 'loginBaseUrl' | 'tokenServiceUrl' | 'portalUrl' | 'exportStorageLocation' | 'directLine'
>;

/** The standalone sandbox's own routes under `/_sandbox/`, next to the stand-ins. */
export function sandboxControlRoutes(options: ControlRoutesOptions): Route[] {
  const { sandbox, logger } = options;

  async function endpoints(ctx: RouteContext): Promise<void> {
    const body: Endpoints = {
      graphBaseUrl: sandbox.graphBaseUrl,
      loginBaseUrl: sandbox.loginBaseUrl,
      tokenServiceUrl: sandbox.tokenServiceUrl,
      portalUrl: sandbox.portalUrl,
      exportStorageLocation: sandbox.exportStorageLocation,
      // The Direct Line secret too: like the token service, the sandbox trusts whoever reaches its loopback port.
      directLine: sandbox.directLine,
    };
    sendJson(ctx, 200, body);
  }

  async function attachBot(ctx: RouteContext): Promise<void> {
    const input = parseJson(await ctx.body()) as { endpoint?: unknown } | undefined;
    if (typeof input?.endpoint !== 'string' || !/^https?:\/\/[^\s]+\/api\/messages$/.test(input.endpoint)) {
      throw graphErrors.badRequest('Send { "endpoint": "http://<host>:<port>/api/messages" }.');
    }
    await sandbox.attachBot(input.endpoint);
    logger.info(`web chat traffic now goes to "${input.endpoint}"`);
    sendEmpty(ctx, 204);
  }

  async function sign(ctx: RouteContext): Promise<void> {
    const input = parseJson(await ctx.body()) as { blobUrl?: unknown; expiresAt?: unknown } | undefined;
    const expiresAt = typeof input?.expiresAt === 'string' ? new Date(input.expiresAt) : undefined;
    if (typeof input?.blobUrl !== 'string' || !expiresAt || Number.isNaN(expiresAt.getTime())) {
      throw graphErrors.badRequest('Send { "blobUrl": "<sandbox storage URL>", "expiresAt": "<ISO 8601 time>" }.');
    }
    try {
      sendJson(ctx, 200, { url: await sandbox.linkSigner.sign(input.blobUrl, expiresAt) });
    } catch (error) {
      if (error instanceof RangeError) throw graphErrors.badRequest(error.message);
      throw error;
    }
  }

  async function injectFault(ctx: RouteContext): Promise<void> {
    const rule = parseFaultRule(parseJson(await ctx.body()));
    if (typeof rule === 'string') throw graphErrors.badRequest(rule);
    sandbox.faults.inject(rule);
    logger.info(`fault armed for ${rule.method ?? 'any method'} "${rule.path.source}"`, { times: rule.times ?? 1 });
    sendEmpty(ctx, 204);
  }

  async function listFaults(ctx: RouteContext): Promise<void> {
    sendJson(ctx, 200, { fired: sandbox.faults.fired() });
  }

  async function clearFaults(ctx: RouteContext): Promise<void> {
    sandbox.faults.clear();
    sendEmpty(ctx, 204);
  }

  const routes: Route[] = [
    { method: 'GET', pattern: /^\/_sandbox\/endpoints$/, handle: endpoints },
    { method: 'POST', pattern: /^\/_sandbox\/sign$/, handle: sign },
    { method: 'POST', pattern: /^\/_sandbox\/bot$/, handle: attachBot },
  ];
  if (options.enableFaults) {
    routes.push(
      { method: 'POST', pattern: /^\/_sandbox\/faults$/, handle: injectFault },
      { method: 'GET', pattern: /^\/_sandbox\/faults$/, handle: listFaults },
      { method: 'DELETE', pattern: /^\/_sandbox\/faults$/, handle: clearFaults },
    );
  }
  return routes;
}

export interface ConnectOptions {
  /** The app the sandbox's token endpoint accepts; default the sandbox's built-in registration. */
  readonly app?: AppClient;
  readonly clock?: () => Date;
  readonly logger?: Logger;
  /** How long to wait for the sandbox's answers; default 10 s. */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Connects to a sandbox started elsewhere (`npm run sandbox`, or a test's `startSandbox`): asks it for its
 * base URLs and fails at start-up, naming the URL, when it does not answer.
 */
export async function connectSandbox(url: string, options: ConnectOptions = {}): Promise<SandboxConnection> {
  const base = url.replace(/\/+$/, '');
  const logger = options.logger ?? silentLogger;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const app = options.app ?? { clientId: SANDBOX_APP_CLIENT_ID, clientSecret: SANDBOX_APP_CLIENT_SECRET };
  const endpoints = await callSandbox<Endpoints>(`${base}/_sandbox/endpoints`, { method: 'GET' }, timeoutMs, 'CONFIG_INVALID');
  logger.info(`connected to the shared sandbox at "${base}"`);
  const linkSigner: DownloadLinkSigner = {
    async sign(blobUrl, expiresAt) {
      const signed = await callSandbox<{ url?: unknown }>(
        `${base}/_sandbox/sign`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ blobUrl, expiresAt: expiresAt.toISOString() }),
        },
        timeoutMs,
        'SANDBOX_UNAVAILABLE',
      );
      if (typeof signed.url !== 'string') throw new SandboxError('SANDBOX_UNAVAILABLE', `the sandbox at "${base}" signed no link`);
      return signed.url;
    },
  };
  return {
    url: base,
    ...endpoints,
    appCredential: createSandboxAppCredential({ loginBaseUrl: endpoints.loginBaseUrl, app, clock: options.clock ?? (() => new Date()) }),
    linkSigner,
    createUserTokenClient: () => createSandboxUserTokenClient(endpoints.tokenServiceUrl),
    async attachBot(endpoint) {
      await callSandbox<unknown>(
        `${base}/_sandbox/bot`,
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ endpoint }) },
        timeoutMs,
        'CONFIG_INVALID',
      );
    },
    stop: async () => undefined,
  };
}

/** `code`: CONFIG_INVALID at start-up (the bot cannot run without it), SANDBOX_UNAVAILABLE later. */
async function callSandbox<T>(
  address: string,
  init: RequestInit,
  timeoutMs: number,
  code: 'CONFIG_INVALID' | 'SANDBOX_UNAVAILABLE',
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(address, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new SandboxError(code, `the sandbox at "${new URL(address).origin}" does not answer (is \`npm run sandbox\` running?)`, {
      cause: error,
    });
  }
  const text = await response.text();
  if (!response.ok) {
    throw new SandboxError(
      code,
      `the sandbox answered ${response.status} to ${init.method} "${new URL(address).pathname}": ${text.slice(0, 200)}`,
    );
  }
  return (text ? JSON.parse(text) : undefined) as T;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new GraphError(400, 'BadRequest', 'The body is not valid JSON.');
  }
}
