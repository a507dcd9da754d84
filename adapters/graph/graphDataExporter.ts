import type { AppCredentialProvider } from '../credentials/appCredentials';
import type {
  DataExporter,
  DownloadLinkSigner,
  ExportBlobLister,
  ExportFile,
  ExportHandle,
  ExportStatus,
} from '../../services/dataExporter';
import { AppError } from '../../services/errors';
import type { HttpClient } from '../http/httpClient';
import type { VerifiedIdentity } from '../../services/identity';
import type { Logger } from '../../services/logger';
import { isHttpError } from '../http/httpError';
import { exportHandOff } from '../portal/portalExportHandOff';
import { clientRequestIdFor, graphUrl, GUID_PATTERN, wrapGraphFailure } from './graphSupport';

export interface GraphDataExporterOptions {
  readonly http: HttpClient;
  readonly credentials: AppCredentialProvider;
  readonly graphBaseUrl: string;
  /** App token scope; `graphScopeFor(graphBaseUrl)` in practice. */
  readonly scope: string;
  /** The storage container Graph writes exports into (its URL; a SAS query string is allowed and sent to Graph only). */
  readonly storageLocation: string;
  /** Lists the export container (the one `storageLocation` names); the operation's files are under `{operationId}/`. */
  readonly lister: ExportBlobLister;
  readonly signer: DownloadLinkSigner;
  /** Microsoft's "My data requests" page: where the user exports when the bot may not (no app token, 403, 404). */
  readonly portalUrl: string;
  /** How long a download link stays valid. */
  readonly linkTtlMs: number;
  readonly now?: () => Date;
  readonly logger: Logger;
}

/**
 * Personal data export through Graph: `POST /users/{id}/exportPersonalData`
 * (https://learn.microsoft.com/graph/api/user-exportpersonaldata) answers 202 with a `Location` of a
 * `dataPolicyOperation` (https://learn.microsoft.com/graph/api/datapolicyoperation-get) to poll. These endpoints
 * throttle with 429 and no `Retry-After`; the HTTP client's backoff covers that.
 *
 * What the export writes: Graph documents only that `storageLocation` is "a shared access signature (SAS) URL to an
 * Azure Storage account, to where data should be exported" and that the operation's `storageLocation` is "the URL
 * location to where data is being exported". It documents no file name, count or format. What is known of real
 * exports is a set of blobs in a folder named for the operation (`{container}/{operationId}/`; issue 9's finding),
 * so the bot lists that folder once the operation is complete and links every blob it finds, claiming nothing
 * about their names or contents, and says so when the folder is empty.
 */
export class GraphDataExporter implements DataExporter {
  private readonly logger: Logger;
  private readonly now: () => Date;

  constructor(private readonly options: GraphDataExporterOptions) {
    this.logger = options.logger;
    this.now = options.now ?? (() => new Date());
  }

  async start(identity: Pick<VerifiedIdentity, 'objectId' | 'tenantId'>, options: { readonly requestId: string }): Promise<ExportHandle> {
    const { objectId, tenantId } = identity;
    const { requestId } = options;
    if (!GUID_PATTERN.test(objectId) || !GUID_PATTERN.test(tenantId))
      throw new AppError('EXPORT_UNAVAILABLE', `object id or tenant id is not a GUID (request "${requestId}")`);
    let token: string;
    try {
      token = await this.options.credentials.getToken(tenantId, this.options.scope);
    } catch (error) {
      // No service principal in the user's tenant (AADSTS7000229 in an unmanaged tenant): the user exports on the page.
      this.logger.warn('no app token for the export; handing off to the portal', { requestId, tenantId, error });
      throw exportHandOff(this.options.portalUrl, `no app token for tenant "${tenantId}" (request "${requestId}")`, error);
    }
    let location: string | null;
    try {
      const response = await this.options.http.request({
        method: 'POST',
        url: graphUrl(this.options.graphBaseUrl, `/v1.0/users/${objectId}/exportPersonalData`),
        headers: { authorization: `Bearer ${token}`, 'client-request-id': clientRequestIdFor(requestId, 'export') },
        body: { storageLocation: this.options.storageLocation },
        operation: 'graph.exportPersonalData',
        // A repeated POST would start a second export job: only throttled or unsent attempts are repeated.
        idempotent: false,
      });
      location = response.status === 202 ? response.headers.get('location') : null;
    } catch (error) {
      // 403: no User.Export.All here; 404: the user is not in the token's tenant (Graph's cross-tenant answer).
      if (isHttpError(error, 403) || isHttpError(error, 404)) {
        this.logger.warn('Graph refused the export; handing off to the portal', { requestId, tenantId, status: error.status });
        throw exportHandOff(this.options.portalUrl, `Graph refused the export with ${error.status} (request "${requestId}")`, error);
      }
      throw wrapGraphFailure(error, 'EXPORT_UNAVAILABLE', `starting the export (request "${requestId}")`);
    }
    if (!location || !this.isGraphUrl(location)) {
      throw new AppError('EXPORT_UNAVAILABLE', `Graph accepted the export without a usable Location (request "${requestId}")`);
    }
    this.logger.info('export requested', { requestId, objectId, tenantId });
    return { operationUrl: location, tenantId };
  }

  async status(handle: ExportHandle): Promise<ExportStatus> {
    const { operationUrl: url, tenantId } = handle;
    // The app token goes only to Graph itself, never to a URL a stored handle could have been tampered into.
    if (!GUID_PATTERN.test(tenantId) || !this.isGraphUrl(url))
      throw new AppError('EXPORT_UNAVAILABLE', 'the export handle is not one this exporter issued');
    const token = await this.appToken(tenantId, 'status');
    let body: unknown;
    try {
      const response = await this.options.http.request({
        method: 'GET',
        url,
        headers: { authorization: `Bearer ${token}` },
        operation: 'graph.getDataPolicyOperation',
        idempotent: true,
      });
      body = response.body;
    } catch (error) {
      throw wrapGraphFailure(error, 'EXPORT_UNAVAILABLE', 'reading the export status');
    }
    return this.readStatus(body);
  }

  private async readStatus(body: unknown): Promise<ExportStatus> {
    const { id, status } = (typeof body === 'object' && body !== null ? body : {}) as { id?: unknown; status?: unknown };
    if (typeof id !== 'string' || !GUID_PATTERN.test(id))
      throw new AppError('EXPORT_UNAVAILABLE', 'unexpected export status: no operation id');
    switch (status) {
      case 'notStarted':
      case 'running':
        return { kind: 'running' };
      case 'failed':
        this.logger.warn(`export "${id}" failed in the directory`, { operationId: id });
        return { kind: 'failed', reason: 'the directory reported the export as failed' };
      case 'complete': {
        const expiresAt = new Date(this.now().getTime() + this.options.linkTtlMs);
        const files = await this.signedFiles(id, expiresAt);
        this.logger.info(`export "${id}" ready`, { operationId: id, files: files.length, expiresAt: expiresAt.toISOString() });
        return { kind: 'ready', files, expiresAt };
      }
      default:
        throw new AppError('EXPORT_UNAVAILABLE', `unexpected export status "${String(status).slice(0, 40)}"`);
    }
  }

  /** Every blob under `{operationId}/`, each with its own read-only link; none found is an empty list, said as such. */
  private async signedFiles(operationId: string, expiresAt: Date): Promise<ExportFile[]> {
    const prefix = `${operationId}/`;
    const blobs = await this.options.lister.list(prefix);
    const files: ExportFile[] = [];
    for (const blob of blobs) {
      if (!blob.name.startsWith(prefix) || blob.name.length === prefix.length) continue;
      let downloadUrl: string;
      try {
        downloadUrl = await this.options.signer.sign(blob.url, expiresAt);
      } catch (error) {
        throw new AppError('EXPORT_UNAVAILABLE', `export "${operationId}" is complete but a download link could not be signed`, {
          cause: error,
        });
      }
      files.push({ name: blob.name.slice(prefix.length), sizeBytes: blob.sizeBytes, downloadUrl });
    }
    if (files.length === 0) this.logger.warn(`export "${operationId}" is complete but its folder holds no files`, { operationId });
    return files;
  }

  private async appToken(tenantId: string, requestId: string): Promise<string> {
    try {
      return await this.options.credentials.getToken(tenantId, this.options.scope);
    } catch (error) {
      throw new AppError('EXPORT_UNAVAILABLE', `no app token for tenant "${tenantId}" (request "${requestId}")`, { cause: error });
    }
  }

  private isGraphUrl(url: string): boolean {
    const base = this.options.graphBaseUrl.replace(/\/+$/, '');
    return URL.canParse(url) && new URL(url).origin === new URL(base).origin && new URL(url).pathname.startsWith(new URL(base).pathname);
  }
}
