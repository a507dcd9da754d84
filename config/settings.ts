/**
 * Every setting the bot reads, in one table: name, default and meaning. `.env.example`, the README's settings
 * table and the ARM templates' app settings are checked against this list by tests, so it is the one source.
 * Names follow BotBuilder-Samples' `.env` keys where one exists (MicrosoftApp*, connectionName).
 */
export interface SettingSpec {
  readonly name: string;
  /** The default as written in `.env.example`; `undefined` = no default (empty). */
  readonly default?: string;
  readonly description: string;
  /** Secret values are never logged and never get a default in templates. */
  readonly secret?: boolean;
  /** Read in Azure mode (the ARM templates must set it). */
  readonly azure?: boolean;
}

export const SETTINGS = [
  { name: 'PORT', default: '3978', description: 'Port the bot listens on.', azure: false },
  {
    name: 'HOST',
    default: '0.0.0.0',
    description: 'Address the bot listens on; 127.0.0.1 keeps it on this machine (tests, the benchmark).',
    azure: false,
  },
  { name: 'LOG_LEVEL', default: 'info', description: 'debug | info | warn | error.', azure: true },
  {
    name: 'MicrosoftAppType',
    default: '',
    description: 'Bot identity: empty (sandbox / Emulator, no auth), SingleTenant or UserAssignedMSI. MultiTenant is refused.',
    azure: true,
  },
  {
    name: 'MicrosoftAppId',
    default: '',
    description: "The bot's app (client) id. Empty = no Bot Framework auth (sandbox, Emulator).",
    azure: true,
  },
  {
    name: 'MicrosoftAppPassword',
    default: '',
    description: "Client secret of the bot's app registration (SingleTenant with a secret).",
    secret: true,
    azure: false,
  },
  {
    name: 'MicrosoftAppTenantId',
    default: '',
    description: "Tenant of the bot's app registration (SingleTenant, UserAssignedMSI).",
    azure: true,
  },
  {
    name: 'connectionName',
    default: 'GraphConnection',
    description: 'Name of the Azure Bot OAuth connection used for sign-in (AADv2, scope User.Read).',
    azure: true,
  },
  {
    name: 'DIRECTORY',
    default: 'sandbox',
    description: 'sandbox (embedded stand-ins) | graph (Microsoft Graph and login.microsoftonline.com).',
    azure: true,
  },
  {
    name: 'GRAPH_BASE_URL',
    default: 'https://graph.microsoft.com',
    description: 'Microsoft Graph base URL (national clouds, tests).',
    azure: false,
  },
  {
    name: 'LOGIN_BASE_URL',
    default: 'https://login.microsoftonline.com',
    description:
      "Entra login base URL: the user realm, the Graph app-token authority (@azure/identity authorityHost) and, for MicrosoftAppType=SingleTenant, the bot's own Bot Framework token (DIRECTORY=graph).",
    azure: false,
  },
  {
    name: 'OAUTH_URL',
    default: '',
    description:
      "Bot Framework token service URL (the SDK's OAuthUrl / OAuthApiEndpoint), e.g. https://europe.token.botframework.com for a regional bot, or a local stand-in. Empty = the SDK's default, https://api.botframework.com.",
    azure: false,
  },
  {
    name: 'PUBLISHER_NAME',
    default: '',
    description:
      'The organization that runs and publishes the bot, named on its privacy and terms pages as whom to ask (and, for npm run package:teams, as the Teams app\'s developer). Empty = the pages say "the organization that runs this bot".',
    azure: false,
  },
  {
    name: 'PUBLISHER_CONTACT',
    default: '',
    description:
      'How to reach the publisher about what the bot keeps (an email address or an https URL), shown on the privacy and terms pages. Empty = not shown.',
    azure: false,
  },
  {
    name: 'ToBotFromChannelOpenIdMetadataUrl',
    default: '',
    description:
      "OpenID metadata whose keys sign the channels' requests to /api/messages (BotBuilder-Samples' .env name; a national cloud, or a local stand-in in the deployment rehearsal). Empty = the SDK's default, https://login.botframework.com/v1/.well-known/openidconfiguration.",
    azure: false,
  },
  {
    name: 'ToBotFromChannelTokenIssuer',
    default: '',
    description:
      "Issuer (iss) of the channels' tokens to the bot (BotBuilder-Samples' .env name). Empty = the SDK's default, https://api.botframework.com.",
    azure: false,
  },
  {
    name: 'GRAPH_CREDENTIAL',
    default: 'managedIdentity',
    description: 'App credential for Graph: managedIdentity | clientSecret | clientCertificate | default.',
    azure: true,
  },
  {
    name: 'GRAPH_CLIENT_ID',
    default: '',
    description: 'Client id of the Graph app (or of the user-assigned managed identity).',
    azure: true,
  },
  {
    name: 'GRAPH_CLIENT_SECRET',
    default: '',
    description: 'Client secret of the Graph app (GRAPH_CREDENTIAL=clientSecret).',
    secret: true,
    azure: false,
  },
  {
    name: 'GRAPH_CLIENT_CERTIFICATE_PATH',
    default: '',
    description: "PEM file with the Graph app's certificate and key (GRAPH_CREDENTIAL=clientCertificate).",
    azure: false,
  },
  {
    name: 'CLOSURE',
    default: '',
    description:
      'portal (the default, in every mode: hand-off to Microsoft\'s "My data requests" page, the only documented way in an unmanaged tenant) | graph (opt-in: the bot deletes the account, then purges it; needs Graph application rights consented in the users\' tenant, which no unmanaged organization can give; see docs/deploy.md).',
    azure: true,
  },
  {
    name: 'CLOSURE_PORTAL_URL',
    default: 'https://go.microsoft.com/fwlink/?linkid=873123',
    description:
      'Microsoft\'s "My data requests" page, where the hand-off sends the user (DIRECTORY=sandbox uses the sandbox\'s own page).',
    azure: false,
  },
  {
    name: 'HANDOFF_CHECK_INTERVAL_SECONDS',
    default: '3600',
    description: 'After a hand-off, how often the bot checks on its own whether the account still signs in.',
    azure: false,
  },
  {
    name: 'HANDOFF_CHECK_DAYS',
    default: '7',
    description: 'After a hand-off, for how many days the bot keeps checking on its own before it stops (and says it could not confirm).',
    azure: false,
  },
  { name: 'CLOSURE_CONFIRMATION_TTL_SECONDS', default: '600', description: "How long the warning card's Yes stays valid.", azure: false },
  {
    name: 'CLOSURE_LEASE_SECONDS',
    default: '120',
    description: 'How long the instance closing an account owns it before a reconciler on any instance may finish the closure.',
    azure: false,
  },
  {
    name: 'RECONCILE_INTERVAL_SECONDS',
    default: '60',
    description: 'How often each instance looks for closures a crash left unfinished (also once at start-up).',
    azure: false,
  },
  {
    name: 'EXPORT_STORAGE_LOCATION',
    default: '',
    description: 'Azure Blob container URL that Graph exportPersonalData writes into (DIRECTORY=graph).',
    azure: true,
  },
  { name: 'EXPORT_POLL_INTERVAL_SECONDS', default: '60', description: 'How often pending export jobs are checked.', azure: false },
  {
    name: 'EXPORT_LINK_TTL_HOURS',
    default: '72',
    description: 'How long a download link for a finished export stays valid.',
    azure: false,
  },
  {
    name: 'STORAGE',
    default: 'file',
    description: 'Where state, closure requests, export jobs and the audit trail live: memory | file | blob.',
    azure: true,
  },
  {
    name: 'CONVERSATION_STATE_TTL_DAYS',
    default: '7',
    description:
      'Conversation state (dialog progress) of a conversation idle this long is deleted, swept hourly on the background timer (STORAGE=file and blob); the conversation then starts over.',
    azure: false,
  },
  {
    name: 'CLOSED_RECORD_RETENTION_DAYS',
    default: '30',
    description:
      'Finished closure requests (closed, handed off, failed, cancelled, expired; outcome told) and finished export jobs are deleted this long after their last change, swept daily; the audit trail keeps their story.',
    azure: false,
  },
  {
    name: 'DATA_DIR',
    default: '.data',
    description:
      "Folder of the bot's own data with STORAGE=file (conversation state, closure requests and their locks, export jobs, hand-off checks, the audit trail in audit/) and, in sandbox mode, the generated audit hash key. The sandbox's directory is SANDBOX_DATA_DIR.",
    azure: false,
  },
  {
    name: 'STORAGE_BLOB_CONNECTION_STRING',
    default: '',
    description: 'Blob Storage connection string (STORAGE=blob; e.g. Azurite). Or use STORAGE_BLOB_ACCOUNT_URL with the managed identity.',
    secret: true,
    azure: false,
  },
  {
    name: 'STORAGE_BLOB_ACCOUNT_URL',
    default: '',
    description: 'Blob Storage account URL, reached with the managed identity (STORAGE=blob).',
    azure: true,
  },
  {
    name: 'STORAGE_BLOB_CONTAINER',
    default: 'account-closure-bot',
    description: 'Container for state, requests and audit (STORAGE=blob).',
    azure: true,
  },
  {
    name: 'STORAGE_BLOB_RETRY_DELAY_MS',
    default: '4000',
    description:
      "Blob Storage's retry delay in milliseconds (STORAGE=blob; the Azure SDK's retryDelayInMs, whose default this is): a failed request is tried 4 times in all, waiting 0, 1 and 3 times this long between the tries. Tests shorten it.",
    azure: false,
  },
  {
    name: 'STORAGE_BLOB_AUDIT_CONTAINER',
    default: '',
    description:
      'Container for the audit trail (STORAGE=blob), apart from state so it can carry a time-based immutability policy; empty = STORAGE_BLOB_CONTAINER. The templates create `audit` with versioning, soft delete and that policy.',
    azure: true,
  },
  {
    name: 'AUDIT_RETENTION_DAYS',
    default: '1095',
    description:
      "How long the audit trail is kept, in days, as the privacy page states it. In Azure the audit container's immutability policy and lifecycle rule enforce it (the templates set both from the same parameter); STORAGE=file keeps the trail until you delete it.",
    azure: true,
  },
  {
    name: 'AUDIT_HASH_KEY',
    default: '',
    description:
      "Key (base64, >= 32 bytes) for the audit trail's keyed UPN hash. Empty in sandbox mode = a key generated once under DATA_DIR.",
    secret: true,
    azure: true,
  },
  {
    name: 'DIRECT_LINE_SECRET',
    default: '',
    description: 'Direct Line secret the server exchanges for web chat tokens (Azure mode). Never sent to the browser.',
    secret: true,
    azure: true,
  },
  {
    name: 'DIRECT_LINE_BASE_URL',
    default: 'https://directline.botframework.com',
    description:
      'Direct Line endpoint for web chat tokens and Web Chat (Azure mode); a regional one, e.g. https://europe.directline.botframework.com, for a regional bot.',
    azure: false,
  },
  {
    name: 'TRUSTED_PROXY_HOPS',
    default: '0',
    description:
      'How many X-Forwarded-For hops, counted from the right, were appended by proxies in front of the bot (App Service: 1); the client is the hop before them. 0 = the socket address, X-Forwarded-For ignored.',
    azure: true,
  },
  {
    name: 'WEBCHAT_ALLOWED_ORIGINS',
    default: '',
    description: "Comma-separated origins allowed to request web chat tokens; empty = the bot's own page only.",
    azure: false,
  },
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING',
    default: '',
    description:
      'Application Insights connection string: activity events without message text or names, requests, and outside calls with redacted URLs. Empty = no telemetry.',
    azure: true,
  },
  {
    name: 'SANDBOX_URL',
    default: '',
    description:
      'URL of a shared sandbox started with `npm run sandbox` (several bot instances); empty = the bot starts its own (DIRECTORY=sandbox).',
    azure: false,
  },
  {
    name: 'SANDBOX_PORT',
    default: '3979',
    description: 'Port of the sandbox (sign-in page, Graph, realm, token service, storage), embedded or `npm run sandbox`.',
    azure: false,
  },
  {
    name: 'SANDBOX_SEED',
    default: '',
    description: 'JSON seed file for the sandbox directory; empty = the built-in demo seed.',
    azure: false,
  },
  {
    name: 'SANDBOX_DATA_DIR',
    default: '.data/sandbox',
    description: 'Where the sandbox persists its directory and exports.',
    azure: false,
  },
  { name: 'SANDBOX_EXPORT_DELAY_MS', default: '15000', description: 'How long a sandbox data export takes.', azure: false },
] as const satisfies readonly SettingSpec[];

export type SettingName = (typeof SETTINGS)[number]['name'];
