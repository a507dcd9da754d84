import path from 'node:path';
import type { ContainerClient } from '@azure/storage-blob';
import { MemoryStorage, PrivateConversationState, type Storage } from 'botbuilder';
import type { BotConfig, StorageConfig } from '../../config/config';
import type { CredentialSource } from '../../adapters/credentials/managedIdentity';
import type { Logger } from '../../services/logger';
import { blobPipelineOptions } from '../../adapters/storage/openStores';
import { FileStorage } from './fileStorage';
import { RecoveringStorage } from './recoveringStorage';
import { BlobStateExpiry, FileStateExpiry, type StateExpiry } from './stateExpiry';

export interface BotState {
  /** botbuilder Storage for conversation state (and the closure channel's deletes). */
  readonly storage: Storage;
  /** Dialog state and progress per user in each conversation (never shared by a group chat's members). */
  readonly state: PrivateConversationState;
  /** Where idle conversation state is swept; none for memory (MemoryStorage forgets on restart anyway). */
  readonly expiry?: StateExpiry;
}

/** Conversation state on STORAGE: memory, files under `<dir>/state`, or BlobsStorage in the state container. */
export function createBotState(
  settings: Pick<BotConfig, 'storage' | 'conversationStateTtlDays'>,
  deps: {
    readonly container?: ContainerClient;
    readonly credential: CredentialSource;
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

function stateStorage(
  settings: StorageConfig,
  deps: { readonly container?: ContainerClient; readonly credential: CredentialSource; readonly logger: Logger },
): Storage {
  switch (settings.kind) {
    case 'memory':
      return new MemoryStorage();
    case 'file':
      return new FileStorage({ dir: path.join(settings.dir, 'state'), logger: deps.logger.child('state') });
    case 'blob': {
      const { BlobsStorage } = lazyBlobsStorage();
      const { connectionString, container: name } = settings;
      // Built again after a failure: BlobsStorage keeps its first failed container set-up (recoveringStorage.ts).
      return new RecoveringStorage(
        () =>
          connectionString
            ? new BlobsStorage(connectionString, name, { storagePipelineOptions: blobPipelineOptions(settings) })
            : new BlobsStorage('', name, { storagePipelineOptions: blobPipelineOptions(settings) }, deps.container?.url, deps.credential()),
        deps.logger.child('state'),
      );
    }
  }
}

/** botbuilder-azure-blobs loads @azure/storage-blob: required on first use, like the Azure SDKs (managedIdentity.ts). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lazyBlobsStorage = () => require('botbuilder-azure-blobs') as typeof import('botbuilder-azure-blobs');
