import path from 'node:path';
import type { ContainerClient } from '@azure/storage-blob';
import { MemoryStorage, PrivateConversationState, type Storage } from 'botbuilder';
import type { BotConfig, StorageConfig } from '../../config/config';
import type { Logger } from '../../services/logger';
import { AppError } from '../../services/errors';
import { BlobStateStorage } from './blobStateStorage';
import { FileStorage } from './fileStorage';
import { BlobStateExpiry, FileStateExpiry, type StateExpiry } from './stateExpiry';

export interface BotState {
  /** botbuilder Storage for conversation state (and the closure channel's deletes). */
  readonly storage: Storage;
  /** Dialog state and progress per user in each conversation (never shared by a group chat's members). */
  readonly state: PrivateConversationState;
  /** Where idle conversation state is swept; none for memory (MemoryStorage forgets on restart anyway). */
  readonly expiry?: StateExpiry;
}

/** Conversation state on STORAGE: memory, files under `<dir>/state`, or blobs in the records' container. */
export function createBotState(
  settings: Pick<BotConfig, 'storage' | 'conversationStateTtlDays'>,
  deps: {
    /** STORAGE=blob: the records' container client (openStores), which the state shares. */
    readonly container?: ContainerClient;
    readonly clock: () => Date;
    readonly logger: Logger;
  },
): BotState {
  const storage = stateStorage(settings.storage, deps);
  const options = { ttlMs: settings.conversationStateTtlDays * 86_400_000, clock: deps.clock, logger: deps.logger.child('state') };
  const expiry =
    settings.storage.kind === 'file'
      ? new FileStateExpiry(path.join(settings.storage.dir, 'state'), options)
      : settings.storage.kind === 'blob' && deps.container
        ? new BlobStateExpiry(deps.container, options)
        : undefined;
  return { storage, state: new PrivateConversationState(storage), expiry };
}

function stateStorage(settings: StorageConfig, deps: { readonly container?: ContainerClient; readonly logger: Logger }): Storage {
  switch (settings.kind) {
    case 'memory':
      return new MemoryStorage();
    case 'file':
      return new FileStorage({ dir: path.join(settings.dir, 'state'), logger: deps.logger.child('state') });
    case 'blob':
      // The same blobs botbuilder-azure-blobs' BlobsStorage wrote, on the records' client (blobStateStorage.ts, issue 22).
      if (!deps.container) throw new AppError('CONFIG_INVALID', 'STORAGE=blob needs the container client of the stores');
      return new BlobStateStorage({ containerClient: deps.container });
  }
}
