import type { AccountCloser, CloseOutcome } from './accountCloser';
import type { AuditEvent, AuditTrail } from './auditTrail';
import {
  accountKey,
  hashNonce,
  newNonce,
  newRequestId,
  nonceMatches,
  scrubbed,
  TERMINAL_STATUSES,
  type AccountClosureLock,
  type ClosureRequest,
  type ClosureStatus,
} from './closureRequest';
import { statusRejection, type ConfirmResult, type DeclineResult, type RejectionReason } from './closureOutcome';
import { AppError, isAppError } from './errors';
import { sameAccount, type VerifiedIdentity } from './identity';
import type { Logger } from './logger';
import type { RecordStore, StoredRecord } from './recordStore';
import type { UserRealm } from './userRealm';
import { isTransientRealmFailure, LeaseRenewal } from './closingLease';

export interface ClosureServiceOptions {
  readonly requests: RecordStore<ClosureRequest>;
  readonly locks: RecordStore<AccountClosureLock>;
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
}

/** A press of the warning card as the channel delivered it: who, in which conversation, with which card's nonce. */
export interface Press {
  readonly channelUserId: string;
  /** The conversation the press arrived in: a card is valid only in the conversation it was shown in. */
  readonly conversationId: string;
  readonly nonce: string;
}

/** Who pressed the button, as proven at press time: the channel's user id, the conversation and a fresh sign-in. */
export interface Presser {
  readonly channelUserId: string;
  readonly conversationId: string;
  readonly identity: VerifiedIdentity;
}

export type { ConfirmResult, DeclineResult, RejectionReason } from './closureOutcome';
export { outcomeOf } from './closureOutcome';

/** Instances' clocks may differ by this much: an audit window starts this far before the request's creation. */
const AUDIT_SKEW_MS = 5 * 60_000;

/** Audit events every request that reached this status must have; the reconciler writes the ones a crash skipped. */
const EXPECTED_AUDIT: Partial<Record<ClosureStatus, readonly AuditEvent['type'][]>> = {
  closed: ['confirmed', 'closing', 'closed'],
  handedOff: ['confirmed', 'closing', 'handedOff', 'lockReleased'],
  // Only a confirmed request can fail: its Yes is always on record, even when a crash skipped it.
  failed: ['confirmed'],
};

/**
 * The irreversible step. Two compare-and-swaps make a closure happen once: the request's own
 * `pending -> confirmed` (one press wins), then the per-account lock (one request wins per account).
 */
export class ClosureService {
  /** Requests of this process whose audit write after the outcome failed: settled only after the gaps are filled. */
  private readonly unaudited = new Set<string>();

  constructor(private readonly options: ClosureServiceOptions) {}

  async open(input: {
    identity: VerifiedIdentity;
    channelId: string;
    channelUserId: string;
    conversationId: string;
    conversation: Record<string, unknown>;
  }): Promise<{ request: ClosureRequest; nonce: string }> {
    const now = this.options.clock();
    const nonce = newNonce();
    const request: ClosureRequest = {
      requestId: newRequestId(),
      channelId: input.channelId,
      channelUserId: input.channelUserId,
      objectId: input.identity.objectId,
      tenantId: input.identity.tenantId,
      upnHash: this.options.hashUpn(input.identity.upn),
      upn: input.identity.upn,
      conversation: input.conversation,
      conversationId: input.conversationId,
      nonceHash: hashNonce(nonce),
      status: 'pending',
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.options.confirmationTtlMs).toISOString(),
      updatedAt: now.toISOString(),
      attempts: 0,
    };
    await this.options.requests.create(request.requestId, request);
    await this.audit('warningShown', request);
    return { request, nonce };
  }

  /**
   * Judges a press before its fresh sign-in, with the same checks `confirm` makes except the identity: a reason to
   * refuse, or `actionable` when only a confirmation with a fresh identity can tell. One place for every channel.
   */
  async peek(requestId: string, press: Press): Promise<RejectionReason | 'actionable'> {
    const request = (await this.options.requests.get(requestId))?.value;
    if (!request) return 'unknownRequest';
    return this.judge(request, press) ?? 'actionable';
  }

  /** Ends a pending request whose warning has expired (a press found it so before any sign-in). Returns whether it did. */
  async expireIfOverdue(requestId: string): Promise<boolean> {
    const stored = await this.options.requests.get(requestId);
    if (!stored || stored.value.status !== 'pending' || Date.parse(stored.value.expiresAt) > this.options.clock().getTime()) return false;
    const ended = await this.transition(stored, 'expired', {}).catch((error: unknown) => this.ignoreConflict(error));
    if (ended) await this.audit('expired', ended.value);
    return ended !== undefined;
  }

  /** Remembers which message carries the request's card (Teams), so any instance can update it later. */
  async recordCard(requestId: string, activityId: string): Promise<void> {
    const stored = await this.options.requests.get(requestId);
    if (!stored || stored.value.cardActivityId === activityId) return;
    await this.options.requests
      .replace(requestId, { ...stored.value, cardActivityId: activityId }, stored.etag)
      .catch((error: unknown) => this.ignoreConflict(error));
  }

  /** Reads a request, for rendering its state (e.g. a Teams card refresh). */
  async get(requestId: string): Promise<ClosureRequest | undefined> {
    return (await this.options.requests.get(requestId))?.value;
  }

  async confirm(requestId: string, nonce: string, presser: Presser): Promise<ConfirmResult> {
    const stored = await this.options.requests.get(requestId);
    const rejection = stored ? this.check(stored.value, nonce, presser) : 'unknownRequest';
    if (rejection) {
      await this.options.audit.append({
        type: 'confirmationRejected',
        at: this.nowIso(),
        requestId,
        objectId: presser.identity.objectId,
        tenantId: presser.identity.tenantId,
        detail: rejection,
      });
      if (rejection === 'expired' && stored) {
        // The press found its warning expired: the request ends here, with its outcome on record.
        const ended = await this.transition(stored, 'expired', {}).catch((error: unknown) => this.ignoreConflict(error));
        if (ended) await this.audit('expired', ended.value);
      }
      return { kind: 'rejected', reason: rejection };
    }
    const live = stored as StoredRecord<ClosureRequest>;
    let confirmed: StoredRecord<ClosureRequest>;
    try {
      confirmed = await this.transition(live, 'confirmed', {});
    } catch (error) {
      if (isAppError(error, 'RECORD_CONFLICT')) return { kind: 'rejected', reason: 'inProgress' };
      throw error;
    }
    await this.audit('confirmed', confirmed.value);
    return this.finish(confirmed);
  }

  async decline(requestId: string, press: Press, type: 'declined' | 'cancelled' = 'declined'): Promise<DeclineResult> {
    const stored = await this.options.requests.get(requestId);
    if (!stored) return { kind: 'rejected', reason: 'unknownRequest' };
    const rejection = this.judge(stored.value, press, { allowExpired: true });
    if (rejection) return { kind: 'rejected', reason: rejection };
    try {
      const ended = await this.transition(stored, 'cancelled', type === 'declined' ? { declined: true } : {});
      await this.audit(type, ended.value);
      return { kind: 'declined' };
    } catch (error) {
      if (isAppError(error, 'RECORD_CONFLICT')) return { kind: 'rejected', reason: 'inProgress' };
      throw error;
    }
  }

  /** "cancel" typed in the chat: ends the requester's pending request without needing the card's nonce. */
  async cancelPending(requestId: string, channelUserId: string): Promise<boolean> {
    const stored = await this.options.requests.get(requestId);
    if (!stored || stored.value.status !== 'pending' || stored.value.channelUserId !== channelUserId) return false;
    const ended = await this.transition(stored, 'cancelled', {}).catch((error: unknown) => this.ignoreConflict(error));
    if (ended) await this.audit('cancelled', ended.value);
    return ended !== undefined;
  }

  /**
   * Finishes closures a crash or an unanswered directory left `confirmed` or `closing` once their lease has
   * lapsed, and finds ended requests nobody has settled yet (told, forgotten), whose settling instance died.
   * Returns the ids to settle (`ClosureWorkflow.settle`).
   */
  async reconcile(): Promise<string[]> {
    const toSettle: string[] = [];
    for (const record of await this.options.requests.list()) {
      if (this.needsReconcile(record.value) && (await this.reconcileOne(record))) toSettle.push(record.id);
    }
    return toSettle;
  }

  /** Whether the reconciler has work on this request now: a closure whose lease lapsed, or an end nobody settled. */
  needsReconcile(value: ClosureRequest): boolean {
    const now = this.options.clock().getTime();
    const lapsed = Date.parse(value.leaseUntil ?? new Date(Date.parse(value.updatedAt) + this.options.closingLeaseMs).toISOString()) <= now;
    if (TERMINAL_STATUSES.includes(value.status))
      return !value.outcomeNotified && (value.settlingUntil ? Date.parse(value.settlingUntil) <= now : lapsed);
    return (value.status === 'confirmed' || value.status === 'closing') && lapsed;
  }

  /**
   * The reconciler's work on one request `needsReconcile` chose: a stranded closure is finished (one instance wins
   * its compare-and-swap). Returns whether the request has ended and is to be settled.
   */
  async reconcileOne(record: StoredRecord<ClosureRequest>): Promise<boolean> {
    const { requestId, status } = record.value;
    if (TERMINAL_STATUSES.includes(status)) return true;
    this.options.logger.warn('finishing a stranded closure', { requestId, status });
    try {
      const result = await this.finish(record);
      await this.options.audit.append({
        type: 'reconciled',
        at: this.nowIso(),
        requestId,
        objectId: record.value.objectId,
        tenantId: record.value.tenantId,
        detail: result.kind,
      });
      return result.kind !== 'stillClosing';
    } catch (error) {
      if (!isAppError(error, 'RECORD_CONFLICT')) throw error;
      this.options.logger.info('another instance took the stranded closure', { requestId });
      return false;
    }
  }

  /**
   * Claims the settling of an ended request (telling the outcome, forgetting, updating the card) for `leaseMs`,
   * by compare-and-swap, so one instance does it. Undefined when it is settled, not ended, or another holds it.
   */
  async claimSettlement(requestId: string, leaseMs: number): Promise<StoredRecord<ClosureRequest> | undefined> {
    const stored = await this.options.requests.get(requestId);
    if (!stored || stored.value.outcomeNotified || !TERMINAL_STATUSES.includes(stored.value.status)) return undefined;
    const now = this.options.clock().getTime();
    if (stored.value.settlingUntil && Date.parse(stored.value.settlingUntil) > now) return undefined;
    const value: ClosureRequest = { ...stored.value, settlingUntil: new Date(now + leaseMs).toISOString() };
    try {
      return { value, etag: await this.options.requests.replace(requestId, value, stored.etag) };
    } catch (error) {
      return this.ignoreConflict(error);
    }
  }

  /** The request is settled: the conversation reference, the last personal trace, goes. */
  async markSettled(claimed: StoredRecord<ClosureRequest>): Promise<void> {
    const { conversation: _conversation, settlingUntil: _claim, ...rest } = claimed.value;
    await this.options.requests.replace(rest.requestId, { ...rest, outcomeNotified: true }, claimed.etag);
  }

  /**
   * Writes the audit events a crash or a failed write skipped for these requests (a reconciled closure always has
   * its `closing` event), marked `recovered`. Reads the whole trail: for the reconciler, not for every turn.
   */
  async completeAudit(requestIds: readonly string[]): Promise<void> {
    const wanted = requestIds.filter((id) => id);
    if (wanted.length === 0) return;
    const requests = new Map<string, ClosureRequest | undefined>();
    for (const requestId of wanted) requests.set(requestId, (await this.options.requests.get(requestId))?.value);
    // Only the trail since the oldest of these requests began (less a clock-skew margin), not the whole trail.
    const since = Math.min(...[...requests.values()].map((r) => (r ? Date.parse(r.createdAt) : 0))) - AUDIT_SKEW_MS;
    const present = new Map<string, Set<string>>();
    for (const event of await this.options.audit.readAll({ since: new Date(Math.max(since, 0)) })) {
      if (event.requestId) present.set(event.requestId, (present.get(event.requestId) ?? new Set()).add(event.type));
    }
    for (const requestId of wanted) {
      const request = requests.get(requestId);
      for (const type of (request && EXPECTED_AUDIT[request.status]) || []) {
        if (!present.get(requestId)?.has(type)) await this.audit(type, request as ClosureRequest, 'recovered');
      }
      this.unaudited.delete(requestId);
    }
  }

  /** Whether an audit write after this request's outcome failed in this process (see `completeAudit`). */
  hasAuditGaps(requestId: string): boolean {
    return this.unaudited.has(requestId);
  }

  /**
   * Moves every pending request past its expiry to `expired`, so nothing can confirm it and its card can show
   * that. Returns them as they were (with their conversation) for the caller to update the cards.
   */
  async expireOverdue(): Promise<ClosureRequest[]> {
    const now = this.options.clock().getTime();
    const expired: ClosureRequest[] = [];
    for (const record of await this.options.requests.list()) {
      if (record.value.status !== 'pending' || Date.parse(record.value.expiresAt) > now) continue;
      try {
        const ended = await this.transition(record, 'expired', {});
        await this.audit('expired', ended.value);
        expired.push(record.value);
      } catch (error) {
        // Pressed, cancelled or expired by another instance at the same moment: it is theirs.
        this.ignoreConflict(error);
      }
    }
    return expired;
  }

  private check(request: ClosureRequest, nonce: string, presser: Presser): RejectionReason | undefined {
    const rejection = this.judge(request, { ...presser, nonce });
    if (rejection) return rejection;
    return sameAccount(request, presser.identity) ? undefined : 'differentAccount';
  }

  /** Every check of a press but the identity's: status, requester, conversation (no replay elsewhere), nonce, expiry. */
  private judge(request: ClosureRequest, press: Press, options: { allowExpired?: boolean } = {}): RejectionReason | undefined {
    if (request.status !== 'pending') return statusRejection(request.status);
    if (request.channelUserId !== press.channelUserId) return 'notRequester';
    if (request.conversationId !== undefined && request.conversationId !== press.conversationId) return 'otherConversation';
    if (!nonceMatches(press.nonce, request.nonceHash)) return 'badNonce';
    if (!options.allowExpired && this.options.clock().getTime() >= Date.parse(request.expiresAt)) return 'expired';
    return undefined;
  }

  /** confirmed -> (lock, realm re-check) -> closing -> outcome. Safe to run again after a crash at any point. */
  private async finish(record: StoredRecord<ClosureRequest>): Promise<ConfirmResult> {
    let current = record;
    const { requestId } = current.value;
    if (current.value.status === 'confirmed') {
      const holder = await this.acquireLock(current.value);
      if (holder !== requestId) {
        const failed = await this.transition(current, 'failed', { errorCode: 'closedByAnotherRequest' });
        await this.auditAfterOutcome('closeFailed', failed.value, 'closedByAnotherRequest');
        return { kind: 'rejected', reason: 'closedByAnotherRequest' };
      }
      const verdict = await this.recheckRealm(current);
      if (verdict.kind !== 'eligible') return verdict.result;
      current = await this.transition(current, 'closing', { leaseUntil: this.leaseUntil(), attempts: current.value.attempts + 1 });
      await this.audit('closing', current.value);
    } else if (current.value.status === 'closing') {
      current = await this.transition(current, 'closing', { leaseUntil: this.leaseUntil(), attempts: current.value.attempts + 1 });
    }
    return this.close(current);
  }

  private async close(record: StoredRecord<ClosureRequest>): Promise<ConfirmResult> {
    let current = record;
    const { requestId } = current.value;
    // The closer may take longer than the lease (3 calls x 60 s deadlines against 120 s): the lease is renewed while
    // it runs, so no reconciler starts a second closer on a live one. Writes of the record go one at a time.
    const lease = new LeaseRenewal({
      everyMs: this.options.closingLeaseMs / 3,
      write: async (changes) => {
        current = await this.transition(current, 'closing', changes);
      },
      renewal: () => ({ leaseUntil: this.leaseUntil() }),
      requestId,
      logger: this.options.logger,
    });
    const recordDeleteSent = async () => {
      if (!current.value.deleteSentAt) await lease.write({ deleteSentAt: this.nowIso() });
    };
    let outcome: CloseOutcome;
    try {
      outcome = await this.options.closer.close(current.value, {
        requestId,
        deleteSent: current.value.deleteSentAt !== undefined,
        recordDeleteSent,
      });
    } catch (error) {
      await lease.stop();
      return this.closeDidNotHappen(current, error);
    }
    await lease.stop();
    // The directory has acted: from here a failure to record it is never "failed". The request stays `closing`
    // and the reconciler records it (the closer is idempotent for one request).
    try {
      if (outcome.kind === 'closed') {
        const closedAt = this.options.clock();
        const done = await this.transition(current, 'closed', { closedAt: closedAt.toISOString() });
        await this.auditAfterOutcome('closed', done.value);
        return { kind: 'closed', requestId, closedAt };
      }
      // Before the transition scrubs them: the check needs the channel ids and the conversation (idempotent per request).
      await this.options.onHandedOff?.({
        ...current.value,
        status: 'handedOff',
        portalUrl: outcome.portalUrl,
        handOffReason: outcome.reason,
      });
      const done = await this.transition(current, 'handedOff', { portalUrl: outcome.portalUrl, handOffReason: outcome.reason });
      await this.auditAfterOutcome('handedOff', done.value, outcome.reason);
      await this.releaseLock(done.value);
      return { kind: 'handedOff', requestId, portalUrl: outcome.portalUrl, reason: outcome.reason };
    } catch (error) {
      if (isAppError(error, 'RECORD_CONFLICT')) throw error;
      this.options.logger.error('the outcome could not be recorded; the reconciler will record it', {
        requestId,
        outcome: outcome.kind,
        error,
      });
      return { kind: 'stillClosing', requestId };
    }
  }

  private async closeDidNotHappen(current: StoredRecord<ClosureRequest>, error: unknown): Promise<ConfirmResult> {
    const { requestId } = current.value;
    if (isAppError(error, 'RECORD_CONFLICT')) throw error;
    const appError = isAppError(error) ? error : new AppError('CLOSE_FAILED', `closing ${requestId} failed`, { cause: error });
    const outcomeUnknown = appError.code === 'DIRECTORY_UNAVAILABLE';
    this.options.logger.error('closing the account did not finish', { requestId, errorCode: appError.code, error });
    if (outcomeUnknown && current.value.attempts < this.options.maxCloseAttempts) {
      // The delete may have happened: stay `closing` and let the reconciler retry (deletes are idempotent).
      await this.options.audit.append({
        type: 'closeFailed',
        at: this.nowIso(),
        requestId,
        objectId: current.value.objectId,
        tenantId: current.value.tenantId,
        detail: `${appError.code}:willRetry`,
      });
      return { kind: 'stillClosing', requestId };
    }
    const failed = await this.transition(current, 'failed', { errorCode: appError.code });
    await this.audit('closeFailed', failed.value, appError.code);
    return { kind: 'failed', requestId, error: appError };
  }

  /** An audit write after the outcome is recorded: a failure is logged and the gap filled before settling. */
  private async auditAfterOutcome(type: AuditEvent['type'], request: ClosureRequest, detail?: string): Promise<void> {
    try {
      await this.audit(type, request, detail);
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
   * A handed-off request will never close the account itself: its lock goes, so the request the user makes after
   * (or the hand-off's verification) is not refused as "being closed by another request".
   */
  private async releaseLock(request: ClosureRequest): Promise<void> {
    const key = accountKey(request);
    const lock = await this.options.locks.get(key);
    if (lock?.value.requestId !== request.requestId) return;
    await this.options.locks.delete(key);
    await this.auditAfterOutcome('lockReleased', request);
  }

  /** The right to close an account belongs to one request; a lock left by a request that ended without closing is taken over. */
  private async acquireLock(request: ClosureRequest): Promise<string> {
    const key = accountKey(request);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.options.locks.create(key, { requestId: request.requestId });
        return request.requestId;
      } catch (error) {
        if (!isAppError(error, 'RECORD_CONFLICT')) throw error;
      }
      const lock = await this.options.locks.get(key);
      if (!lock) continue;
      if (lock.value.requestId === request.requestId) return request.requestId;
      const holder = (await this.options.requests.get(lock.value.requestId))?.value;
      const holderAlive = holder && !['failed', 'cancelled', 'expired', 'handedOff'].includes(holder.status);
      if (holderAlive) return lock.value.requestId;
      try {
        await this.options.locks.replace(key, { requestId: request.requestId }, lock.etag);
        return request.requestId;
      } catch (error) {
        if (!isAppError(error, 'RECORD_CONFLICT')) throw error;
      }
    }
    throw new AppError('RECORD_CONFLICT', `could not take the closure lock of request "${request.requestId}"`);
  }

  private async recheckRealm(
    current: StoredRecord<ClosureRequest>,
  ): Promise<{ kind: 'eligible' } | { kind: 'ended'; result: ConfirmResult }> {
    const { requestId, upn } = current.value;
    try {
      if (!upn) throw new AppError('REALM_UNAVAILABLE', `request "${requestId}" has no UPN to re-check`);
      const verdict = await this.options.realm.lookup(upn);
      await this.audit('realmChecked', current.value, `recheck:${verdict.kind}`);
      if (verdict.kind === 'unmanaged') return { kind: 'eligible' };
      const failed = await this.transition(current, 'failed', { errorCode: `noLongerEligible:${verdict.kind}` });
      await this.auditAfterOutcome('closeFailed', failed.value, `noLongerEligible:${verdict.kind}`);
      return { kind: 'ended', result: { kind: 'notEligible', requestId, verdict: verdict.kind } };
    } catch (error) {
      if (!isAppError(error, 'REALM_UNAVAILABLE')) throw error;
      if (isTransientRealmFailure(error) && current.value.attempts + 1 < this.options.maxCloseAttempts) {
        // A gateway's 502/503/504 or a network failure says nothing about the account: the confirmed request waits
        // one lease and the reconciler asks again, up to maxCloseAttempts, instead of failing a confirmed closure.
        await this.transition(current, 'confirmed', { leaseUntil: this.leaseUntil(), attempts: current.value.attempts + 1 });
        await this.options.audit.append({
          type: 'closeFailed',
          at: this.nowIso(),
          requestId,
          objectId: current.value.objectId,
          tenantId: current.value.tenantId,
          detail: `${error.code}:willRetry`,
        });
        return { kind: 'ended', result: { kind: 'stillClosing', requestId } };
      }
      await this.transition(current, 'failed', { errorCode: error.code });
      await this.audit('closeFailed', current.value, error.code);
      return { kind: 'ended', result: { kind: 'failed', requestId, error } };
    }
  }

  private async transition(
    record: StoredRecord<ClosureRequest>,
    status: ClosureStatus,
    changes: Partial<ClosureRequest>,
  ): Promise<StoredRecord<ClosureRequest>> {
    let value: ClosureRequest = { ...record.value, ...changes, status, updatedAt: this.nowIso() };
    if (TERMINAL_STATUSES.includes(status)) value = scrubbed(value);
    const etag = await this.options.requests.replace(value.requestId, value, record.etag);
    return { value, etag };
  }

  private async audit(type: AuditEvent['type'], request: ClosureRequest, detail?: string): Promise<void> {
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

  private leaseUntil(): string {
    return new Date(this.options.clock().getTime() + this.options.closingLeaseMs).toISOString();
  }

  private nowIso(): string {
    return this.options.clock().toISOString();
  }

  private ignoreConflict(error: unknown): undefined {
    if (isAppError(error, 'RECORD_CONFLICT')) return undefined;
    throw error;
  }
}
