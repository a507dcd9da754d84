import type { ContainerClient } from '@azure/storage-blob';
import type { ExportBlobLister, ListedBlob } from '../../services/dataExporter';
import { AppError } from '../../services/errors';
import type { Logger } from '../../services/logger';

export interface ContainerBlobListerOptions {
  /**
   * The export container, built with the app's storage credential (or anonymous for the sandbox's stand-in); or a
   * function that builds it, called on the first listing, so a start-up that never lists (every start, until an
   * export is ready) does not load @azure/storage-blob (docs/performance.md, "Start").
   */
  readonly container: ContainerClient | (() => ContainerClient);
  /** Per listing: the SDK's own retry policy repeats failed pages; this bounds the whole call. */
  readonly timeoutMs: number;
  /** A Graph export of one person is a handful of files; more than this is not an export the bot wrote. */
  readonly maxBlobs?: number;
  readonly logger: Logger;
}

const DEFAULT_MAX_BLOBS = 1_000;

/**
 * Lists an export operation's folder with `listBlobsFlat({ prefix })` (List Blobs,
 * https://learn.microsoft.com/rest/api/storageservices/list-blobs). The SDK follows `NextMarker` pages itself.
 */
export class ContainerBlobLister implements ExportBlobLister {
  private readonly logger: Logger;
  private built?: ContainerClient;

  constructor(private readonly options: ContainerBlobListerOptions) {
    this.logger = options.logger;
  }

  async list(prefix: string): Promise<readonly ListedBlob[]> {
    const { timeoutMs } = this.options;
    let container: ContainerClient;
    try {
      container = this.container();
    } catch (error) {
      throw new AppError('EXPORT_UNAVAILABLE', 'the export container client could not be built', { cause: error });
    }
    const max = this.options.maxBlobs ?? DEFAULT_MAX_BLOBS;
    const found: ListedBlob[] = [];
    try {
      for await (const blob of container.listBlobsFlat({ prefix, abortSignal: AbortSignal.timeout(timeoutMs) })) {
        if (found.length >= max) throw new AppError('EXPORT_UNAVAILABLE', `more than ${max} blobs under the export folder`);
        found.push({
          name: blob.name,
          url: container.getBlobClient(blob.name).url,
          sizeBytes: blob.properties.contentLength ?? 0,
        });
      }
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError('EXPORT_UNAVAILABLE', `the export container "${container.containerName}" could not be listed`, { cause: error });
    }
    this.logger.info('export folder listed', { container: container.containerName, blobs: found.length });
    return found;
  }

  private container(): ContainerClient {
    const { container } = this.options;
    this.built ??= typeof container === 'function' ? container() : container;
    return this.built;
  }
}
