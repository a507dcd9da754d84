import { redactUrl } from '../services/logger';
import { deploymentRefusals, unresolvedKeyVaultReferences } from './startupRefusals';
import { SETTINGS, type SettingName } from './settings';

/** The bot's settings, parsed once at start-up. Every field's default lives in `settings.ts`. */
export interface BotConfig {
  readonly port: number;
  /** Listen address; `0.0.0.0` = every interface (App Service), `127.0.0.1` = this machine only. */
  readonly host: string;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  readonly bot: BotIdentityConfig;
  /** Name of the OAuth connection (Azure Bot) or of the sandbox token service's connection. */
  readonly connectionName: string;
  /** Bot Framework token service URL; undefined = the SDK's default. */
  readonly oauthUrl?: string;
  /** Who runs the bot, named on the privacy and terms pages (PUBLISHER_NAME, PUBLISHER_CONTACT). */
  readonly publisher: { readonly name?: string; readonly contact?: string };
  /** Where the channels' token signing keys and issuer are; undefined = the SDK's defaults (public cloud). */
  readonly channelAuth: { readonly openIdMetadataUrl?: string; readonly tokenIssuer?: string };
  readonly directory: { readonly kind: 'sandbox' } | GraphDirectoryConfig;
  readonly closure: {
    /** `portal` unless `graph` is chosen; `graph` is the default only with DIRECTORY=sandbox. */
    readonly kind: 'graph' | 'portal';
    readonly portalUrl: string;
    /** After a hand-off: the background check's interval and how long it goes on. */
    readonly handOffCheckIntervalSeconds: number;
    readonly handOffCheckDays: number;
    readonly confirmationTtlSeconds: number;
    /** How long a closing instance owns its request before a reconciler may take over (crash recovery). */
    readonly leaseSeconds: number;
    /** How often the reconciler looks for stranded closures. */
    readonly reconcileIntervalSeconds: number;
  };
  readonly export: { readonly storageLocation?: string; readonly pollIntervalSeconds: number; readonly linkTtlHours: number };
  readonly storage: StorageConfig;
  readonly dataDir: string;
  /** Conversation state not written for this many days is deleted (CONVERSATION_STATE_TTL_DAYS). */
  readonly conversationStateTtlDays: number;
  /** Finished closure requests and export jobs are deleted this many days after their last change. */
  readonly closedRecordRetentionDays: number;
  /** AUDIT_RETENTION_DAYS: stated on the privacy page; enforced by the audit container's policy and lifecycle rule in Azure. */
  readonly auditRetentionDays: number;
  /** Base64 key for the audit's keyed UPN hash; undefined = generated once under dataDir (sandbox only). */
  readonly auditHashKey?: string;
  readonly webchat: {
    readonly directLineSecret?: string;
    /** Direct Line's base URL (Azure mode); the sandbox serves its own. */
    readonly directLineBaseUrl: string;
    readonly allowedOrigins: readonly string[];
    /** X-Forwarded-For hops appended by trusted proxies (App Service's front end: 1); 0 = the socket address. */
    readonly trustedProxyHops: number;
  };
  readonly applicationInsightsConnectionString?: string;
  /** `url`: a shared sandbox to connect to instead of starting one (the other fields are then the standalone sandbox's). */
  readonly sandbox: {
    readonly url?: string;
    readonly port: number;
    readonly seedPath?: string;
    readonly dataDir: string;
    readonly exportDelayMs: number;
  };
}

export type BotIdentityConfig =
  | { readonly appType: 'None' }
  | { readonly appType: 'SingleTenant'; readonly appId: string; readonly tenantId: string; readonly password: string }
  | { readonly appType: 'UserAssignedMSI'; readonly appId: string; readonly tenantId: string };

export interface GraphDirectoryConfig {
  readonly kind: 'graph';
  readonly graphBaseUrl: string;
  readonly loginBaseUrl: string;
  readonly credential:
    | { readonly kind: 'managedIdentity'; readonly clientId?: string }
    | { readonly kind: 'clientSecret'; readonly clientId: string; readonly clientSecret: string }
    | { readonly kind: 'clientCertificate'; readonly clientId: string; readonly certificatePath: string }
    | { readonly kind: 'default' };
}

export type StorageConfig =
  | { readonly kind: 'memory' }
  | { readonly kind: 'file'; readonly dir: string }
  | {
      readonly kind: 'blob';
      readonly container: string;
      /** STORAGE_BLOB_AUDIT_CONTAINER: the audit trail's own container; undefined = `container`. */
      readonly auditContainer?: string;
      readonly connectionString?: string;
      readonly accountUrl?: string;
      /** STORAGE_BLOB_RETRY_DELAY_MS: the Blob SDK's `retryDelayInMs` (its 4 tries wait 0, 1 and 3 times it between them). */
      readonly retryDelayMs: number;
    };

/** Thrown when settings are wrong; `problems` has one line per setting, each naming the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Parses the environment into a `BotConfig`, collecting every problem before failing. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): BotConfig {
  // Alone: every other line about such a setting would only be a consequence of the literal reference text.
  const unresolved = unresolvedKeyVaultReferences(env);
  if (unresolved.length > 0) throw new ConfigError(unresolved);
  const problems: string[] = [];
  const known = new Set<string>(SETTINGS.map((s) => s.name));
  const get = (name: SettingName): string => {
    if (!known.has(name)) throw new Error(`setting "${name}" is not declared in config/settings.ts`);
    const value = env[name]?.trim();
    if (value) return value;
    return SETTINGS.find((s) => s.name === name)?.default ?? '';
  };
  const oneOf = <T extends string>(name: SettingName, allowed: readonly T[]): T => {
    const value = get(name);
    if ((allowed as readonly string[]).includes(value)) return value as T;
    problems.push(`${name} must be one of ${allowed.map((a) => `"${a}"`).join(', ')}; got "${value}".`);
    return allowed[0];
  };
  const integer = (name: SettingName, min: number, max: number): number => {
    const raw = get(name);
    const value = Number(raw);
    if (Number.isInteger(value) && value >= min && value <= max) return value;
    problems.push(`${name} must be a whole number from ${min} to ${max}; got "${raw}".`);
    return min;
  };
  // The background timers and the lease: whole seconds in production; fractions (down to 0.1 s) let tests run the
  // same passes without waiting a second for each.
  const seconds = (name: SettingName, max: number): number => {
    const raw = get(name);
    const value = Number(raw);
    if (/^\d+(\.\d+)?$/.test(raw) && value >= 0.1 && value <= max) return value;
    problems.push(`${name} must be a number of seconds from 0.1 to ${max}; got "${raw}".`);
    return 1;
  };
  const url = (name: SettingName, required: boolean): string | undefined => {
    const value = get(name);
    if (!value) {
      if (required) problems.push(`${name} is required here.`);
      return undefined;
    }
    try {
      const parsed = new URL(value);
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('protocol');
      return value.replace(/\/+$/, '');
    } catch {
      problems.push(`${name} must be an http(s) URL; got "${redactUrl(value)}".`);
      return undefined;
    }
  };
  const required = (name: SettingName, why: string): string => {
    const value = get(name);
    if (!value) problems.push(`${name} is required ${why}.`);
    return value;
  };
  const guid = (name: SettingName, why: string): string => {
    const value = required(name, why);
    if (value && !GUID.test(value)) problems.push(`${name} must be a GUID; got "${value}".`);
    return value;
  };

  const bot = loadBotIdentity(get, required, guid, problems);
  const directoryKind = oneOf('DIRECTORY', ['sandbox', 'graph'] as const);
  const directory: BotConfig['directory'] =
    directoryKind === 'sandbox'
      ? { kind: 'sandbox' }
      : {
          kind: 'graph',
          graphBaseUrl: url('GRAPH_BASE_URL', true) ?? '',
          loginBaseUrl: url('LOGIN_BASE_URL', true) ?? '',
          credential: loadGraphCredential(get, oneOf, required),
        };
  const storageKind = oneOf('STORAGE', ['memory', 'file', 'blob'] as const);
  const dataDir = get('DATA_DIR');
  let storage: StorageConfig;
  if (storageKind === 'blob') {
    const connectionString = get('STORAGE_BLOB_CONNECTION_STRING') || undefined;
    const accountUrl = url('STORAGE_BLOB_ACCOUNT_URL', false);
    if (!connectionString && !accountUrl) problems.push('STORAGE=blob needs STORAGE_BLOB_CONNECTION_STRING or STORAGE_BLOB_ACCOUNT_URL.');
    const auditContainer = get('STORAGE_BLOB_AUDIT_CONTAINER') || undefined;
    const retryDelayMs = integer('STORAGE_BLOB_RETRY_DELAY_MS', 1, 60_000);
    storage = { kind: 'blob', container: get('STORAGE_BLOB_CONTAINER'), auditContainer, connectionString, accountUrl, retryDelayMs };
  } else {
    storage = storageKind === 'memory' ? { kind: 'memory' } : { kind: 'file', dir: dataDir };
  }
  const auditHashKey = get('AUDIT_HASH_KEY') || undefined;
  if (auditHashKey !== undefined && Buffer.from(auditHashKey, 'base64').length < 32) {
    problems.push('AUDIT_HASH_KEY must be base64 of at least 32 bytes.');
  }
  if (auditHashKey === undefined && directoryKind === 'graph') {
    problems.push('AUDIT_HASH_KEY is required with DIRECTORY=graph (the audit outlives this machine).');
  }
  const exportStorageLocation = url('EXPORT_STORAGE_LOCATION', false);
  const sandboxUrl = url('SANDBOX_URL', false);
  if (sandboxUrl && directoryKind === 'graph')
    problems.push('SANDBOX_URL is for DIRECTORY=sandbox only; leave it empty with DIRECTORY=graph.');

  const config: BotConfig = {
    port: integer('PORT', 0, 65535),
    host: required('HOST', 'to listen on'),
    logLevel: oneOf('LOG_LEVEL', ['info', 'debug', 'warn', 'error'] as const),
    bot,
    connectionName: required('connectionName', 'to sign users in'),
    directory,
    oauthUrl: url('OAUTH_URL', false),
    publisher: { name: get('PUBLISHER_NAME') || undefined, contact: get('PUBLISHER_CONTACT') || undefined },
    channelAuth: {
      openIdMetadataUrl: url('ToBotFromChannelOpenIdMetadataUrl', false),
      tokenIssuer: get('ToBotFromChannelTokenIssuer') || undefined,
    },
    closure: {
      // Microsoft documents no Graph route that closes an account in an unmanaged tenant (nobody there can consent),
      // so the hand-off is the default in every mode: the sandbox plays Azure as it is (its demo unmanaged tenants
      // give the bot no app token), and the Graph closer is an opt-in for a tenant where the app holds the rights.
      kind: get('CLOSURE') ? oneOf('CLOSURE', ['graph', 'portal'] as const) : 'portal',
      portalUrl: url('CLOSURE_PORTAL_URL', true) ?? '',
      handOffCheckIntervalSeconds: seconds('HANDOFF_CHECK_INTERVAL_SECONDS', 86_400),
      handOffCheckDays: integer('HANDOFF_CHECK_DAYS', 1, 90),
      confirmationTtlSeconds: integer('CLOSURE_CONFIRMATION_TTL_SECONDS', 30, 86_400),
      leaseSeconds: seconds('CLOSURE_LEASE_SECONDS', 3_600),
      reconcileIntervalSeconds: seconds('RECONCILE_INTERVAL_SECONDS', 86_400),
    },
    export: {
      storageLocation: exportStorageLocation,
      pollIntervalSeconds: seconds('EXPORT_POLL_INTERVAL_SECONDS', 86_400),
      // A link signed with a managed identity's user delegation key lives at most 7 days (Azure Storage limit).
      linkTtlHours: integer('EXPORT_LINK_TTL_HOURS', 1, 7 * 24),
    },
    storage,
    dataDir,
    conversationStateTtlDays: integer('CONVERSATION_STATE_TTL_DAYS', 1, 3_650),
    closedRecordRetentionDays: integer('CLOSED_RECORD_RETENTION_DAYS', 1, 3_650),
    auditRetentionDays: integer('AUDIT_RETENTION_DAYS', 1, 36_500),
    auditHashKey,
    webchat: {
      directLineSecret: get('DIRECT_LINE_SECRET') || undefined,
      directLineBaseUrl: url('DIRECT_LINE_BASE_URL', true) ?? '',
      allowedOrigins: get('WEBCHAT_ALLOWED_ORIGINS')
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
      trustedProxyHops: integer('TRUSTED_PROXY_HOPS', 0, 10),
    },
    applicationInsightsConnectionString: get('APPLICATIONINSIGHTS_CONNECTION_STRING') || undefined,
    sandbox: {
      url: sandboxUrl,
      port: integer('SANDBOX_PORT', 0, 65535),
      seedPath: get('SANDBOX_SEED') || undefined,
      dataDir: get('SANDBOX_DATA_DIR'),
      exportDelayMs: integer('SANDBOX_EXPORT_DELAY_MS', 0, 86_400_000),
    },
  };
  problems.push(
    ...deploymentRefusals({
      directory: directoryKind,
      botIdentityGiven: Boolean(get('MicrosoftAppType') || get('MicrosoftAppId')),
      port: config.port,
      embeddedSandboxPort: directoryKind === 'sandbox' && !sandboxUrl ? config.sandbox.port : undefined,
    }),
  );
  if (directoryKind === 'graph' && config.closure.kind === 'graph' && !exportStorageLocation) {
    problems.push('EXPORT_STORAGE_LOCATION is required with DIRECTORY=graph (Graph writes exports into that container).');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function loadBotIdentity(
  get: (name: SettingName) => string,
  required: (name: SettingName, why: string) => string,
  guid: (name: SettingName, why: string) => string,
  problems: string[],
): BotIdentityConfig {
  const appType = get('MicrosoftAppType');
  const appId = get('MicrosoftAppId');
  if (!appType && !appId) return { appType: 'None' };
  switch (appType || 'SingleTenant') {
    case 'SingleTenant':
      return {
        appType: 'SingleTenant',
        appId: guid('MicrosoftAppId', 'for MicrosoftAppType=SingleTenant'),
        tenantId: guid('MicrosoftAppTenantId', 'for MicrosoftAppType=SingleTenant'),
        password: required('MicrosoftAppPassword', 'for MicrosoftAppType=SingleTenant'),
      };
    case 'UserAssignedMSI':
      return {
        appType: 'UserAssignedMSI',
        appId: guid('MicrosoftAppId', "for MicrosoftAppType=UserAssignedMSI (the managed identity's client id)"),
        tenantId: guid('MicrosoftAppTenantId', 'for MicrosoftAppType=UserAssignedMSI'),
      };
    case 'MultiTenant':
      // https://learn.microsoft.com/azure/bot-service/bot-service-quickstart-registration: new bots cannot be multi-tenant.
      problems.push(
        'MicrosoftAppType=MultiTenant is not supported: Azure no longer creates multi-tenant bots; use SingleTenant or UserAssignedMSI.',
      );
      return { appType: 'None' };
    default:
      problems.push(`MicrosoftAppType must be empty, "SingleTenant" or "UserAssignedMSI"; got "${appType}".`);
      return { appType: 'None' };
  }
}

function loadGraphCredential(
  get: (name: SettingName) => string,
  oneOf: <T extends string>(name: SettingName, allowed: readonly T[]) => T,
  required: (name: SettingName, why: string) => string,
): GraphDirectoryConfig['credential'] {
  const kind = oneOf('GRAPH_CREDENTIAL', ['managedIdentity', 'clientSecret', 'clientCertificate', 'default'] as const);
  switch (kind) {
    case 'managedIdentity':
      return { kind, clientId: get('GRAPH_CLIENT_ID') || undefined };
    case 'clientSecret':
      return {
        kind,
        clientId: required('GRAPH_CLIENT_ID', 'for GRAPH_CREDENTIAL=clientSecret'),
        clientSecret: required('GRAPH_CLIENT_SECRET', 'for GRAPH_CREDENTIAL=clientSecret'),
      };
    case 'clientCertificate':
      return {
        kind,
        clientId: required('GRAPH_CLIENT_ID', 'for GRAPH_CREDENTIAL=clientCertificate'),
        certificatePath: required('GRAPH_CLIENT_CERTIFICATE_PATH', 'for GRAPH_CREDENTIAL=clientCertificate'),
      };
    case 'default':
      return { kind };
  }
}

/** The configuration as it may be logged: secrets become "set"/"not set". */
export function summarizeConfig(config: BotConfig): Record<string, unknown> {
  return {
    port: config.port,
    appType: config.bot.appType,
    appId: config.bot.appType === 'None' ? undefined : config.bot.appId,
    connectionName: config.connectionName,
    directory:
      config.directory.kind === 'graph'
        ? { kind: 'graph', graph: redactUrl(config.directory.graphBaseUrl), credential: config.directory.credential.kind }
        : { kind: 'sandbox', shared: config.sandbox.url ? redactUrl(config.sandbox.url) : undefined },
    closure: config.closure.kind,
    oauthUrl: config.oauthUrl ? redactUrl(config.oauthUrl) : 'SDK default',
    channelOpenIdMetadata: config.channelAuth.openIdMetadataUrl ? redactUrl(config.channelAuth.openIdMetadataUrl) : 'SDK default',
    storage:
      config.storage.kind === 'blob'
        ? {
            kind: 'blob',
            container: config.storage.container,
            auditContainer: config.storage.auditContainer ?? config.storage.container,
            auth: config.storage.connectionString ? 'connection string' : 'managed identity',
          }
        : config.storage,
    exportStorage: config.export.storageLocation ? redactUrl(config.export.storageLocation) : undefined,
    // Named so the logger's credential-name mask (token, secret, key, ...) does not hide them: they hold no secret.
    auditHash: config.auditHashKey ? 'from settings' : 'generated under DATA_DIR',
    directLine: config.webchat.directLineSecret ? 'configured' : 'not configured',
  };
}
