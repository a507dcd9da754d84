import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BotConfig } from '../config/config';
import { Quarantine, type QuarantineEntry } from './background/quarantine';
import type { ClosureAccount } from './closure/closureAccounts';
import type { AccountClosureLock, ClosureRequest } from './closureRequest';
import type { AccountCloser } from './accountCloser';
import type { AuditTrail } from './auditTrail';
import { ClosureService } from './closureService';
import type { ClosureChannel } from './closureChannel';
import { ClosureWorkflow } from './closureWorkflow';
import type { DataExporter } from './dataExporter';
import { ExportService, type ExportJob } from './exportService';
import { handOffCheckChangedAt, HandOffChecks, isOpenHandOffCheck, type HandOffCheck } from './handOff/handOffChecks';
import type { AccountSignInProbe } from './handOff/signInEvidence';
import { LISTING_MARKS, ListedOnAccounts } from './listedOnAccounts';
import type { Logger } from './logger';
import { OpenRecordIndex } from './openRecordIndex';
import { exportJobChangedAt, isOpenClosureRequest, isOpenExportJob } from './openRecords';
import type { RecordStore } from './recordStore';
import { hashUpn } from './upnHash';
import type { UserRealm } from './userRealm';

const MAX_CLOSE_ATTEMPTS = 5;

export interface Services {
  readonly closure: ClosureService;
  /** Everything after the user's decision, for every channel and for the reconciler. */
  readonly workflow: ClosureWorkflow;
  readonly exports: ExportService;
  readonly handOffChecks: HandOffChecks;
  /** Whether a handed-off request's closure has since been verified. */
  readonly handOffVerified: (requestId: string) => Promise<boolean>;
  /** The audit's keyed UPN hash. */
  readonly hashUpn: (upn: string) => string;
  /** The open closure requests, export jobs and hand-off checks, for the background jobs and the retention sweep. */
  readonly records: {
    readonly closureRequests: OpenRecordIndex<ClosureRequest>;
    readonly exportJobs: OpenRecordIndex<ExportJob>;
    readonly handOffChecks: OpenRecordIndex<HandOffCheck>;
  };
  readonly quarantine: Quarantine;
}

/** What the domain needs of the stores (adapters/storage/openStores.ts builds them): a store per record kind, the audit. */
export interface ServiceStores {
  records<T>(kind: string): RecordStore<T>;
  readonly audit: AuditTrail;
}

/** The ports the domain calls out through (adapters/createAdapters.ts builds them, aimed at Microsoft or a stand-in). */
export interface ServicePorts {
  readonly realm: UserRealm;
  readonly closer: AccountCloser;
  readonly exporter: DataExporter;
  readonly signInProbe: AccountSignInProbe;
}

export type ServiceSettings = Pick<BotConfig, 'closure' | 'closedRecordRetentionDays' | 'auditHashKey' | 'dataDir'>;

/**
 * The domain over the stores and adapters: closure requests (the irreversible step), the decision workflow, exports
 * and hand-off checks.
 */
export async function createServices(
  settings: ServiceSettings,
  deps: {
    readonly stores: ServiceStores;
    readonly adapters: ServicePorts;
    /** The bot's closure channels (built after this): `background()` is the workflow's port outside any turn. */
    readonly channels: () => { background(): ClosureChannel };
    readonly clock: () => Date;
    readonly logger: Logger;
  },
): Promise<Services> {
  const { stores, adapters, clock, logger } = deps;
  const upnKey = await auditHashKey(settings);
  const hashUpnWithKey = (upn: string) => hashUpn(upn, upnKey);
  // The reconciler and the export poller read only open records; finished ones expire (docs/architecture.md).
  const keepClosedMs = settings.closedRecordRetentionDays * 86_400_000;
  const closureRequests = new OpenRecordIndex<ClosureRequest>({
    records: stores.records('closureRequests'),
    index: stores.records('closureRequestsOpen'),
    isOpen: isOpenClosureRequest,
    // Open from creation until settled, never again: marked once, the mark removed at the end (issue 22).
    reopens: false,
    changedAt: (request) => request.updatedAt,
    keepClosedMs,
    clock,
    logger: logger.child('closureRequests'),
  });
  const exportJobs = new OpenRecordIndex<ExportJob>({
    records: stores.records('exportJobs'),
    index: stores.records('exportJobsOpen'),
    isOpen: isOpenExportJob,
    changedAt: exportJobChangedAt,
    keepClosedMs,
    clock,
    logger: logger.child('exportJobs'),
  });
  // Hand-off checks are walked through their own index too, and expire like the others (issue 19).
  const handOffRecords = new OpenRecordIndex<HandOffCheck>({
    records: stores.records('handOffChecks'),
    index: stores.records('handOffChecksOpen'),
    isOpen: isOpenHandOffCheck,
    changedAt: handOffCheckChangedAt,
    keepClosedMs,
    clock,
    logger: logger.child('handOffChecks'),
  });
  const handOffChecks: HandOffChecks = new HandOffChecks({
    records: handOffRecords,
    audit: stores.audit,
    probe: adapters.signInProbe,
    clock,
    checkWindowMs: settings.closure.handOffCheckDays * 86_400_000,
    checkIntervalMs: settings.closure.handOffCheckIntervalSeconds * 1000,
    logger: logger.child('handOff'),
    // A hand-off verified closed closes the account for the bot too: its other requests end.
    onClosureVerified: (check: HandOffCheck): Promise<void> => workflow.accountClosed(check, check.requestId, deps.channels().background()),
  });
  // The account's record lists the requests opened for it, so a warning for an account without one reads no lock.
  const listingMarks = stores.records<{ listedAt: string }>(LISTING_MARKS);
  const locksListed = new ListedOnAccounts<AccountClosureLock>({
    name: 'closureLocks',
    records: stores.records<AccountClosureLock>('closureLocks'),
    listOne: async (key, lock) => {
      if (typeof lock.requestId !== 'string') return false;
      await closure.accounts.listLockHolder(key, lock.requestId);
      return true;
    },
    marks: listingMarks,
    clock,
    logger: logger.child('accountListings'),
  });
  const closure = new ClosureService({
    everyLockListed: () => locksListed.check(),
    requests: closureRequests,
    locks: stores.records<AccountClosureLock>('closureLocks'),
    accounts: stores.records<ClosureAccount>('closureAccounts'),
    audit: stores.audit,
    realm: adapters.realm,
    closer: adapters.closer,
    clock,
    hashUpn: hashUpnWithKey,
    confirmationTtlMs: settings.closure.confirmationTtlSeconds * 1000,
    closingLeaseMs: settings.closure.leaseSeconds * 1000,
    maxCloseAttempts: MAX_CLOSE_ATTEMPTS,
    logger: logger.child('closure'),
    onHandedOff: (request) => handOffChecks.started(request),
  });
  // The account's record lists its export jobs, so an offer or a closure without one asks the jobs nothing.
  const jobsListed = new ListedOnAccounts<ExportJob>({
    name: 'exportJobs',
    records: stores.records<ExportJob>('exportJobs'),
    listOne: async (_id, job) => {
      if (typeof job.objectId !== 'string' || typeof job.tenantId !== 'string') return false;
      await closure.accounts.listExportJob(job);
      return true;
    },
    marks: listingMarks,
    clock,
    logger: logger.child('accountListings'),
  });
  const exports = new ExportService({
    jobs: exportJobs,
    listing: closure.accounts,
    everyJobListed: () => jobsListed.check(),
    exporter: adapters.exporter,
    audit: stores.audit,
    clock,
    logger: logger.child('exports'),
  });
  const workflow = new ClosureWorkflow({
    closure,
    forgetPerson: (identity) => exports.forget(identity),
    settleLeaseMs: settings.closure.leaseSeconds * 1000,
    logger: logger.child('workflow'),
  });
  return {
    closure,
    workflow,
    exports,
    handOffChecks,
    handOffVerified: async (requestId) => (await handOffChecks.get(requestId))?.state === 'closureVerified',
    hashUpn: hashUpnWithKey,
    records: { closureRequests, exportJobs, handOffChecks: handOffRecords },
    quarantine: new Quarantine(stores.records<QuarantineEntry>('quarantine')),
  };
}

/** The audit's UPN hash key: configured in Azure; in sandbox mode generated once and kept under the data folder. */
async function auditHashKey(settings: Pick<BotConfig, 'auditHashKey' | 'dataDir'>): Promise<Buffer> {
  if (settings.auditHashKey) return Buffer.from(settings.auditHashKey, 'base64');
  const file = path.join(settings.dataDir, 'audit-hash.key');
  try {
    return Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = randomBytes(32);
  await mkdir(settings.dataDir, { recursive: true });
  await writeFile(file, key.toString('base64'), { mode: 0o600, flag: 'wx' });
  return key;
}
