import type { AuditTrail } from './auditTrail';
import { accountKey } from './closureRequest';
import type { DataExporter, ExportFile } from './dataExporter';
import { isAppError } from './errors';
import type { VerifiedIdentity } from './identity';
import type { Logger } from './logger';
import type { RecordStore, StoredRecord } from './recordStore';

/** One data export per account at a time, durable so a restart or another instance can finish watching it. */
export interface ExportJob {
  readonly exportId: string;
  readonly objectId: string;
  readonly tenantId: string;
  readonly channelUserId: string;
  /** Opaque conversation reference for the "ready" message. */
  readonly conversation: Record<string, unknown>;
  /** The directory's handle; empty while the request that claimed the job is still starting it. */
  readonly operationUrl: string;
  readonly status: 'running' | 'ready' | 'failed';
  readonly requestedAt: string;
  /** The blobs the export produced, each with its own signed link; empty when it produced none. */
  readonly files?: readonly ExportFile[];
  readonly linkExpiresAt?: string;
  readonly failureReason?: string;
  /** Set by the one instance that won the right to send the "ready" message. */
  readonly notifiedAt?: string;
  /**
   * The "ready" (or "failed") message as a delivery state: owed from the moment the job finished until a send
   * went through (`owed: false`) or was given up after MAX_TELL_ATTEMPTS sends (audited). Each send is claimed by
   * compare-and-swap (`attempts` counts them), so of several instances one sends.
   */
  readonly tell?: { readonly owed: boolean; readonly attempts: number; readonly claimedAt?: string };
}

/**
 * How long one claimed send is left to its instance before another may claim the message again: a send still in
 * flight on one instance is never doubled by another instance's pass (the connector's own timeout is shorter).
 */
export const TELL_CLAIM_MS = 2 * 60_000;

/** Sends of one "export ready" message before it is given up (and audited); one per poll. */
export const MAX_TELL_ATTEMPTS = 5;

/**
 * The account's record as the list of its export jobs (services/closure/closureAccounts.ts, issue 22): most
 * accounts never ask for an export, and the record the offer and the closure read anyway says so, instead of a
 * look-up in the jobs' store that finds nothing.
 */
export interface ExportJobListing {
  /** Lists the account's job on its record; called before the job is created. */
  listExportJob(account: Pick<VerifiedIdentity, 'objectId' | 'tenantId'>): Promise<void>;
  /** False only when the record says the account has had no export job; a record that does not say: true. */
  mayHaveExportJob(account: Pick<VerifiedIdentity, 'objectId' | 'tenantId'>): Promise<boolean>;
  /** Whether the account is closed: a job that finishes after its closure is forgotten, not told. */
  isClosed(account: Pick<VerifiedIdentity, 'objectId' | 'tenantId'>): Promise<boolean>;
}

export interface ExportServiceOptions {
  readonly jobs: RecordStore<ExportJob>;
  /** Where the account's jobs are listed; without it every offer and closure looks the job up. */
  readonly listing?: ExportJobListing;
  /** Whether every job is listed on its account's record, so an account without a record has none. */
  readonly everyJobListed?: () => Promise<boolean>;
  readonly exporter: DataExporter;
  readonly audit: AuditTrail;
  readonly clock: () => Date;
  readonly logger: Logger;
}

/**
 * How long a job may stay claimed without a directory operation (`operationUrl` still empty) before another
 * request takes it over: the instance that claimed it died before the directory answered. Far longer than a start
 * takes (the HTTP client's deadline is a minute).
 */
const UNSTARTED_CLAIM_MS = 5 * 60_000;

export class ExportService {
  constructor(private readonly options: ExportServiceOptions) {}

  /**
   * Whether the account has an export job: the export offer's look-up when the account's record does not say. An
   * account with no record at all has none once every job is known to be listed (services/listedOnAccounts.ts).
   */
  async exists(identity: Pick<VerifiedIdentity, 'objectId' | 'tenantId'>, accountRecorded = true): Promise<boolean> {
    if (!accountRecorded && (await this.options.everyJobListed?.())) return false;
    return (await this.find(identity)) !== undefined;
  }

  /** The account's export job, if one was requested and not yet forgotten. */
  async find(identity: Pick<VerifiedIdentity, 'objectId' | 'tenantId'>): Promise<ExportJob | undefined> {
    return (await this.options.jobs.get(accountKey(identity)))?.value;
  }

  /**
   * Requests an export; a running one for the same account is returned instead of starting another. The account's
   * job is claimed (compare-and-swap) before the directory is asked, so of two requests at once (two chats, two
   * instances) one starts the export and the other gets its job.
   */
  async request(identity: VerifiedIdentity, who: { channelUserId: string; conversation: Record<string, unknown> }): Promise<ExportJob> {
    const key = accountKey(identity);
    const existing = await this.options.jobs.get(key);
    if (existing?.value.status === 'running' && !this.isAbandonedClaim(existing.value)) return existing.value;
    // Listed before it exists: a closure that finds the account's record saying "no export job" is then right.
    await this.options.listing?.listExportJob(identity);
    const requestedAt = this.options.clock();
    const claim: ExportJob = {
      exportId: `ex_${requestedAt.getTime().toString(36)}_${key.slice(-8)}`,
      objectId: identity.objectId,
      tenantId: identity.tenantId,
      channelUserId: who.channelUserId,
      conversation: who.conversation,
      operationUrl: '',
      status: 'running',
      requestedAt: requestedAt.toISOString(),
    };
    let etag: string;
    try {
      etag = existing ? await this.options.jobs.replace(key, claim, existing.etag) : await this.options.jobs.create(key, claim);
    } catch (error) {
      const winner = isAppError(error, 'RECORD_CONFLICT') ? await this.options.jobs.get(key) : undefined;
      if (winner?.value.status === 'running') return winner.value;
      throw error;
    }
    const { exportId } = claim;
    let handle;
    try {
      handle = await this.options.exporter.start(identity, { requestId: exportId });
    } catch (error) {
      await this.options.jobs.delete(key);
      throw error;
    }
    const job: ExportJob = { ...claim, operationUrl: handle.operationUrl };
    await this.options.jobs.replace(key, job, etag);
    await this.options.audit.append({
      type: 'exportRequested',
      at: job.requestedAt,
      objectId: job.objectId,
      tenantId: job.tenantId,
      detail: exportId,
    });
    return job;
  }

  /**
   * Checks every running job once, and returns the jobs whose message is owed, each claimed for one send. A job
   * that finished is updated by compare-and-swap together with `notifiedAt` and its first send's claim, so of
   * several instances polling at once exactly one gets it back; a message whose send failed (not marked `told`)
   * is claimed again on the next poll, up to MAX_TELL_ATTEMPTS, then given up and audited.
   */
  async poll(): Promise<ExportJob[]> {
    const toNotify: ExportJob[] = [];
    for (const record of await this.options.jobs.list()) {
      // A job without an operation is still being started by its request: there is nothing to ask about yet.
      if (record.value.status === 'running' && !record.value.operationUrl) continue;
      try {
        const owed = record.value.status === 'running' ? await this.checkOne(record) : await this.claimRetry(record);
        if (owed) toNotify.push(owed);
      } catch (error) {
        // One job's failure never stops the pass: the jobs claimed before it are returned and told, those after
        // it checked; this one keeps its state in the store, so the next pass tries it again.
        this.options.logger.error('an export job could not be checked', { exportId: record.value.exportId, error });
      }
    }
    return toNotify;
  }

  /**
   * The claimed send failed: the claim is given back at once, so the next pass (on any instance) tries again rather
   * than waiting out TELL_CLAIM_MS, which only covers an instance that died while sending.
   */
  async sendFailed(job: Pick<ExportJob, 'objectId' | 'tenantId' | 'exportId'>): Promise<void> {
    const key = accountKey(job);
    const stored = await this.options.jobs.get(key);
    if (!stored || stored.value.exportId !== job.exportId || !stored.value.tell?.owed) return;
    const { claimedAt: _released, ...tell } = stored.value.tell;
    await this.options.jobs.replace(key, { ...stored.value, tell }, stored.etag).catch((error: unknown) => {
      // Claimed again meanwhile: that claim stands.
      if (!isAppError(error, 'RECORD_CONFLICT')) throw error;
    });
  }

  /** The owed message went out: the job's delivery state says so (the dialog then points to it, never repeats it). */
  async told(job: Pick<ExportJob, 'objectId' | 'tenantId' | 'exportId'>): Promise<void> {
    const key = accountKey(job);
    const stored = await this.options.jobs.get(key);
    if (!stored || stored.value.exportId !== job.exportId || !stored.value.tell?.owed) return;
    await this.options.jobs
      .replace(key, { ...stored.value, tell: { owed: false, attempts: stored.value.tell.attempts } }, stored.etag)
      .catch((error: unknown) => {
        // Claimed again by a retry meanwhile: at worst the message goes twice, never not at all.
        if (!isAppError(error, 'RECORD_CONFLICT')) throw error;
      });
  }

  private async claimRetry(record: StoredRecord<ExportJob> & { id: string }): Promise<ExportJob | undefined> {
    const tell = record.value.tell;
    if (!tell?.owed) return undefined;
    const now = this.options.clock();
    if (tell.claimedAt && Date.parse(tell.claimedAt) + TELL_CLAIM_MS > now.getTime()) return undefined;
    const givenUp = tell.attempts >= MAX_TELL_ATTEMPTS;
    const next: ExportJob = {
      ...record.value,
      tell: givenUp ? { owed: false, attempts: tell.attempts } : { owed: true, attempts: tell.attempts + 1, claimedAt: now.toISOString() },
    };
    try {
      await this.options.jobs.replace(record.id, next, record.etag);
    } catch (error) {
      if (isAppError(error, 'RECORD_CONFLICT')) return undefined;
      throw error;
    }
    if (!givenUp) return next;
    await this.options.audit.append({
      type: 'deliveryGivenUp',
      at: this.options.clock().toISOString(),
      objectId: next.objectId,
      tenantId: next.tenantId,
      detail: next.exportId,
    });
    return undefined;
  }

  /** Drops the account's export record (it holds a conversation reference: personal data). */
  async forget(identity: Pick<VerifiedIdentity, 'objectId' | 'tenantId'>): Promise<void> {
    // Most closures had no export: the account's record says so (read by the closure anyway), and otherwise one
    // read does, instead of deleting the record and its mark blind (issue 22). A job requested after this read is
    // for an account already closed; the next forget or retention removes it.
    if (this.options.listing && !(await this.options.listing.mayHaveExportJob(identity))) return;
    const key = accountKey(identity);
    if (await this.options.jobs.get(key)) await this.options.jobs.delete(key);
  }

  /**
   * Background, one running job: checks it once; a finished one is claimed with its `notifiedAt` by compare-and-swap
   * and returned for this instance to tell (undefined: still running, or another instance has it).
   */
  async pollOne(id: string, record: StoredRecord<ExportJob>): Promise<ExportJob | undefined> {
    const job = { ...record, id };
    // A job without an operation is still being started by its request: there is nothing to ask about yet.
    if (record.value.status === 'running') return record.value.operationUrl ? this.checkOne(job) : undefined;
    return this.claimRetry(job);
  }

  private async checkOne(record: StoredRecord<ExportJob> & { id: string }): Promise<ExportJob | undefined> {
    let status;
    try {
      status = await this.options.exporter.status({ operationUrl: record.value.operationUrl, tenantId: record.value.tenantId });
    } catch (error) {
      // A status read that fails is retried on the next poll; the job stays running.
      this.options.logger.warn('export status could not be read', { exportId: record.value.exportId, error });
      return undefined;
    }
    if (status.kind === 'running') return undefined;
    // The closure forgets the jobs it finds; one it could not (asked at that moment, or on an instance of the
    // previous version during a rolling deploy, after the account's record said "no export job") goes here.
    if (await this.options.listing?.isClosed(record.value)) {
      await this.options.jobs.delete(record.id, record.etag).catch((error: unknown) => {
        if (!isAppError(error, 'RECORD_CONFLICT')) throw error;
      });
      return undefined;
    }
    const now = this.options.clock().toISOString();
    const next: ExportJob =
      status.kind === 'ready'
        ? {
            ...record.value,
            status: 'ready',
            files: status.files,
            linkExpiresAt: status.expiresAt.toISOString(),
            notifiedAt: now,
            tell: { owed: true, attempts: 1, claimedAt: now },
          }
        : {
            ...record.value,
            status: 'failed',
            failureReason: status.reason,
            notifiedAt: now,
            tell: { owed: true, attempts: 1, claimedAt: now },
          };
    try {
      await this.options.jobs.replace(record.id, next, record.etag);
    } catch (error) {
      if (isAppError(error, 'RECORD_CONFLICT')) return undefined;
      throw error;
    }
    const type = status.kind === 'ready' ? 'exportReady' : 'exportFailed';
    try {
      await this.options.audit.append({ type, at: now, objectId: next.objectId, tenantId: next.tenantId, detail: next.exportId });
    } catch (error) {
      // The claim is won and `notifiedAt` written: only this pass can tell the owner, so the job is still returned.
      this.options.logger.error('an export outcome could not be audited', { exportId: next.exportId, type, error });
    }
    return next;
  }

  /** A claim whose instance died before the directory answered (see UNSTARTED_CLAIM_MS). */
  private isAbandonedClaim(job: ExportJob): boolean {
    return !job.operationUrl && this.options.clock().getTime() - Date.parse(job.requestedAt) > UNSTARTED_CLAIM_MS;
  }
}
