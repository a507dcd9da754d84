import { constants as fsConstants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import type { ContainerClient, StoragePipelineOptions } from '@azure/storage-blob';
import type { StorageConfig } from '../../config/config';
import type { AuditTrail } from '../../services/auditTrail';
import { lazily, type CredentialSource } from '../credentials/managedIdentity';
import type { Logger } from '../../services/logger';
import { sweepStaleTempFiles } from './atomicFile';
import { createStores, type Stores } from './createStores';
import { BatchedAuditTrail } from './batchedAuditTrail';
import { logAuditEvents } from './loggedAuditTrail';

/** The record stores and the audit trail, whose each event also becomes a log line (type and request id only) for the workbook and the alerts. */
export interface OpenStores extends Stores {
  /** STORAGE=blob: the state container (bot state and its expiry live there too). */
  readonly container?: ContainerClient;
  /** What /readyz asks of the storage: one cheap call that needs the store to answer (memory always does). */
  readonly probe: () => Promise<void>;
  /** STORAGE=file: removes the temp files a crash left (the background work's `tempFiles` job). */
  readonly sweepTempFiles?: () => Promise<number>;
}

/** The durable stores of STORAGE (memory, file or Blob): records, the audit trail, readiness and crash leftovers. */
export async function openStores(
  settings: StorageConfig,
  deps: { readonly credential: CredentialSource; readonly clock: () => Date; readonly logger: Logger },
): Promise<OpenStores> {
  const { logger, clock } = deps;
  switch (settings.kind) {
    case 'memory': {
      const stores = createStores({ kind: 'memory' });
      return { ...stores, audit: auditOf(stores, logger), probe: async () => undefined };
    }
    case 'file': {
      const dir = settings.dir;
      // A process killed between a temp file's write and its rename leaves the record's content behind: swept here at
      // start-up, and by the background work's `tempFiles` job after.
      await sweepStaleTempFiles(dir, clock(), logger.child('storage'));
      const stores = createStores({ kind: 'file', dir, logger });
      return {
        ...stores,
        audit: auditOf(stores, logger),
        probe: async () => {
          await mkdir(dir, { recursive: true });
          await access(dir, fsConstants.W_OK);
        },
        sweepTempFiles: () => sweepStaleTempFiles(dir, clock(), logger.child('storage')),
      };
    }
    case 'blob': {
      const container = blobContainer(settings, settings.container, deps.credential);
      // STORAGE_BLOB_AUDIT_CONTAINER: the audit trail's own container (with its own immutability policy).
      const auditContainerClient = settings.auditContainer ? blobContainer(settings, settings.auditContainer, deps.credential) : undefined;
      const stores = createStores({ kind: 'blob', containerClient: container, auditContainerClient, logger });
      return {
        ...stores,
        audit: auditOf(stores, logger),
        container,
        probe: async () => void (await container.exists()),
      };
    }
  }
}

/** A turn's events are written together (adapters/storage/batchedAuditTrail.ts, issue 22), each logged once written. */
function auditOf(stores: Stores, logger: Logger): AuditTrail {
  return new BatchedAuditTrail(logAuditEvents(stores.audit, logger.child('audit')));
}

function blobContainer(settings: StorageConfig & { kind: 'blob' }, name: string, credential: CredentialSource): ContainerClient {
  const { BlobServiceClient } = lazily.storageBlob();
  const options = blobPipelineOptions(settings);
  const service = settings.connectionString
    ? BlobServiceClient.fromConnectionString(settings.connectionString, options)
    : new BlobServiceClient(settings.accountUrl ?? '', credential(), options);
  return service.getContainerClient(name);
}

/** The Blob SDK's retry policy with STORAGE_BLOB_RETRY_DELAY_MS; every other option (tries, cap, timeout) the SDK's default. */
export function blobPipelineOptions(settings: StorageConfig & { kind: 'blob' }): StoragePipelineOptions {
  return { retryOptions: { retryDelayInMs: settings.retryDelayMs } };
}
