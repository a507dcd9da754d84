import { join } from 'node:path';
import type { ContainerClient } from '@azure/storage-blob';
import type { AuditTrail } from '../../services/auditTrail';
import { AppError } from '../../services/errors';
import { silentLogger, type Logger } from '../../services/logger';
import type { RecordStore } from '../../services/recordStore';
import { BlobAuditTrail } from './blobAuditTrail';
import { BlobRecordStore } from './blobRecordStore';
import { FileRecordStore } from './fileRecordStore';
import { JsonlAuditTrail } from './jsonlAuditTrail';
import { MemoryAuditTrail } from './memoryAuditTrail';
import { MemoryRecordStore } from './memoryRecordStore';
import { assertRecordId } from './recordId';
import { TurnCachedRecordStore } from './turnCachedRecordStore';

export type StoresOptions = (
  | { readonly kind: 'memory' }
  /** `dir/<name>/<id>.json` per record, `dir/audit/audit.jsonl` for the trail. */
  | { readonly kind: 'file'; readonly dir: string }
  /**
   * Blobs `<name>/<id>.json` per record, append blobs `audit/<day>/<hour>/<instance>-<n>.jsonl` for the trail, in `auditContainerClient`
   * when given (STORAGE_BLOB_AUDIT_CONTAINER: a container with its own immutability policy), else in `containerClient`.
   */
  | { readonly kind: 'blob'; readonly containerClient: ContainerClient; readonly auditContainerClient?: ContainerClient }
) & { readonly logger?: Logger };

export interface Stores {
  /** The store of one record kind (e.g. `closureRequests`, `exportJobs`); the same name gives the same store. */
  records<T>(name: string): RecordStore<T>;
  readonly audit: AuditTrail;
}

/** The trail's own folder / prefix; no record kind may take it. */
const AUDIT_NAME = 'audit';

export function createStores(options: StoresOptions): Stores {
  const logger = options.logger ?? silentLogger;
  const byName = new Map<string, RecordStore<unknown>>();
  const build = storeBuilder(options, logger);
  return {
    records<T>(name: string): RecordStore<T> {
      assertRecordId(name, 'record kind');
      if (name === AUDIT_NAME) throw new AppError('RECORD_ID_INVALID', `record kind "${AUDIT_NAME}" is reserved for the audit trail`);
      let store = byName.get(name);
      if (!store) {
        // A record read or written in a turn is not read again in that turn (issue 22: Blob requests per closure).
        store = new TurnCachedRecordStore(build(name));
        byName.set(name, store);
      }
      return store as RecordStore<T>;
    },
    audit: createAudit(options, logger),
  };
}

function storeBuilder(options: StoresOptions, logger: Logger): (name: string) => RecordStore<unknown> {
  switch (options.kind) {
    case 'memory':
      return () => new MemoryRecordStore<unknown>();
    case 'file':
      return (name) => new FileRecordStore<unknown>({ dir: join(options.dir, name), logger });
    case 'blob':
      return (name) => new BlobRecordStore<unknown>({ containerClient: options.containerClient, prefix: `${name}/` });
  }
}

function createAudit(options: StoresOptions, logger: Logger): AuditTrail {
  switch (options.kind) {
    case 'memory':
      return new MemoryAuditTrail();
    case 'file':
      return new JsonlAuditTrail({ file: join(options.dir, AUDIT_NAME, 'audit.jsonl'), logger });
    case 'blob':
      return new BlobAuditTrail({
        containerClient: options.auditContainerClient ?? options.containerClient,
        prefix: `${AUDIT_NAME}/`,
        logger,
      });
  }
}
