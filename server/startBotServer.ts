import type { Activity, ActivityHandlerBase, CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import type { BotConfig } from '../config/config';
import type { Logger } from '../services/logger';
import type { WebChatTokenSource } from '../adapters/webchat/directLineTokenSource';
import { createServer, DEFAULT_MAX_BODY_BYTES } from './createServer';
import { registerLegalPages } from './legalPages';
import { startServer, type ListeningServer } from './lifecycle';
import { Readiness, READINESS_CACHE_MS, READINESS_TIMEOUT_MS, settingsProbe } from './readiness';
import { registerWebChatRoutes } from './webchatRoutes';

/** Turns in flight get this long to finish on SIGTERM. */
const SHUTDOWN_GRACE_MS = 10_000;

export type ServerSettings = Pick<
  BotConfig,
  | 'port'
  | 'host'
  | 'bot'
  | 'webchat'
  | 'storage'
  | 'auditHashKey'
  | 'applicationInsightsConnectionString'
  | 'closure'
  | 'export'
  | 'conversationStateTtlDays'
  | 'closedRecordRetentionDays'
  | 'auditRetentionDays'
  | 'publisher'
>;

/**
 * The HTTP server, listening: /api/messages into the adapter, /healthz and /readyz (the storage answers, the
 * settings are usable), the web chat page and its token route, and the privacy and terms pages.
 */
export async function startBotServer(
  settings: ServerSettings,
  deps: {
    readonly adapter: CloudAdapter;
    readonly bot: ActivityHandlerBase;
    readonly authentication: ConfigurationBotFrameworkAuthentication;
    /** What /readyz asks of the storage (adapters/storage/openStores.ts). */
    readonly storageProbe: () => Promise<void>;
    /** Direct Line tokens for the web chat page; none = the token route answers 503. */
    readonly webChatTokens?: WebChatTokenSource;
    /** Host to listen on; default the HOST setting. */
    readonly host?: string;
    readonly clock: () => Date;
    readonly logger: Logger;
  },
): Promise<ListeningServer> {
  const { logger } = deps;
  const readiness = new Readiness({
    parts: [
      { name: 'storage', probe: deps.storageProbe },
      {
        name: 'settings',
        probe: settingsProbe({
          MicrosoftAppPassword: settings.bot.appType === 'SingleTenant' ? settings.bot.password : undefined,
          DIRECT_LINE_SECRET: settings.webchat.directLineSecret,
          STORAGE_BLOB_CONNECTION_STRING: settings.storage.kind === 'blob' ? settings.storage.connectionString : undefined,
          AUDIT_HASH_KEY: settings.auditHashKey,
          APPLICATIONINSIGHTS_CONNECTION_STRING: settings.applicationInsightsConnectionString,
        }),
      },
    ],
    timeoutMs: READINESS_TIMEOUT_MS,
    cacheMs: READINESS_CACHE_MS,
    clock: deps.clock,
    logger: logger.child('readiness'),
  });
  const webChat = {
    tokenSource: deps.webChatTokens,
    allowedOrigins: settings.webchat.allowedOrigins,
    // Behind App Service's front end every request comes from the same socket address (TRUSTED_PROXY_HOPS=1 there).
    trustedProxyHops: settings.webchat.trustedProxyHops,
    logger: logger.child('webchat'),
  };
  const server = createServer({
    adapter: deps.adapter,
    bot: deps.bot,
    readiness,
    logger: logger.child('http'),
    maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
    authenticate: (activity, authHeader) => deps.authentication.authenticateRequest(activity as Activity, authHeader),
    extraRoutes: (routes) => {
      registerWebChatRoutes(routes, webChat);
      registerLegalPages(routes, {
        confirmationTtlSeconds: settings.closure.confirmationTtlSeconds,
        exportLinkTtlHours: settings.export.linkTtlHours,
        closureMode: settings.closure.kind,
        handOffCheckDays: settings.closure.handOffCheckDays,
        conversationStateTtlDays: settings.conversationStateTtlDays,
        closedRecordRetentionDays: settings.closedRecordRetentionDays,
        auditRetentionDays: settings.auditRetentionDays,
        publisher: settings.publisher,
      });
    },
  });
  return startServer(server, {
    port: settings.port,
    host: deps.host ?? settings.host,
    graceMs: SHUTDOWN_GRACE_MS,
    logger: logger.child('http'),
  });
}
