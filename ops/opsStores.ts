import { DefaultAzureCredential } from '@azure/identity';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import type { BotConfig } from '../config/config';
import type { AuditEvent } from '../services/auditTrail';
import { createStores } from '../adapters/storage/createStores';

/** What the operator's command reads: the audit trail and record kinds, through the bot's own store adapters. */
export interface OpsStores {
  readAudit(): Promise<AuditEvent[]>;
  /** Every record of a kind, as stored; a kind nothing wrote yet is empty. */
  listRecords(kind: string): Promise<Array<{ readonly id: string; readonly value: unknown }>>;
  readonly where: string;
}

/**
 * The stores the bot's settings name (STORAGE, DATA_DIR, STORAGE_BLOB_*), opened with the same adapters the bot
 * uses. Only reads are called. With STORAGE_BLOB_ACCOUNT_URL the operator's own Entra sign-in is used
 * (DefaultAzureCredential: `az login`), which needs Storage Blob Data Contributor on the account: the adapters make
 * sure their container exists first (create-if-missing, a no-op on an existing one), which a reader role is refused.
 */
export function openOpsStores(config: BotConfig): OpsStores {
  if (config.storage.kind === 'memory')
    throw new Error('STORAGE=memory keeps nothing to report on: set STORAGE=file or blob as the bot has it');
  if (config.storage.kind === 'file') {
    const stores = createStores({ kind: 'file', dir: config.storage.dir });
    return { readAudit: () => stores.audit.readAll(), listRecords: (kind) => listOf(stores.records(kind)), where: config.storage.dir };
  }
  const storage = config.storage;
  const service = storage.connectionString
    ? BlobServiceClient.fromConnectionString(storage.connectionString)
    : new BlobServiceClient(storage.accountUrl ?? '', new DefaultAzureCredential());
  const container: ContainerClient = service.getContainerClient(storage.container);
  const auditContainerClient = storage.auditContainer ? service.getContainerClient(storage.auditContainer) : undefined;
  const stores = createStores({ kind: 'blob', containerClient: container, auditContainerClient });
  return {
    readAudit: () => stores.audit.readAll(),
    listRecords: (kind) => listOf(stores.records(kind)),
    where: `${container.url}${auditContainerClient ? ` (audit: ${auditContainerClient.containerName})` : ''}`,
  };
}

/** `list()` where the store has it; a store that pages (`scan()`) is read page by page. */
async function listOf(store: unknown): Promise<Array<{ id: string; value: unknown }>> {
  const paged = store as { scan?: () => AsyncIterable<Array<{ id: string; record?: { value: unknown } }>> };
  if (typeof paged.scan === 'function') {
    const all: Array<{ id: string; value: unknown }> = [];
    for await (const page of paged.scan()) for (const item of page) if (item.record) all.push({ id: item.id, value: item.record.value });
    return all;
  }
  const listed = await (store as { list: () => Promise<Array<{ id: string; value: unknown }>> }).list();
  return listed.map(({ id, value }) => ({ id, value }));
}
