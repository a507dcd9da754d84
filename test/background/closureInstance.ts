import type { AccountCloser } from '../../services/accountCloser';
import type { AuditTrail } from '../../services/auditTrail';
import { JobRunner, recordJob } from '../../services/background/jobRunner';
import { Quarantine, type QuarantineEntry } from '../../services/background/quarantine';
import type { ClosureAccount } from '../../services/closure/closureAccounts';
import type { AccountClosureLock, ClosureRequest } from '../../services/closureRequest';
import { ClosureService } from '../../services/closureService';
import type { ClosureChannel, ClosureNotice } from '../../services/closureChannel';
import { ClosureSettling } from '../../services/closureSettling';
import { ClosureWorkflow } from '../../services/closureWorkflow';
import { silentLogger } from '../../services/logger';
import type { Stores } from '../../adapters/storage/createStores';

export interface ClosureInstanceOptions {
  /** The instance's audit (default: the stores' own): a failing one plays storage down right after an outcome. */
  readonly audit?: AuditTrail;
  /** Default: closes at once. */
  readonly closer?: AccountCloser;
  /** The closing lease, the settling claim and the reconcile schedule. */
  readonly leaseMs: number;
}

/**
 * One bot instance's closure service, decision workflow, a channel that records what it told, and a runner with the
 * reconcile job, on stores shared with other instances (each may have its own audit shard on Blob).
 */
export function createClosureInstance(stores: Stores, clock: () => Date, options: ClosureInstanceOptions) {
  const closer: AccountCloser = options.closer ?? { close: async () => ({ kind: 'closed' }) };
  const audit = options.audit ?? stores.audit;
  const closure = new ClosureService({
    requests: stores.records<ClosureRequest>('closureRequests'),
    locks: stores.records<AccountClosureLock>('closureLocks'),
    accounts: stores.records<ClosureAccount>('closureAccounts'),
    audit,
    closer,
    realm: { lookup: async () => ({ kind: 'unmanaged', organizationName: 'Fabrikam Volunteers' }) },
    hashUpn: () => 'upn-hash',
    clock,
    confirmationTtlMs: 600_000,
    closingLeaseMs: options.leaseMs,
    maxCloseAttempts: 3,
    logger: silentLogger,
  });
  const workflowOptions = { closure, forgetPerson: async () => undefined, settleLeaseMs: options.leaseMs, logger: silentLogger };
  const workflow = new ClosureWorkflow(workflowOptions);
  /** The workflow's settling part on its own, for tests that drive one settle by hand. */
  const settling = new ClosureSettling(workflowOptions);
  const notices: ClosureNotice[] = [];
  const channel: ClosureChannel = {
    send: async (notice) => void notices.push(notice),
    updateCard: async () => undefined,
    signOut: async () => undefined,
    forgetConversation: async () => undefined,
    forgetFlow: async () => false,
  };
  const runner = new JobRunner({
    jobs: [
      recordJob<ClosureRequest>({
        name: 'reconcile',
        everyMs: options.leaseMs,
        kind: 'closureRequests',
        records: stores.records<ClosureRequest>('closureRequests'),
        isDue: (request) => closure.needsReconcile(request),
        handle: (_id, record) => workflow.reconcileOne(record, channel),
      }),
    ],
    quarantine: new Quarantine(stores.records<QuarantineEntry>('quarantine')),
    clock,
    logger: silentLogger,
  });
  return { closure, workflow, settling, notices, channel, runner };
}
