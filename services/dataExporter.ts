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
  /** `files` may be empty: the operation completed and wrote nothing, which the user is told as it is. */
  | { readonly kind: 'ready'; readonly files: readonly ExportFile[]; readonly expiresAt: Date }
  | { readonly kind: 'failed'; readonly reason: string };

/** One blob the export wrote, with its own signed, expiring read link. `name` is relative to the operation's folder. */
export interface ExportFile {
  readonly name: string;
  readonly sizeBytes: number;
  readonly downloadUrl: string;
}

/** A blob found under a prefix of the export container: its full name, unsigned URL and size. */
export interface ListedBlob {
  readonly name: string;
  readonly url: string;
  readonly sizeBytes: number;
}

/**
 * Lists the blobs under a prefix of the export container. Production: `ContainerClient.listBlobsFlat({ prefix })`
 * against Azure Blob storage; the sandbox answers the same List Blobs REST call.
 */
export interface ExportBlobLister {
  /** @throws AppError `EXPORT_UNAVAILABLE` when the container cannot be listed. */
  list(prefix: string): Promise<readonly ListedBlob[]>;
}

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
