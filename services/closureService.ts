import type { ClosureRequest, Settlement } from './closureRequest';
import type { ConfirmResult, DeclineResult, RejectionReason } from './closureOutcome';
import { ClosingEngine } from './closure/closingEngine';
import type { ClosureAccounts, FlowRegistration } from './closure/closureAccounts';
import { ClosureJudge, type CancelResult, type OpenResult, type Press, type Presser } from './closure/closureJudge';
import { ClosureMaintenance } from './closure/closureMaintenance';
import { ClosureRecords, type ClosureServiceOptions } from './closure/closureRecords';
import { WarningCopies } from './closure/warningCopies';
import type { VerifiedIdentity } from './identity';
import type { StoredRecord } from './recordStore';

export type { ClosureServiceOptions } from './closure/closureRecords';
export type { CancelResult, OpenResult, Press, Presser } from './closure/closureJudge';
export { MAX_DELIVERY_ATTEMPTS } from './closure/closureMaintenance';
export type { ConfirmResult, DeclineResult, RejectionReason } from './closureOutcome';
export { outcomeOf } from './closureOutcome';

/**
 * The irreversible step, one service with four roles, each in its own file under services/closure/:
 * `judge` (presses: open, peek, confirm, decline, cancel), `warnings` (the warning shown again, the message that
 * carries it), `engine` (confirmed -> closing -> outcome: the lock, the realm re-check, the closer) and
 * `maintenance` (expiry, the reconciler, settling claims, audit gaps). Two
 * compare-and-swaps make a closure happen once: the request's own `pending -> confirmed` (one press wins), then
 * the per-account lock (one request wins per account). The methods below are the one surface callers use.
 */
export class ClosureService {
  readonly judge: ClosureJudge;
  readonly engine: ClosingEngine;
  readonly maintenance: ClosureMaintenance;
  /** The warning card shown again, the message that carries it, the request a card is drawn from. */
  readonly warnings: WarningCopies;
  /** The accounts' records: closed or not, their requests, the chats at the export offer, their export jobs. */
  readonly accounts: ClosureAccounts;
  /** The clock the requests' times, leases and claims are set by. */
  readonly clock: () => Date;

  constructor(options: ClosureServiceOptions) {
    const records = new ClosureRecords(options);
    this.accounts = records.accounts;
    this.clock = options.clock;
    this.engine = new ClosingEngine(records);
    this.judge = new ClosureJudge(records, this.engine);
    this.maintenance = new ClosureMaintenance(records, this.engine);
    this.warnings = new WarningCopies(records);
  }

  open(input: {
    identity: VerifiedIdentity;
    channelId: string;
    channelUserId: string;
    conversationId: string;
    conversation: Record<string, unknown>;
  }): Promise<OpenResult> {
    return this.judge.open(input);
  }

  peek(requestId: string, press: Press): Promise<RejectionReason | 'actionable'> {
    return this.judge.peek(requestId, press);
  }

  expireIfOverdue(requestId: string): Promise<boolean> {
    return this.judge.expireIfOverdue(requestId);
  }

  showAgain(requestId: string, channelUserId: string): Promise<{ request: ClosureRequest; nonce: string } | undefined> {
    return this.warnings.showAgain(requestId, channelUserId);
  }

  recordCard(requestId: string, activityId: string): Promise<void> {
    return this.warnings.recordCard(requestId, activityId);
  }

  get(requestId: string): Promise<ClosureRequest | undefined> {
    return this.warnings.get(requestId);
  }

  confirm(requestId: string, nonce: string, presser: Presser): Promise<ConfirmResult> {
    return this.judge.confirm(requestId, nonce, presser);
  }

  decline(requestId: string, press: Press, type: 'declined' | 'cancelled' = 'declined'): Promise<DeclineResult> {
    return this.judge.decline(requestId, press, type);
  }

  cancelPending(requestId: string, channelUserId: string): Promise<CancelResult> {
    return this.judge.cancelPending(requestId, channelUserId);
  }

  isAccountClosed(account: { objectId: string; tenantId: string }): Promise<boolean> {
    return this.judge.isAccountClosed(account);
  }

  accountClosed(
    account: { objectId: string; tenantId: string },
    closedBy: string,
  ): Promise<{ requests: string[]; flows: Array<Record<string, unknown>> }> {
    return this.maintenance.accountClosed(account, closedBy);
  }

  registerFlow(
    account: { objectId: string; tenantId: string },
    conversation: Record<string, unknown>,
    conversationId: string,
    exportJobExists?: (accountRecorded: boolean) => Promise<boolean>,
  ): Promise<FlowRegistration> {
    return this.judge.registerFlow(account, conversation, conversationId, exportJobExists);
  }

  renewSettlement(claimed: StoredRecord<ClosureRequest>, leaseMs: number): Promise<StoredRecord<ClosureRequest> | undefined> {
    return this.maintenance.renewSettlement(claimed, leaseMs);
  }

  recordSettlement(claimed: StoredRecord<ClosureRequest>, settlement: Settlement): Promise<void> {
    return this.maintenance.recordSettlement(claimed, settlement);
  }

  deliveryGivenUp(request: ClosureRequest): Promise<void> {
    return this.maintenance.deliveryGivenUp(request);
  }

  markUnknownTold(requestId: string, told: boolean): Promise<number> {
    return this.maintenance.markUnknownTold(requestId, told);
  }

  reconcile(): Promise<string[]> {
    return this.maintenance.reconcile();
  }

  needsReconcile(value: ClosureRequest): boolean {
    return this.maintenance.needsReconcile(value);
  }

  reconcileOne(record: StoredRecord<ClosureRequest>): Promise<boolean> {
    return this.maintenance.reconcileOne(record);
  }

  claimSettlement(requestId: string, leaseMs: number): Promise<StoredRecord<ClosureRequest> | undefined> {
    return this.maintenance.claimSettlement(requestId, leaseMs);
  }

  markSettled(claimed: StoredRecord<ClosureRequest>): Promise<void> {
    return this.maintenance.markSettled(claimed);
  }

  completeAudit(requestIds: readonly string[]): Promise<void> {
    return this.maintenance.completeAudit(requestIds);
  }

  hasAuditGaps(requestId: string): boolean {
    return this.maintenance.hasAuditGaps(requestId);
  }

  expireOverdue(): Promise<ClosureRequest[]> {
    return this.maintenance.expireOverdue();
  }
}
