import type { AccountCloser } from '../accountCloser';
import type { AuditEvent, AuditTrail } from '../auditTrail';
import { scrubbed, TERMINAL_STATUSES, type AccountClosureLock, type ClosureRequest, type ClosureStatus } from '../closureRequest';
import { isAppError } from '../errors';
import type { Logger } from '../logger';
import type { RecordStore, StoredRecord } from '../recordStore';
import { currentTurn } from '../turnScope';
import type { UserRealm } from '../userRealm';
import { ClosureAccounts, type ClosureAccount } from './closureAccounts';

export interface ClosureServiceOptions {
  readonly requests: RecordStore<ClosureRequest>;
  readonly locks: RecordStore<AccountClosureLock>;
  /** One record per account (closed or not, its requests): shared by every instance like the requests. */
  readonly accounts: RecordStore<ClosureAccount>;
  readonly audit: AuditTrail;
  readonly realm: UserRealm;
  readonly closer: AccountCloser;
  readonly hashUpn: (upn: string) => string;
  readonly clock: () => Date;
  /** How long the warning card's Yes stays valid. */
  readonly confirmationTtlMs: number;
  /** How long one instance owns a request while closing it, before a reconciler may take over. */
  readonly closingLeaseMs: number;
  /** After this many attempts a closure that keeps failing ends as `failed`. */
  readonly maxCloseAttempts: number;
  readonly logger: Logger;
  /**
   * Told of every request that was handed off, as it was just before its personal fields were scrubbed, so the
   * hand-off check (services/handOff) can later tell the requester whether the account is really closed.
   */
  readonly onHandedOff?: (request: ClosureRequest) => Promise<void>;
  /**
   * Whether every closure lock is known to be listed on its account's record (its holder among the account's
   * requests: services/listedOnAccounts.ts), so a warning for an account that lists no request reads no lock.
   */
  readonly everyLockListed?: () => Promise<boolean>;
}

/** Writes of one answer on a pending request, when writes that leave it pending come between (`answerPending`). */
const PENDING_WRITE_ATTEMPTS = 3;

/**
 * What the three roles of the closure service (judging presses, the closing engine, maintenance) share: the
 * request records, their one way to move (`transition`, a compare-and-swap that scrubs an ended request) and
 * the audit. One instance per service, so the set of requests whose audit has gaps is one set.
 */
export class ClosureRecords {
  /** Requests of this process whose audit write after the outcome failed: settled only after the gaps are filled. */
  readonly unaudited = new Set<string>();

  readonly accounts: ClosureAccounts;

  constructor(readonly options: ClosureServiceOptions) {
    this.accounts = new ClosureAccounts(options.accounts, options.clock);
  }

  async transition(
    record: StoredRecord<ClosureRequest>,
    status: ClosureStatus,
    changes: Partial<ClosureRequest>,
  ): Promise<StoredRecord<ClosureRequest>> {
    let value: ClosureRequest = { ...record.value, ...changes, status, updatedAt: this.nowIso() };
    if (TERMINAL_STATUSES.includes(status)) value = scrubbed(value);
    const etag = await this.options.requests.replace(value.requestId, value, record.etag);
    return { value, etag };
  }

  /**
   * An answer's `pending -> status`, by compare-and-swap. A conflict with a write that left the request pending and
   * this answer valid (the warning shown again, a Teams card's message id recorded) is no answer of its own: the
   * record is read again and the answer written on it, so such a write never turns a Yes into "already being
   * handled". Any other conflict (another answer won) is thrown as it came.
   */
  async answerPending(
    stored: StoredRecord<ClosureRequest>,
    status: ClosureStatus,
    changes: Partial<ClosureRequest>,
    stillValid: (request: ClosureRequest) => boolean,
  ): Promise<StoredRecord<ClosureRequest>> {
    let current = stored;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.transition(current, status, changes);
      } catch (error) {
        if (!isAppError(error, 'RECORD_CONFLICT') || attempt >= PENDING_WRITE_ATTEMPTS) throw error;
        const again = await this.options.requests.get(current.value.requestId);
        if (again?.value.status !== 'pending' || !stillValid(again.value)) throw error;
        current = again;
      }
    }
  }

  async audit(type: AuditEvent['type'], request: ClosureRequest, detail?: string): Promise<void> {
    await this.options.audit.append({
      type,
      at: this.nowIso(),
      requestId: request.requestId,
      objectId: request.objectId,
      tenantId: request.tenantId,
      upnHash: request.upnHash,
      ...(detail ? { detail } : {}),
    });
  }

  /** An audit write after the outcome is recorded: a failure is logged and the gap filled before settling. */
  async auditAfterOutcome(type: AuditEvent['type'], request: ClosureRequest, detail?: string): Promise<void> {
    try {
      await this.audit(type, request, detail);
      // Written now, not at the end of the turn: a failure is known here, and the gap filled before settling.
      await this.options.audit.flush?.();
    } catch (error) {
      this.unaudited.add(request.requestId);
      this.options.logger.error('an audit event could not be written after the outcome; it is written before settling', {
        requestId: request.requestId,
        type,
        error,
      });
    }
  }

  /**
   * For an outcome written in a turn that settles it next (a press's Yes): the settling claim in the same write, so
   * the turn's settle needs no compare-and-swap of its own. A crash before settling leaves a claim that lapses like
   * any other, after which the reconciler settles. Outside a turn nothing: the settle claims as usual.
   */
  settlingClaim(): Pick<ClosureRequest, 'settlingUntil' | 'settlingBy'> {
    const turn = currentTurn();
    return turn ? { settlingUntil: this.leaseUntil(), settlingBy: turn.id } : {};
  }

  leaseUntil(): string {
    return new Date(this.options.clock().getTime() + this.options.closingLeaseMs).toISOString();
  }

  nowIso(): string {
    return this.options.clock().toISOString();
  }

  ignoreConflict(error: unknown): undefined {
    if (isAppError(error, 'RECORD_CONFLICT')) return undefined;
    throw error;
  }
}
