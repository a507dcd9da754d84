/**
 * The composition root: settings -> services -> bot -> HTTP server. The only file that reads the environment
 * (through config/), builds infrastructure, and picks the sandbox or Azure.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
// Type imports only: the Azure SDKs load (await import) when their mode is on, so sandbox mode starts without them.
import type { TokenCredential } from '@azure/identity';
import type { ContainerClient } from '@azure/storage-blob';
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  MemoryStorage,
  PrivateConversationState,
  TeamsSSOTokenExchangeMiddleware,
  TelemetryLoggerMiddleware,
  type Activity,
  type ConversationReference,
  type Storage,
  type TurnContext,
} from 'botbuilder';
import { AuthenticationConstants, type UserTokenClient } from 'botframework-connector';
import * as dotenv from 'dotenv';
import { AccountClosureBot } from './bot/accountClosureBot';
import { BackgroundWork, type BackgroundSchedule } from './bot/backgroundWork';
import { botFrameworkEndpointKeys } from './bot/botFrameworkEndpoints';
import { BotClosureChannels } from './bot/botClosureChannel';
import { HandOffCheckTurns } from './bot/handOffCheckTurns';
import { ReusedClientsAuthentication } from './bot/reusedClients';
import { FileStorage } from './bot/storage/fileStorage';
import { RecoveringStorage } from './bot/storage/recoveringStorage';
import { BlobStateExpiry, FileStateExpiry, type StateExpiry } from './bot/storage/stateExpiry';
import { createBotTelemetry } from './bot/telemetry';
import { TokenServiceClient } from './bot/tokenServiceClient';
import { TeamsSsoDedupeStorage, type TokenExchangeMark } from './bot/teamsSsoDedupeStorage';
import { ConfigError, loadConfig, summarizeConfig, type BotConfig } from './config/config';
import type { ConversationProgress } from './dialogs/dialogServices';
import { MainDialog } from './dialogs/mainDialog';
import { Messages } from './dialogs/messages';
import { startSandbox, loadSeedFile, type Sandbox } from './sandbox';
import { connectSandbox, type SandboxConnection } from './sandbox/remote';
import { createServer, DEFAULT_MAX_BODY_BYTES } from './server/createServer';
import { startServer } from './server/lifecycle';
import { Readiness, READINESS_CACHE_MS, READINESS_TIMEOUT_MS, settingsProbe } from './server/readiness';
import { registerLegalPages } from './server/legalPages';
import { loopbackSiteOf, registerWebChatRoutes } from './server/webchatRoutes';
import type { AccountCloser } from './services/accountCloser';
import type { AccountClosureLock, ClosureRequest } from './services/closureRequest';
import type { ClosureAccount } from './services/closure/closureAccounts';
import { ClosureService } from './services/closureService';
import { ClosureWorkflow } from './services/closureWorkflow';
import { appCredentialProviderFromTokenCredential, graphScopeFor } from './services/credentials/tokenProvider';
import type { DataExporter, DownloadLinkSigner, ExportBlobLister } from './services/dataExporter';
import { ExportService, type ExportJob } from './services/exportService';
import { GraphAccountCloser } from './services/graph/graphAccountCloser';
import { GraphAccountDirectory } from './services/graph/graphAccountDirectory';
import { GraphDataExporter } from './services/graph/graphDataExporter';
import { GraphSignInProbe } from './services/graph/graphSignInProbe';
import { Quarantine, type QuarantineEntry } from './services/background/quarantine';
import { handOffCheckChangedAt, HandOffChecks, isOpenHandOffCheck, type HandOffCheck } from './services/handOff/handOffChecks';
import { createHttpClient, type HttpClient } from './services/http/httpClient';
import { createLogger, jsonLineSink, type Logger, type LogRecord } from './services/logger';
import { PortalExportHandOff } from './services/portal/portalExportHandOff';
import { PortalHandOffCloser } from './services/portal/portalHandOff';
import { UserRealmClient } from './services/realm/userRealmClient';
import { STALE_TEMP_FILE_MS, sweepStaleTempFiles } from './services/storage/atomicFile';
import { createStores } from './services/storage/createStores';
import { BatchedAuditTrail } from './services/storage/batchedAuditTrail';
import { logAuditEvents } from './services/storage/loggedAuditTrail';
import { OpenRecordIndex, RETENTION_SWEEP_EVERY_MS } from './services/storage/openRecordIndex';
import { exportJobChangedAt, isOpenClosureRequest, isOpenExportJob } from './services/storage/openRecords';
import { hashUpn } from './services/storage/upnHash';
import { DirectLineTokenExchange, type WebChatTokenSource } from './services/webchat/directLineTokenSource';

/** Outside calls: per-attempt timeout and retry budget (Graph and login answer in well under a second). */
const HTTP_TIMEOUT_MS = 10_000;
const HTTP_RETRY = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 8_000 };
const SIGN_IN_TIMEOUT_MS = 5 * 60_000;
const MAX_CLOSE_ATTEMPTS = 5;
/** Teams sends a sign-in's duplicate token exchanges within seconds; an hour is ample. */
const SSO_DEDUPE_KEEP_MS = 60 * 60_000;
/** Turns in flight get this long to finish on SIGTERM. */
const SHUTDOWN_GRACE_MS = 10_000;
/** Bounds one listing of an export's folder (a handful of blobs; the SDK retries failed pages within it). */
const EXPORT_LIST_TIMEOUT_MS = 30_000;

export interface RunningBot {
  readonly url: string;
  /** The embedded sandbox; undefined with SANDBOX_URL (a shared one) or DIRECTORY=graph. */
  readonly sandbox?: Sandbox;
  readonly background: BackgroundWork;
  /** The hand-off checks' background pass (the timer runs it every HANDOFF_CHECK_INTERVAL_SECONDS); returns how many were checked. */
  checkHandOffs(): Promise<number>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Where log records go; default JSON lines on stderr. */
  readonly logSink?: (record: LogRecord) => void;
  /** Host to listen on; default the HOST setting. */
  readonly host?: string;
  /** Start the export poller and reconciler timers; tests drive `background` themselves. */
  readonly timers?: boolean;
}

export async function startBot(config: BotConfig, options: StartOptions = {}): Promise<RunningBot> {
  const logger = createLogger('bot', options.logSink ?? jsonLineSink, config.logLevel);
  logger.info('starting', summarizeConfig(config));
  const sandbox = config.directory.kind === 'sandbox' && !config.sandbox.url ? await startEmbeddedSandbox(config, logger) : undefined;
  const standIn: SandboxConnection | undefined =
    sandbox ?? (config.sandbox.url ? await connectSandbox(config.sandbox.url, { logger: logger.child('sandbox') }) : undefined);

  const http = createHttpClient({ logger: logger.child('http'), timeoutMs: HTTP_TIMEOUT_MS, retry: HTTP_RETRY });
  const graphBaseUrl = standIn?.graphBaseUrl ?? (config.directory.kind === 'graph' ? config.directory.graphBaseUrl : '');
  const loginBaseUrl = standIn?.loginBaseUrl ?? (config.directory.kind === 'graph' ? config.directory.loginBaseUrl : '');
  const credentials = standIn
    ? appCredentialProviderFromTokenCredential(standIn.appCredential, { logger: logger.child('credentials') })
    : // LOGIN_BASE_URL is the authority of the app tokens too, so a national cloud or a local stand-in gets these calls.
      lazily
        .appCredentials()
        .createAppCredentialProvider(config.directory.kind === 'graph' ? config.directory.credential : { kind: 'default' }, {
          logger: logger.child('credentials'),
          authorityHost: loginBaseUrl || undefined,
        });
  // The sandbox plays Microsoft's "My data requests" page itself, so the hand-off runs end to end on a laptop.
  const portalUrl = standIn?.portalUrl ?? config.closure.portalUrl;
  const scope = graphScopeFor(graphBaseUrl);

  const directory = new GraphAccountDirectory({ http, graphBaseUrl, logger: logger.child('directory') });
  const realm = new UserRealmClient({ http, loginBaseUrl, logger: logger.child('realm') });
  const closer: AccountCloser =
    config.closure.kind === 'portal'
      ? new PortalHandOffCloser({ portalUrl, logger: logger.child('closer') })
      : new GraphAccountCloser({ http, credentials, graphBaseUrl, scope, portalUrl, logger: logger.child('closer') });
  const exporter: DataExporter =
    config.closure.kind === 'portal'
      ? new PortalExportHandOff({ portalUrl, logger: logger.child('exporter') })
      : new GraphDataExporter({
          http,
          credentials,
          graphBaseUrl,
          scope,
          storageLocation: standIn?.exportStorageLocation ?? config.export.storageLocation ?? '',
          lister: exportBlobLister(config, standIn?.exportStorageLocation, logger),
          signer: standIn?.linkSigner ?? productionLinkSigner(config, logger),
          portalUrl,
          linkTtlMs: config.export.linkTtlHours * 3_600_000,
          logger: logger.child('exporter'),
        });

  const container = config.storage.kind === 'blob' ? blobContainer(config) : undefined;
  // A process killed between a temp file's write and its rename leaves the record's content behind: swept here at
  // start-up, and by the background work's `tempFiles` job after.
  const storageDir = config.storage.kind === 'file' ? config.storage.dir : '';
  if (config.storage.kind === 'file') await sweepStaleTempFiles(storageDir, new Date(), logger.child('storage'));
  const stores = createStores(
    container
      ? { kind: 'blob', containerClient: container, auditContainerClient: auditContainer(config), logger }
      : config.storage.kind === 'file'
        ? { kind: 'file', dir: config.storage.dir, logger }
        : { kind: 'memory' },
  );
  // Each audit event also becomes a log line (type and request id only) for the funnel workbook and the alerts.
  // A turn's events are written together (services/storage/batchedAuditTrail.ts), each logged once written.
  const audit = new BatchedAuditTrail(logAuditEvents(stores.audit, logger.child('audit')));
  const stateStorage = botStateStorage(config, container, logger);
  const stateExpiry = stateExpiryFor(config, container, logger.child('state'));
  const upnKey = await auditHashKey(config);
  const hashUpnWithKey = (upn: string) => hashUpn(upn, upnKey);
  const clock = () => new Date();

  // The reconciler and the export poller read only open records; finished ones expire (docs/architecture.md).
  const keepClosedMs = config.closedRecordRetentionDays * 86_400_000;
  const closureRequests = new OpenRecordIndex<ClosureRequest>({
    records: stores.records('closureRequests'),
    index: stores.records('closureRequestsOpen'),
    isOpen: isOpenClosureRequest,
    reopens: false,
    changedAt: (request) => request.updatedAt,
    keepClosedMs,
    clock,
    logger: logger.child('closureRequests'),
  });
  const exportJobs = new OpenRecordIndex<ExportJob>({
    records: stores.records('exportJobs'),
    index: stores.records('exportJobsOpen'),
    isOpen: isOpenExportJob,
    changedAt: exportJobChangedAt,
    keepClosedMs,
    clock,
    logger: logger.child('exportJobs'),
  });
  // Hand-off checks are walked through their own index too, and expire like the others (issue 19).
  const handOffRecords = new OpenRecordIndex<HandOffCheck>({
    records: stores.records('handOffChecks'),
    index: stores.records('handOffChecksOpen'),
    isOpen: isOpenHandOffCheck,
    changedAt: handOffCheckChangedAt,
    keepClosedMs,
    clock,
    logger: logger.child('handOffChecks'),
  });
  const handOffChecks = new HandOffChecks({
    records: handOffRecords,
    audit,
    probe: new GraphSignInProbe({ http, graphBaseUrl, logger: logger.child('signInProbe') }),
    clock,
    checkWindowMs: config.closure.handOffCheckDays * 86_400_000,
    checkIntervalMs: config.closure.handOffCheckIntervalSeconds * 1000,
    logger: logger.child('handOff'),
    // A hand-off verified closed closes the account for the bot too: its other requests end (built below).
    onClosureVerified: (check: HandOffCheck): Promise<void> => workflow.accountClosed(check, check.requestId, closureChannels.background()),
  });
  const handOffVerified = async (requestId: string) => (await handOffChecks.get(requestId))?.state === 'closureVerified';
  const handOffTurns = new HandOffCheckTurns({
    checks: handOffChecks,
    connectionName: config.connectionName,
    logger: logger.child('handOff'),
  });
  const closure = new ClosureService({
    requests: closureRequests,
    locks: stores.records<AccountClosureLock>('closureLocks'),
    accounts: stores.records<ClosureAccount>('closureAccounts'),
    audit,
    realm,
    closer,
    clock,
    hashUpn: hashUpnWithKey,
    confirmationTtlMs: config.closure.confirmationTtlSeconds * 1000,
    closingLeaseMs: config.closure.leaseSeconds * 1000,
    maxCloseAttempts: MAX_CLOSE_ATTEMPTS,
    logger: logger.child('closure'),
    onHandedOff: (request) => handOffChecks.started(request),
  });
  const exportService = new ExportService({ jobs: exportJobs, exporter, audit, clock, logger: logger.child('exports') });

  const state = new PrivateConversationState(stateStorage);
  const botAppId = config.bot.appType === 'None' ? '' : config.bot.appId;
  // `adapter` is built below; these run only in turns and background passes, after start-up.
  const continueConversation = (reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>) =>
    adapter.continueConversationAsync(botAppId, reference, logic);
  const workflow: ClosureWorkflow = new ClosureWorkflow({
    closure,
    forgetPerson: (identity) => exportService.forget(identity),
    settleLeaseMs: config.closure.leaseSeconds * 1000,
    logger: logger.child('workflow'),
  });
  const closureChannels = new BotClosureChannels({
    continueConversation,
    state,
    storage: stateStorage,
    connectionName: config.connectionName,
    clock,
    logger: logger.child('channel'),
    onHandOffCardSent: (requestId, activityId) => handOffChecks.recordCard(requestId, activityId),
  });
  const dialog = new MainDialog({
    directory,
    realm,
    closure,
    exports: exportService,
    audit,
    clock,
    workflow,
    closureChannel: (context) => closureChannels.forTurn(context),
    hashUpn: hashUpnWithKey,
    logger: logger.child('dialogs'),
    connectionName: config.connectionName,
    signInTimeoutMs: SIGN_IN_TIMEOUT_MS,
    progress: state.createProperty<ConversationProgress>('progress'),
    closureMode: config.closure.kind,
    portalUrl,
    handOffVerified,
  });
  const bot = new AccountClosureBot({
    state,
    dialog,
    closure,
    logger: logger.child('turns'),
    connectionName: config.connectionName,
    handOffChecks: handOffTurns,
    closureMode: config.closure.kind,
    handOffVerified,
    teams: {
      clock,
      continueConversation,
      createConversation: (serviceUrl, audience, parameters, logic) =>
        adapter.createConversationAsync(
          botAppId,
          'msteams',
          serviceUrl,
          audience ?? AuthenticationConstants.ToChannelFromBotOAuthScope,
          parameters,
          logic,
        ),
    },
  });
  const authentication = botFrameworkAuthentication(config);
  // The sandbox's token service through the bot's own lean client (bot/tokenServiceClient.ts, issue 22).
  const sandboxTokens = standIn ? new TokenServiceClient({ baseUrl: standIn.tokenServiceUrl, appId: '', http }) : undefined;
  const adapter = createAdapter(authentication, logger.child('adapter'), sandboxTokens);
  // Teams sends one signin/tokenExchange per signed-in client: one per id goes on, on whichever instance is first.
  const ssoDedupe = new TeamsSsoDedupeStorage({
    records: stores.records<TokenExchangeMark>('teamsTokenExchanges'),
    clock,
    keepMs: SSO_DEDUPE_KEEP_MS,
  });
  adapter.use(new TeamsSSOTokenExchangeMiddleware(ssoDedupe, config.connectionName));
  const telemetry = config.applicationInsightsConnectionString
    ? await createBotTelemetry(config.applicationInsightsConnectionString)
    : undefined;
  if (telemetry) {
    // Activity events without personal information (no text, no names); dialogs report their step names.
    adapter.use(new TelemetryLoggerMiddleware(telemetry.client, false));
    dialog.telemetryClient = telemetry.client;
  }
  const background = new BackgroundWork({
    adapter,
    botAppId,
    closure,
    workflow,
    channel: closureChannels.background(),
    ssoDedupe,
    stateExpiry,
    retention: [closureRequests, exportJobs, handOffRecords],
    exports: exportService,
    records: { closureRequests, exportJobs, handOffChecks: handOffRecords },
    handOff: { checks: handOffChecks, turns: handOffTurns },
    quarantine: new Quarantine(stores.records<QuarantineEntry>('quarantine')),
    schedule: backgroundSchedule(config),
    clock,
    logger: logger.child('background'),
    ...(config.storage.kind === 'file' ? { tempFiles: () => sweepStaleTempFiles(storageDir, clock(), logger.child('storage')) } : {}),
  });

  const webChat = {
    tokenSource: webChatTokenSource(config, standIn, http, logger.child('webchat')),
    allowedOrigins: config.webchat.allowedOrigins,
    // Behind App Service's front end every request comes from the same socket address (TRUSTED_PROXY_HOPS=1 there).
    trustedProxyHops: config.webchat.trustedProxyHops,
    logger: logger.child('webchat'),
  };
  const readiness = new Readiness({
    parts: [
      { name: 'storage', probe: storageProbe(config, container) },
      {
        name: 'settings',
        probe: settingsProbe({
          MicrosoftAppPassword: config.bot.appType === 'SingleTenant' ? config.bot.password : undefined,
          DIRECT_LINE_SECRET: config.webchat.directLineSecret,
          STORAGE_BLOB_CONNECTION_STRING: config.storage.kind === 'blob' ? config.storage.connectionString : undefined,
          AUDIT_HASH_KEY: config.auditHashKey,
          APPLICATIONINSIGHTS_CONNECTION_STRING: config.applicationInsightsConnectionString,
        }),
      },
    ],
    timeoutMs: READINESS_TIMEOUT_MS,
    cacheMs: READINESS_CACHE_MS,
    clock,
    logger: logger.child('readiness'),
  });
  const server = createServer({
    adapter,
    bot,
    readiness,
    logger: logger.child('http'),
    maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
    authenticate: (activity, authHeader) => authentication.authenticateRequest(activity as Activity, authHeader),
    extraRoutes: (routes) => {
      registerWebChatRoutes(routes, webChat);
      registerLegalPages(routes, {
        confirmationTtlSeconds: config.closure.confirmationTtlSeconds,
        exportLinkTtlHours: config.export.linkTtlHours,
        closureMode: config.closure.kind,
        handOffCheckDays: config.closure.handOffCheckDays,
        conversationStateTtlDays: config.conversationStateTtlDays,
        closedRecordRetentionDays: config.closedRecordRetentionDays,
        auditRetentionDays: config.auditRetentionDays,
        publisher: config.publisher,
      });
    },
  });
  const listening = await startServer(server, {
    port: config.port,
    host: options.host ?? config.host,
    graceMs: SHUTDOWN_GRACE_MS,
    logger: logger.child('http'),
  });
  logger.info('listening', { url: `${listening.url}/api/messages`, sandbox: standIn?.url });
  // The sandbox's Direct Line forwards web chat activities here; loopback, since it runs on this machine.
  await standIn?.attachBot(`${listening.url.replace('//localhost:', '//127.0.0.1:')}/api/messages`);

  if (options.timers !== false) background.start();
  let stopping: Promise<void> | undefined;
  return {
    url: listening.url,
    sandbox,
    background,
    checkHandOffs: () => background.checkHandOffs(),
    stop() {
      stopping ??= (async () => {
        background.stop();
        // A Teams press answered before its closing ran starts that work when its request ends: wait for it too.
        await listening.stop(() => Promise.all([bot.idle(), background.idle()]));
        await standIn?.stop();
        await telemetry?.flush();
        logger.info('stopped');
      })();
      return stopping;
    },
  };
}

/** Sandbox: the embedded Direct Line with its own secret. Azure: DIRECT_LINE_SECRET, or none (the token route answers 503). */
function webChatTokenSource(
  config: BotConfig,
  sandbox: SandboxConnection | undefined,
  http: HttpClient,
  logger: Logger,
): WebChatTokenSource | undefined {
  const target = sandbox
    ? { baseUrl: sandbox.directLine.baseUrl, secret: sandbox.directLine.secret }
    : { baseUrl: config.webchat.directLineBaseUrl, secret: config.webchat.directLineSecret };
  return target.secret ? new DirectLineTokenExchange({ http, baseUrl: target.baseUrl, secret: target.secret, logger }) : undefined;
}

function botFrameworkAuthentication(config: BotConfig): ConfigurationBotFrameworkAuthentication {
  const identity = config.bot;
  const loginBaseUrl = config.directory.kind === 'graph' ? config.directory.loginBaseUrl : undefined;
  return new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppType: identity.appType === 'None' ? '' : identity.appType,
    MicrosoftAppId: identity.appType === 'None' ? '' : identity.appId,
    MicrosoftAppPassword: identity.appType === 'SingleTenant' ? identity.password : '',
    MicrosoftAppTenantId: identity.appType === 'None' ? '' : identity.tenantId,
    // OAUTH_URL (regional bots, local tests of the Azure path) and a non-public LOGIN_BASE_URL reach every SDK call.
    ...botFrameworkEndpointKeys({
      oauthUrl: config.oauthUrl,
      loginBaseUrl,
      singleTenantId: identity.appType === 'SingleTenant' ? identity.tenantId : undefined,
      channelOpenIdMetadataUrl: config.channelAuth.openIdMetadataUrl,
      channelTokenIssuer: config.channelAuth.tokenIssuer,
    }),
  });
}

function createAdapter(
  authentication: ConfigurationBotFrameworkAuthentication,
  logger: Logger,
  sandboxTokens: UserTokenClient | undefined,
): CloudAdapter {
  // Clients built once and reused across turns. Without an app id the SDK's own token client refuses to work
  // ("appId Required"): the sandbox's serves every turn instead, installed here once.
  const adapter = new CloudAdapter(new ReusedClientsAuthentication({ inner: authentication, userTokens: sandboxTokens }));
  adapter.onTurnError = async (context, error) => {
    logger.error('turn failed', { activityType: context.activity.type, channelId: context.activity.channelId, error });
    // Never "nothing has been closed": the error may come after a Yes whose closure is under way or done
    // (the workflow tells its outcome once it is recorded).
    await context.sendActivity(Messages.turnFailed);
    if (context.activity.channelId === 'emulator') {
      // Trace activities are shown by the Emulator only: the detail a developer needs, without a stack.
      await context.sendTraceActivity(
        'OnTurnError',
        `${error.name}: ${error.message}`,
        'https://www.botframework.com/schemas/error',
        'TurnError',
      );
    }
  };
  return adapter;
}

/**
 * `require` on first use, for the Azure SDKs: loading @azure/identity, @azure/storage-blob and botbuilder-azure-blobs
 * at start-up cost sandbox mode (which never uses them) a measurable share of its cold start (docs/performance.md).
 * `require`, not `await import()`: under nodenext a dynamic import takes the packages' ESM builds, whose classes are
 * not the CommonJS ones the rest of the bot's types (and botbuilder-azure-blobs) are built against. Each id is a
 * literal so the production bundle (scripts/build.mjs) sees it: it bundles this project's modules (evaluated on
 * first call, as here) and leaves the Azure SDKs it marks external to node_modules.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const lazily = {
  identity: () => require('@azure/identity') as typeof import('@azure/identity'),
  storageBlob: () => require('@azure/storage-blob') as typeof import('@azure/storage-blob'),
  blobsStorage: () => require('botbuilder-azure-blobs') as typeof import('botbuilder-azure-blobs'),
  appCredentials: () => require('./services/credentials/appCredentials') as typeof import('./services/credentials/appCredentials'),
  exportBlobLister: () => require('./services/blob/exportBlobLister') as typeof import('./services/blob/exportBlobLister'),
  blobSasLinkSigner: () => require('./services/blob/blobSasLinkSigner') as typeof import('./services/blob/blobSasLinkSigner'),
};
/* eslint-enable @typescript-eslint/no-require-imports */

async function startEmbeddedSandbox(config: BotConfig, logger: Logger): Promise<Sandbox> {
  const seed = config.sandbox.seedPath ? await loadSeedFile(config.sandbox.seedPath) : undefined;
  return startSandbox({
    port: config.sandbox.port,
    dataDir: config.sandbox.dataDir,
    seed,
    exportDelayMs: config.sandbox.exportDelayMs,
    logger,
  });
}

/** The managed identity for Blob Storage: App Service needs the client id of a user-assigned identity. */
function azureCredential(config: BotConfig): TokenCredential {
  const graphClientId =
    config.directory.kind === 'graph' && 'clientId' in config.directory.credential ? config.directory.credential.clientId : undefined;
  const clientId = graphClientId ?? (config.bot.appType === 'UserAssignedMSI' ? config.bot.appId : undefined);
  const { ManagedIdentityCredential } = lazily.identity();
  return new ManagedIdentityCredential(clientId ? { clientId } : {});
}

function blobContainer(config: BotConfig, name?: string): ContainerClient {
  if (config.storage.kind !== 'blob') throw new Error('blobContainer needs STORAGE=blob');
  const { BlobServiceClient } = lazily.storageBlob();
  const service = config.storage.connectionString
    ? BlobServiceClient.fromConnectionString(config.storage.connectionString)
    : new BlobServiceClient(config.storage.accountUrl ?? '', azureCredential(config));
  return service.getContainerClient(name ?? config.storage.container);
}

/** STORAGE_BLOB_AUDIT_CONTAINER: the audit trail's own container, or undefined for the state container. */
function auditContainer(config: BotConfig): ContainerClient | undefined {
  return config.storage.kind === 'blob' && config.storage.auditContainer ? blobContainer(config, config.storage.auditContainer) : undefined;
}

/** Where idle conversation state is swept; MemoryStorage forgets on restart anyway. */
function stateExpiryFor(config: BotConfig, container: ContainerClient | undefined, logger: Logger): StateExpiry | undefined {
  const options = { ttlMs: config.conversationStateTtlDays * 86_400_000, clock: () => new Date(), logger };
  if (config.storage.kind === 'file') return new FileStateExpiry(path.join(config.storage.dir, 'state'), options);
  if (config.storage.kind === 'blob' && container) return new BlobStateExpiry(container, options);
  return undefined;
}

function botStateStorage(config: BotConfig, container: ContainerClient | undefined, logger: Logger): Storage {
  switch (config.storage.kind) {
    case 'memory':
      return new MemoryStorage();
    case 'file':
      return new FileStorage({ dir: path.join(config.storage.dir, 'state'), logger: logger.child('state') });
    case 'blob': {
      const { BlobsStorage } = lazily.blobsStorage();
      const { connectionString, container: name } = config.storage;
      // Built again after a failure: BlobsStorage keeps its first failed container set-up (bot/storage/recoveringStorage.ts).
      return new RecoveringStorage(
        () =>
          connectionString
            ? new BlobsStorage(connectionString, name)
            : new BlobsStorage('', name, {}, container?.url, azureCredential(config)),
        logger.child('state'),
      );
    }
  }
}

/** What /readyz asks of the storage: one cheap call that needs the store to answer (memory always does). */
function storageProbe(config: BotConfig, container: ContainerClient | undefined): () => Promise<void> {
  if (config.storage.kind === 'blob' && container) return async () => void (await container.exists());
  if (config.storage.kind === 'file') {
    const dir = config.storage.dir;
    return async () => {
      await mkdir(dir, { recursive: true });
      await access(dir, fsConstants.W_OK);
    };
  }
  return async () => undefined;
}

/**
 * Lists the export container the operation wrote into. Azure: the app's managed identity (it needs a data-plane read
 * role, e.g. Storage Blob Data Reader, on the container); the sandbox: its List Blobs stand-in, anonymously.
 */
function exportBlobLister(config: BotConfig, sandboxLocation: string | undefined, logger: Logger): ExportBlobLister {
  const location = sandboxLocation ?? config.export.storageLocation;
  if (!location)
    return {
      list: async () => {
        throw new Error('EXPORT_STORAGE_LOCATION is not set');
      },
    };
  const url = new URL(location);
  // Built on the first listing: every start until an export is ready would otherwise load @azure/storage-blob.
  const container = () => {
    const { BlobServiceClient, ContainerClient } = lazily.storageBlob();
    return sandboxLocation
      ? new ContainerClient(`${url.origin}${url.pathname}`)
      : new BlobServiceClient(`${url.protocol}//${url.host}`, azureCredential(config)).getContainerClient(
          decodeURIComponent(url.pathname.split('/').filter(Boolean)[0] ?? ''),
        );
  };
  const { ContainerBlobLister } = lazily.exportBlobLister();
  return new ContainerBlobLister({ container, timeoutMs: EXPORT_LIST_TIMEOUT_MS, logger: logger.child('exportBlobs') });
}

/** A read-only SAS for the user's export, signed with a user delegation key of the managed identity. */
function productionLinkSigner(config: BotConfig, logger: Logger): DownloadLinkSigner {
  const location = config.export.storageLocation;
  if (!location)
    return {
      sign: async () => {
        throw new Error('EXPORT_STORAGE_LOCATION is not set');
      },
    };
  const account = new URL(location);
  const { BlobServiceClient } = lazily.storageBlob();
  const { BlobSasLinkSigner } = lazily.blobSasLinkSigner();
  const service = new BlobServiceClient(`${account.protocol}//${account.host}`, azureCredential(config));
  return new BlobSasLinkSigner({
    kind: 'userDelegation',
    logger: logger.child('links'),
    keySource: {
      accountName: account.host.split('.')[0],
      getUserDelegationKey: (startsOn, expiresOn) => service.getUserDelegationKey(startsOn, expiresOn),
    },
  });
}

/** The audit's UPN hash key: configured in Azure; in sandbox mode generated once and kept under the data folder. */
async function auditHashKey(config: BotConfig): Promise<Buffer> {
  if (config.auditHashKey) return Buffer.from(config.auditHashKey, 'base64');
  const file = path.join(config.dataDir, 'audit-hash.key');
  try {
    return Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = randomBytes(32);
  await mkdir(config.dataDir, { recursive: true });
  await writeFile(file, key.toString('base64'), { mode: 0o600, flag: 'wx' });
  return key;
}

/** Each background job's schedule (README "Background work"); the runner never overlaps a job's passes. */
function backgroundSchedule(config: BotConfig): BackgroundSchedule {
  return {
    // The sandbox's exports finish in seconds (SANDBOX_EXPORT_DELAY_MS): polled at least every 2 s there.
    exportPollMs:
      config.directory.kind === 'sandbox'
        ? Math.min(config.export.pollIntervalSeconds * 1000, 2_000)
        : config.export.pollIntervalSeconds * 1000,
    reconcileMs: config.closure.reconcileIntervalSeconds * 1000,
    handOffCheckMs: config.closure.handOffCheckIntervalSeconds * 1000,
    tempFilesMs: STALE_TEMP_FILE_MS,
    retentionMs: RETENTION_SWEEP_EVERY_MS,
  };
}

async function main(): Promise<void> {
  dotenv.config({ quiet: true });
  let config: BotConfig;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\nSee .env.example for every setting.\n`);
    process.exit(1);
  }
  const running = await startBot(config);
  // The web chat on the sandbox's host name: the page and the sandbox's Direct Line must be one site (server/webchatRoutes.ts).
  const webChat = (running.sandbox && loopbackSiteOf(running.sandbox.url, new URL(running.url).host, '/')) ?? `${running.url}/`;
  process.stdout.write(
    `Account Closure Bot: connect the Bot Framework Emulator to ${running.url}/api/messages` +
      (running.sandbox ? ` (sandbox at ${running.sandbox.url})` : '') +
      `; web chat at ${webChat}\n`,
  );
  const shutdown = (signal: string) => {
    process.stdout.write(`${signal}: finishing turns in flight, then stopping.\n`);
    running.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

/**
 * Runs the bot as a program: `npm start` runs this file itself; the built start (dist/index.js) calls this, and
 * keeps its code cache only from a start that got this far (resolved once the bot listens).
 */
export function run(): Promise<void> {
  return main().catch((error: unknown) => {
    process.stderr.write(`Account Closure Bot failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}

if (require.main === module) void run();
