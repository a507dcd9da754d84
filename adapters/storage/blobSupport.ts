import type { ContainerClient } from '@azure/storage-blob';
import { AppError, isAppError } from '../../services/errors';

/** One create-if-missing per container per process, shared by every store on it; a failure is retried next call. */
const containersReady = new WeakMap<ContainerClient, Promise<void>>();

export function ensureContainer(containerClient: ContainerClient): Promise<void> {
  let ready = containersReady.get(containerClient);
  if (!ready) {
    ready = containerClient.createIfNotExists().then(
      () => undefined,
      (error: unknown) => {
        containersReady.delete(containerClient);
        throw toStorageError(error, `cannot create container "${containerClient.containerName}"`);
      },
    );
    containersReady.set(containerClient, ready);
  }
  return ready;
}

/** The HTTP status of a `RestError` from the storage SDK; undefined for network failures (no response). */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Maps a storage SDK failure: 409 (exists) and 412 (condition not met) are lost races, everything else (network,
 * throttling, 5xx after the SDK's own retries, auth) means the store cannot be used right now.
 * https://learn.microsoft.com/rest/api/storageservices/specifying-conditional-headers-for-blob-service-operations
 */
export function toStorageError(error: unknown, detail: string): AppError {
  if (isAppError(error)) return error;
  const status = statusOf(error);
  const code = serviceCodeOf(error);
  if (isLostRace(status, code)) return new AppError('RECORD_CONFLICT', `${detail} (HTTP ${status})`, { cause: error });
  const why = status === undefined ? `network error${code ? ` ${code}` : ''}` : `HTTP ${status}${code ? ` ${code}` : ''}`;
  return new AppError('STORAGE_UNAVAILABLE', `${detail} (${why})`, { cause: error });
}

/**
 * Only a condition that was not met is a lost race: 412 (`ConditionNotMet`, If-Match) and 409 `BlobAlreadyExists`
 * (If-None-Match: *). Other 409s are the store refusing for its own reasons (`BlockCountExceedsLimit` on a full
 * append blob, `ContainerBeingDeleted`, legal holds...): never told to a person as "someone else changed this".
 * https://learn.microsoft.com/rest/api/storageservices/blob-service-error-codes
 */
function isLostRace(status: number | undefined, code: string | undefined): boolean {
  if (status === 412) return code === undefined || code === 'ConditionNotMet' || code === 'TargetConditionNotMet';
  return status === 409 && (code === undefined || code === 'BlobAlreadyExists');
}

/** The service's error code (`x-ms-error-code`, e.g. `BlobAlreadyExists`) as the storage SDK reports it. */
export function serviceCodeOf(error: unknown): string | undefined {
  const code =
    (error as { code?: unknown; details?: { errorCode?: unknown } } | null)?.details?.errorCode ??
    (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export async function readBody(stream: NodeJS.ReadableStream | undefined): Promise<Buffer> {
  if (!stream) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}
