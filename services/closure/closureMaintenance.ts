import type { AuditEvent } from '../auditTrail';
import { TERMINAL_STATUSES, type ClosureRequest, type ClosureStatus, type Settlement } from '../closureRequest';
import { isAppError } from '../errors';
import type { StoredRecord } from '../recordStore';
import { currentTurn } from '../turnScope';
import type { ClosingEngine } from './closingEngine';
import type { ClosureRecords } from './closureRecords';

/** Audit events every request that reached this status must have; the reconciler writes the ones a crash skipped. */
const EXPECTED_AUDIT: Partial<Record<ClosureStatus, readonly AuditEvent['type'][]>> = {
  closed: ['confirmed', 'closing', 'closed'],
  handedOff: ['confirmed', 'closing', 'handedOff', 'lockReleased'],
  // Only a confirmed request can fail: its Yes is always on record, even when a crash skipped it.
  failed: ['confirmed', 'closeFailed'],
  // Ends without a Yes have their event too: a storage outage or a kill between the end and its event left them
  // without one (the kill -9 run: a "No" recorded, its `declined` never written).
  expired: ['expired'],
  closedElsewhere: ['closedElsewhere'],
};

/** The events an ended request must have in the audit; a `cancelled` one by the requester's No or by "cancel". */
function expectedAudit(request: ClosureRequest): readonly AuditEvent['type'][] {
  if (request.status === 'cancelled') return [request.declined ? 'declined' : 'cancelled'];
  return EXPECTED_AUDIT[request.status] ?? [];
}

/** Instances' clocks may differ by this much: an audit window starts this far before the request's creation. */
const AUDIT_SKEW_MS = 5 * 60_000;

/** Sends of one owed message before it is given up (and audited): a pass apart each, after the closing lease. */
export const MAX_DELIVERY_ATTEMPTS = 5;

/**
 * Maintenance of closure requests, outside any press: expiring overdue warnings, finishing closures a crash left
 * (the reconciler), claiming and marking the settling of ended requests, and filling audit gaps. Background
 * passes call these; the decision workflow (services/closureWorkflow.ts) settles what they return.
 */
export class ClosureMaintenance {
  constructor(
    private readonly records: ClosureRecords,
    private readonly engine: ClosingEngine,
  ) {}

  /**
   * Finishes closures a crash or an unanswered directory left `confirmed`, `closing` or `outcomeUnknown` (checked
   * again on every pass until the directory answers) once their lease has lapsed, and finds ended requests nobody
   * has settled yet (told, forgotten), whose settling instance died or whose owed message did not go out.
   * Returns the ids to settle (`ClosureWorkflow.settle`), and `outcomeUnknown` ones whose requester is not told yet.
   */
  async reconcile(): Promise<string[]> {
    const toSettle: string[] = [];
    for (const record of await this.records.options.requests.list()) {
      if (this.needsReconcile(record.value) && (await this.reconcileOne(record))) toSettle.push(record.id);
    }
    return toSettle;
  }

  /** Whether the reconciler has work on this request now: a closure whose lease lapsed, or an end nobody settled. */
  needsReconcile(value: ClosureRequest): boolean {
    const now = this.records.options.clock().getTime();
    const lapsed =
      Date.parse(value.leaseUntil ?? new Date(Date.parse(value.updatedAt) + this.records.options.closingLeaseMs).toISOString()) <= now;
    if (TERMINAL_STATUSES.includes(value.status))
      return !value.outcomeNotified && (value.settlingUntil ? Date.parse(value.settlingUntil) <= now : lapsed);
    // An unknown outcome (a delete was sent, its answer lost) is checked again on every pass until the directory answers.
    return (value.status === 'confirmed' || value.status === 'closing' || value.status === 'outcomeUnknown') && lapsed;
  }

  /**
   * The reconciler's work on one request `needsReconcile` chose (the background runner calls it per record): a
   * stranded closure is finished (one instance wins its compare-and-swap). Returns whether the request has ended
   * and is to be settled.
   */
  async reconcileOne(record: StoredRecord<ClosureRequest>): Promise<boolean> {
    const { requestId, status } = record.value;
    if (TERMINAL_STATUSES.includes(status)) return true;
    this.records.options.logger.warn('finishing a stranded closure', { requestId, status });
    try {
      const result = await this.engine.finish(record);
      await this.records.options.audit.append({
        type: 'reconciled',
        at: this.records.nowIso(),
        requestId,
        objectId: record.value.objectId,
        tenantId: record.value.tenantId,
        detail: result.kind,
      });
      // An unknown outcome stays open and is checked again next pass; its requester is told so once.
      return result.kind === 'outcomeUnknown' ? !record.value.unknownToldAt : result.kind !== 'stillClosing';
    } catch (error) {
      if (!isAppError(error, 'RECORD_CONFLICT')) throw error;
      this.records.options.logger.info('another instance took the stranded closure', { requestId });
      return false;
    }
  }

  /**
   * Claims the settling of an ended request (telling the outcome, forgetting, updating the card) for `leaseMs`,
   * by compare-and-swap, so one instance does it. Undefined when it is settled, not ended, or another holds it.
   */
  async claimSettlement(requestId: string, leaseMs: number): Promise<StoredRecord<ClosureRequest> | undefined> {
    const stored = await this.records.options.requests.get(requestId);
    if (!stored || stored.value.outcomeNotified || !TERMINAL_STATUSES.includes(stored.value.status)) return undefined;
    const now = this.records.options.clock().getTime();
    if (stored.value.settlingUntil && Date.parse(stored.value.settlingUntil) > now) {
      // Claimed by this very turn with the outcome (ClosureRecords.settlingClaim): it is this turn's to settle.
      const turn = currentTurn();
      return turn && stored.value.settlingBy === turn.id ? stored : undefined;
    }
    const { settlingBy: _by, ...unclaimed } = stored.value;
    const value: ClosureRequest = { ...unclaimed, settlingUntil: new Date(now + leaseMs).toISOString() };
    try {
      return { value, etag: await this.records.options.requests.replace(requestId, value, stored.etag) };
    } catch (error) {
      return this.records.ignoreConflict(error);
    }
  }

  /**
   * Extends a settling claim by compare-and-swap right before the owed message goes out. Undefined when the claim
   * lapsed and another instance took it meanwhile (a slow store while forgetting): that instance tells it, not both.
   */
  async renewSettlement(claimed: StoredRecord<ClosureRequest>, leaseMs: number): Promise<StoredRecord<ClosureRequest> | undefined> {
    const settlingUntil = new Date(this.records.options.clock().getTime() + leaseMs).toISOString();
    const value: ClosureRequest = { ...claimed.value, settlingUntil };
    try {
      return { value, etag: await this.records.options.requests.replace(value.requestId, value, claimed.etag) };
    } catch (error) {
      return this.records.ignoreConflict(error);
    }
  }

  /** The request is settled (told, or given up): the conversation reference, the last personal trace, goes. */
  async markSettled(claimed: StoredRecord<ClosureRequest>): Promise<void> {
    const { conversation: _conversation, settlingUntil: _claim, settlingBy: _by, settlement: _settlement, ...rest } = claimed.value;
    await this.records.options.requests.replace(rest.requestId, { ...rest, outcomeNotified: true }, claimed.etag);
  }

  /**
   * Settling got part of the way: what is still owed stays on the record and the claim is given back, so the next
   * reconcile pass (after the closing lease) tries the rest. The conversation reference stays for that.
   */
  async recordSettlement(claimed: StoredRecord<ClosureRequest>, settlement: Settlement): Promise<void> {
    const { settlingUntil: _claim, settlingBy: _by, ...rest } = claimed.value;
    await this.records.options.requests.replace(rest.requestId, { ...rest, settlement, updatedAt: this.records.nowIso() }, claimed.etag);
  }

  /** A message owed to the requester was given up after MAX_DELIVERY_ATTEMPTS sends: the audit says so. */
  async deliveryGivenUp(request: ClosureRequest): Promise<void> {
    await this.records.audit('deliveryGivenUp', request, request.status);
  }

  /** An `outcomeUnknown` request's requester was told so (or it was given up after `attempts`). */
  async markUnknownTold(requestId: string, told: boolean): Promise<number> {
    const stored = await this.records.options.requests.get(requestId);
    if (!stored || stored.value.status !== 'outcomeUnknown' || stored.value.unknownToldAt) return 0;
    const attempts = (stored.value.unknownTellAttempts ?? 0) + (told ? 0 : 1);
    const done = told || attempts >= MAX_DELIVERY_ATTEMPTS;
    const value: ClosureRequest = {
      ...stored.value,
      unknownTellAttempts: attempts,
      ...(done ? { unknownToldAt: this.records.nowIso() } : {}),
    };
    await this.records.options.requests
      .replace(requestId, value, stored.etag)
      .catch((error: unknown) => this.records.ignoreConflict(error));
    if (done && !told) await this.records.audit('deliveryGivenUp', stored.value, 'outcomeUnknown');
    return attempts;
  }

  /**
   * The account was closed (by `closedBy`, or a hand-off verified closed): its record says so, and every other
   * request of it still pending or confirmed ends `closedElsewhere`, with its outcome event. Idempotent, so a
   * settling that a crash cut short does it again. Returns the ids of the account's other requests to settle, and
   * the conversations at the export offer to forget.
   */
  async accountClosed(
    account: { objectId: string; tenantId: string },
    closedBy: string,
  ): Promise<{ requests: string[]; flows: Array<Record<string, unknown>> }> {
    const others = await this.records.accounts.markClosed(account, closedBy);
    const flows = await this.records.accounts.takeFlows(account);
    for (const requestId of others) {
      for (let attempt = 0; attempt < 3; attempt++) {
        const stored = await this.records.options.requests.get(requestId);
        // Confirmed or closing ones meet the closed account in the closing engine (before the lock), or hold it.
        if (!stored || stored.value.status !== 'pending') break;
        try {
          const ended = await this.records.transition(stored, 'closedElsewhere', {});
          await this.records.audit('closedElsewhere', ended.value);
          break;
        } catch (error) {
          this.records.ignoreConflict(error);
        }
      }
    }
    return { requests: others, flows };
  }

  /**
   * Writes the audit events a crash or a failed write skipped for these requests (a reconciled closure always has
   * its `closing` event), marked `recovered`. Called by the instance that won the settling claim (so once), and reads
   * the trail from the oldest request's creation on (less a clock-skew margin), not the whole trail.
   */
  async completeAudit(requestIds: readonly string[]): Promise<void> {
    const wanted = requestIds.filter((id) => id);
    if (wanted.length === 0) return;
    const requests = new Map<string, ClosureRequest | undefined>();
    for (const requestId of wanted) requests.set(requestId, (await this.records.options.requests.get(requestId))?.value);
    const since = Math.min(...[...requests.values()].map((r) => (r ? Date.parse(r.createdAt) : 0))) - AUDIT_SKEW_MS;
    const present = new Map<string, Set<string>>();
    for (const event of await this.records.options.audit.readAll({ since: new Date(Math.max(since, 0)) })) {
      if (event.requestId) present.set(event.requestId, (present.get(event.requestId) ?? new Set()).add(event.type));
    }
    for (const requestId of wanted) {
      const request = requests.get(requestId);
      for (const type of request ? expectedAudit(request) : []) {
        if (!present.get(requestId)?.has(type)) await this.records.audit(type, request as ClosureRequest, 'recovered');
      }
      this.records.unaudited.delete(requestId);
    }
  }

  /** Whether an audit write after this request's outcome failed in this process (see `completeAudit`). */
  hasAuditGaps(requestId: string): boolean {
    return this.records.unaudited.has(requestId);
  }

  /**
   * Moves every pending request past its expiry to `expired` (or `closedElsewhere` when its account's record says
   * it was closed meanwhile: never "expired, nothing was closed" for a closed account), so nothing can confirm it
   * and its card can show that. Returns them as they ended, for the caller to settle.
   */
  async expireOverdue(): Promise<ClosureRequest[]> {
    const now = this.records.options.clock().getTime();
    const expired: ClosureRequest[] = [];
    for (const record of await this.records.options.requests.list()) {
      if (record.value.status !== 'pending' || Date.parse(record.value.expiresAt) > now) continue;
      try {
        const status = (await this.records.accounts.isClosed(record.value)) ? 'closedElsewhere' : 'expired';
        const ended = await this.records.transition(record, status, {});
        await this.records.audit(status, ended.value);
        expired.push(ended.value);
      } catch (error) {
        // Pressed, cancelled or expired by another instance at the same moment: it is theirs.
        this.records.ignoreConflict(error);
      }
    }
    return expired;
  }
}
