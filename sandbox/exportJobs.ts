import { randomUUID } from 'node:crypto';
import type { Logger } from './logger';
import type { SandboxDirectory } from './directory';
import type { ExportOperation, UserRecord } from './directoryRecords';
import type { BlobAddress, BlobFiles } from './storage';

/**
 * The files a sandbox export writes under `{container}/{opId}/`, one JSON file per data category. Graph documents
 * no names or layout for its export (only that it goes to the `storageLocation` container), so these names are the
 * sandbox's own; the bot lists the folder rather than expecting any of them.
 */
export const EXPORT_FILE_NAMES = ['profile.json', 'organization.json', 'export-info.json'] as const;

/** Graph `dataPolicyOperation`, https://learn.microsoft.com/graph/api/resources/datapolicyoperation */
export interface DataPolicyOperationView {
  readonly id: string;
  readonly status: 'notStarted' | 'running' | 'complete' | 'failed';
  readonly storageLocation: string;
  readonly userId: string;
  readonly submittedDateTime: string;
  readonly completedDateTime: string | null;
  readonly progress: number;
}

export interface ExportJobsOptions {
  readonly directory: SandboxDirectory;
  readonly blobs: BlobFiles;
  readonly exportDelayMs: number;
  readonly logger: Logger;
}

/**
 * Export jobs without timers: a job's status is computed from the clock when read, and its file is written the
 * first time it reads as complete. Closure removes a user's files once every download link to them has expired.
 */
export class ExportJobs {
  constructor(private readonly options: ExportJobsOptions) {}

  async submit(user: UserRecord, storageLocation: string, container: string): Promise<ExportOperation> {
    const { directory, exportDelayMs } = this.options;
    const now = directory.now();
    const operation: ExportOperation = {
      id: randomUUID(),
      userId: user.id,
      tenantId: user.tenantId,
      storageLocation,
      container,
      submittedAt: now.toISOString(),
      completesAt: new Date(now.getTime() + exportDelayMs).toISOString(),
      outcome: 'pending',
    };
    await directory.update((state) => (state.exports[operation.id] = operation));
    this.options.logger.info(`export "${operation.id}" submitted`, { userId: user.id });
    return operation;
  }

  async read(operation: ExportOperation): Promise<DataPolicyOperationView> {
    await this.settle(operation);
    const now = this.options.directory.now().getTime();
    const submitted = Date.parse(operation.submittedAt);
    const total = Math.max(1, Date.parse(operation.completesAt) - submitted);
    const fraction = Math.min(1, Math.max(0, (now - submitted) / total));
    const done = operation.outcome !== 'pending';
    return {
      id: operation.id,
      status: operation.outcome === 'failed' ? 'failed' : done ? 'complete' : fraction < 0.1 ? 'notStarted' : 'running',
      storageLocation: operation.storageLocation,
      userId: operation.userId,
      submittedDateTime: operation.submittedAt,
      completedDateTime: done ? operation.completesAt : null,
      progress: done ? 100 : Math.floor(fraction * 100),
    };
  }

  /** On closure: finish what had completed, fail what had not, and schedule the files' removal. */
  async closeUser(userId: string): Promise<void> {
    const { directory } = this.options;
    const now = directory.now().toISOString();
    for (const operation of Object.values(directory.state.exports).filter((o) => o.userId === userId)) {
      await this.settle(operation);
      const linksExpireAt = operation.linksExpireAt ?? now;
      operation.purgeAfter = linksExpireAt > now ? linksExpireAt : now;
    }
    await directory.save();
    await this.purgeDue();
  }

  /** Deletes the files of closed users whose download links have all expired. Cheap when there is nothing to do. */
  async purgeDue(): Promise<void> {
    const { directory, blobs } = this.options;
    const now = directory.now().toISOString();
    const due = Object.values(directory.state.exports).filter(
      (o) => o.purgeAfter !== undefined && o.purgeAfter <= now && o.outcome === 'written',
    );
    for (const operation of due) {
      await blobs.deletePrefix(operation.container, operation.id);
      operation.outcome = 'purged';
      this.options.logger.info(`export "${operation.id}" files deleted after closure`);
    }
    if (due.length > 0) await directory.save();
  }

  /** Remembers the latest link expiry for the export owning `address`. */
  async linkSigned(address: BlobAddress, expiresAt: Date): Promise<void> {
    const operation = this.options.directory.state.exports[address.blob.split('/')[0] ?? ''];
    if (!operation || operation.container !== address.container) return;
    const iso = expiresAt.toISOString();
    if (operation.linksExpireAt === undefined || iso > operation.linksExpireAt) {
      operation.linksExpireAt = iso;
      if (operation.purgeAfter !== undefined && iso > operation.purgeAfter) operation.purgeAfter = iso;
      await this.options.directory.save();
    }
  }

  /** Moves a pending job to written or failed once its time has come. */
  private async settle(operation: ExportOperation): Promise<void> {
    const { directory, blobs } = this.options;
    if (operation.outcome !== 'pending' || Date.parse(operation.completesAt) > directory.now().getTime()) return;
    const user = directory.user(operation.userId);
    const tenant = directory.tenant(operation.tenantId);
    const closedFirst = user?.status !== 'active' && (user?.deletedAt ?? '') < operation.completesAt;
    if (!user || !tenant || closedFirst) {
      operation.outcome = 'failed';
    } else {
      const files: Record<(typeof EXPORT_FILE_NAMES)[number], unknown> = {
        'profile.json': { id: user.id, userPrincipalName: user.upn, displayName: user.displayName, mail: user.upn },
        'organization.json': { id: tenant.id, displayName: tenant.displayName, verifiedDomains: tenant.domains },
        'export-info.json': {
          exportedDateTime: operation.completesAt,
          note: 'Sandbox export: the personal data the sandbox directory holds about this user.',
        },
      };
      for (const name of EXPORT_FILE_NAMES) {
        await blobs.write({ container: operation.container, blob: `${operation.id}/${name}` }, JSON.stringify(files[name], null, 2));
      }
      operation.outcome = 'written';
    }
    await directory.save();
    this.options.logger.info(`export "${operation.id}" ${operation.outcome}`);
  }
}
