import type { TokenCredential } from '@azure/identity';
import type { BotConfig } from '../config/config';
import type { AccountCloser } from '../services/accountCloser';
import type { AccountDirectory } from '../services/accountDirectory';
import { appCredentialProviderFromTokenCredential, graphScopeFor } from './credentials/tokenProvider';
import { lazily, type CredentialSource } from './credentials/managedIdentity';
import type { DataExporter, DownloadLinkSigner, ExportBlobLister } from '../services/dataExporter';
import { GraphAccountCloser } from './graph/graphAccountCloser';
import { GraphAccountDirectory } from './graph/graphAccountDirectory';
import { GraphDataExporter } from './graph/graphDataExporter';
import { GraphSignInProbe } from './graph/graphSignInProbe';
import { createHttpClient, type HttpClient } from './http/httpClient';
import type { Logger } from '../services/logger';
import { PortalExportHandOff } from './portal/portalExportHandOff';
import { PortalHandOffCloser } from './portal/portalHandOff';
import { UserRealmClient } from './realm/userRealmClient';
import type { UserRealm } from '../services/userRealm';
import { DirectLineTokenExchange, type WebChatTokenSource } from './webchat/directLineTokenSource';

/** Outside calls: per-attempt timeout and retry budget (Graph and login answer in well under a second). */
const HTTP_TIMEOUT_MS = 10_000;
const HTTP_RETRY = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 8_000 };
/** Bounds one listing of an export's folder (a handful of blobs; the SDK retries failed pages within it). */
const EXPORT_LIST_TIMEOUT_MS = 30_000;

/**
 * What a local stand-in of Microsoft's services offers the adapters (the sandbox's published contract): the same
 * HTTP contracts at other base URLs, with its own credential, link signer and Direct Line secret.
 */
export interface StandInEndpoints {
  readonly graphBaseUrl: string;
  readonly loginBaseUrl: string;
  readonly portalUrl: string;
  readonly exportStorageLocation: string;
  readonly appCredential: TokenCredential;
  readonly linkSigner: DownloadLinkSigner;
  readonly directLine: { readonly baseUrl: string; readonly secret: string };
}

export interface Adapters {
  /** The one HTTP client (retry, timeouts, keep-alive) every outside call goes through. */
  readonly http: HttpClient;
  readonly directory: AccountDirectory;
  readonly realm: UserRealm;
  readonly closer: AccountCloser;
  readonly exporter: DataExporter;
  readonly signInProbe: GraphSignInProbe;
  /** Microsoft's "My data requests" page, or the sandbox's stand-in of it. */
  readonly portalUrl: string;
  /** Direct Line tokens for the web chat page; undefined without a secret (the token route answers 503). */
  readonly webChatTokens?: WebChatTokenSource;
}

export type AdapterSettings = Pick<BotConfig, 'directory' | 'closure' | 'export' | 'webchat'>;

/** The production adapters (Graph, user realm, portal hand-off, Direct Line), aimed at Microsoft or at a stand-in. */
export function createAdapters(
  settings: AdapterSettings,
  standIn: StandInEndpoints | undefined,
  deps: { readonly credential: CredentialSource; readonly logger: Logger },
): Adapters {
  const { logger } = deps;
  const http = createHttpClient({ logger: logger.child('http'), timeoutMs: HTTP_TIMEOUT_MS, retry: HTTP_RETRY });
  const graph = settings.directory.kind === 'graph' ? settings.directory : undefined;
  const graphBaseUrl = standIn?.graphBaseUrl ?? graph?.graphBaseUrl ?? '';
  const loginBaseUrl = standIn?.loginBaseUrl ?? graph?.loginBaseUrl ?? '';
  const credentials = standIn
    ? appCredentialProviderFromTokenCredential(standIn.appCredential, { logger: logger.child('credentials') })
    : // LOGIN_BASE_URL is the authority of the app tokens too, so a national cloud or a local stand-in gets these calls.
      lazyAppCredentials().createAppCredentialProvider(graph?.credential ?? { kind: 'default' }, {
        logger: logger.child('credentials'),
        authorityHost: loginBaseUrl || undefined,
      });
  // The sandbox plays Microsoft's "My data requests" page itself, so the hand-off runs end to end on a laptop.
  const portalUrl = standIn?.portalUrl ?? settings.closure.portalUrl;
  const scope = graphScopeFor(graphBaseUrl);
  const portal = settings.closure.kind === 'portal';
  const directLine = standIn
    ? standIn.directLine
    : { baseUrl: settings.webchat.directLineBaseUrl, secret: settings.webchat.directLineSecret };
  return {
    http,
    portalUrl,
    directory: new GraphAccountDirectory({ http, graphBaseUrl, logger: logger.child('directory') }),
    realm: new UserRealmClient({ http, loginBaseUrl, logger: logger.child('realm') }),
    closer: portal
      ? new PortalHandOffCloser({ portalUrl, logger: logger.child('closer') })
      : new GraphAccountCloser({ http, credentials, graphBaseUrl, scope, portalUrl, logger: logger.child('closer') }),
    exporter: portal
      ? new PortalExportHandOff({ portalUrl, logger: logger.child('exporter') })
      : new GraphDataExporter({
          http,
          credentials,
          graphBaseUrl,
          scope,
          storageLocation: standIn?.exportStorageLocation ?? settings.export.storageLocation ?? '',
          lister: exportBlobLister(settings.export.storageLocation, standIn?.exportStorageLocation, deps),
          signer: standIn?.linkSigner ?? productionLinkSigner(settings.export.storageLocation, deps),
          portalUrl,
          linkTtlMs: settings.export.linkTtlHours * 3_600_000,
          logger: logger.child('exporter'),
        }),
    signInProbe: new GraphSignInProbe({ http, graphBaseUrl, logger: logger.child('signInProbe') }),
    webChatTokens: directLine.secret
      ? new DirectLineTokenExchange({ http, baseUrl: directLine.baseUrl, secret: directLine.secret, logger: logger.child('webchat') })
      : undefined,
  };
}

/**
 * Lists the export container the operation wrote into. Azure: the app's managed identity (it needs a data-plane read
 * role, e.g. Storage Blob Data Reader, on the container); the sandbox: its List Blobs stand-in, anonymously.
 */
function exportBlobLister(
  configured: string | undefined,
  sandboxLocation: string | undefined,
  deps: { readonly credential: CredentialSource; readonly logger: Logger },
): ExportBlobLister {
  const location = sandboxLocation ?? configured;
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
      : new BlobServiceClient(`${url.protocol}//${url.host}`, deps.credential()).getContainerClient(
          decodeURIComponent(url.pathname.split('/').filter(Boolean)[0] ?? ''),
        );
  };
  const { ContainerBlobLister } = lazyExportBlobLister();
  return new ContainerBlobLister({ container, timeoutMs: EXPORT_LIST_TIMEOUT_MS, logger: deps.logger.child('exportBlobs') });
}

/** A read-only SAS for the user's export, signed with a user delegation key of the managed identity. */
function productionLinkSigner(
  location: string | undefined,
  deps: { readonly credential: CredentialSource; readonly logger: Logger },
): DownloadLinkSigner {
  if (!location)
    return {
      sign: async () => {
        throw new Error('EXPORT_STORAGE_LOCATION is not set');
      },
    };
  const account = new URL(location);
  const { BlobServiceClient } = lazily.storageBlob();
  const { BlobSasLinkSigner } = lazyBlobSasLinkSigner();
  const service = new BlobServiceClient(`${account.protocol}//${account.host}`, deps.credential());
  return new BlobSasLinkSigner({
    kind: 'userDelegation',
    logger: deps.logger.child('links'),
    keySource: {
      accountName: account.host.split('.')[0],
      getUserDelegationKey: (startsOn, expiresOn) => service.getUserDelegationKey(startsOn, expiresOn),
    },
  });
}

// The adapters that load @azure/identity or @azure/storage-blob at their top, required on first use (managedIdentity.ts).
/* eslint-disable @typescript-eslint/no-require-imports */
const lazyAppCredentials = () => require('./credentials/appCredentials') as typeof import('./credentials/appCredentials');
const lazyExportBlobLister = () => require('./blob/exportBlobLister') as typeof import('./blob/exportBlobLister');
const lazyBlobSasLinkSigner = () => require('./blob/blobSasLinkSigner') as typeof import('./blob/blobSasLinkSigner');
/* eslint-enable @typescript-eslint/no-require-imports */
