import type { VerifiedIdentity } from './identity';

/**
 * Where an export job is. `operationUrl` is the directory's own handle (Graph: the `Location` header); the
 * tenant is needed because its status is read with an app token of the user's tenant.
 */
export interface ExportHandle {
  readonly operationUrl: string;
  readonly tenantId: string;
}

export type ExportStatus =
  | { readonly kind: 'running' }
  | { readonly kind: 'ready'; readonly downloadUrl: string; readonly expiresAt: Date }
  | { readonly kind: 'failed'; readonly reason: string };

/**
 * Exports a user's personal data. Production: Graph `POST /users/{id}/exportPersonalData` into a storage
 * container and `GET /dataPolicyOperations/{id}` for status; sandbox: the same contract on loopback.
 */
export interface DataExporter {
  /** @throws AppError `EXPORT_UNAVAILABLE` when the request cannot be made. */
  start(identity: Pick<VerifiedIdentity, 'objectId' | 'tenantId'>, options: { readonly requestId: string }): Promise<ExportHandle>;
  /** @throws AppError `EXPORT_UNAVAILABLE` when the status cannot be read. */
  status(handle: ExportHandle): Promise<ExportStatus>;
}

/**
 * Turns the URL of an exported file into a time-limited read link for the user. Production: an Azure Blob
 * SAS; sandbox: the sandbox storage's own signature.
 */
export interface DownloadLinkSigner {
  sign(blobUrl: string, expiresAt: Date): Promise<string>;
}
