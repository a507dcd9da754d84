import type { AccountCloser, HandOffReason } from './accountCloser';
import type { AuditEvent, AuditTrail } from './auditTrail';
import {
  accountKey, hashNonce, newNonce, newRequestId, nonceMatches, OUTCOME_STATUSES, scrubbed, TERMINAL_STATUSES,
  type AccountClosureLock, type ClosureRequest, type ClosureStatus,
} from './closureRequest';
import { AppError, ErrorCatalogue, isAppError, type ErrorCode } from './errors';
import { sameAccount, type VerifiedIdentity } from './identity';
import type { Logger } from './logger';
import type { RecordStore, StoredRecord } from './recordStore';
import type { UserRealm } from './userRealm';

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

/** Who pressed the button, as proven at press time: the channel's user id and a fresh sign-in. */
export interface Presser {
  readonly channelUserId: string;
  readonly identity: VerifiedIdentity;
}

export type RejectionReason =
  | 'unknownRequest' | 'notRequester' | 'differentAccount' | 'badNonce' | 'expired'
  | 'alreadyClosed' | 'alreadyHandedOff' | 'inProgress' | 'cancelled' | 'failedBefore' | 'closedByAnotherRequest';

export type ConfirmResult =
  | { readonly kind: 'closed'; readonly requestId: string; readonly closedAt: Date }
  | { readonly kind: 'handedOff'; readonly requestId: string; readonly portalUrl: string; readonly reason: HandOffReason }
  | { readonly kind: 'rejected'; readonly reason: RejectionReason }
  | { readonly kind: 'notEligible'; readonly requestId: string; readonly verdict: 'managed' | 'notWorkOrSchool' }
  /** Nothing was closed; `errorCode` says why (e.g. the realm could not confirm). */
  | { readonly kind: 'failed'; readonly requestId: string; readonly error: AppError }
  /** The directory did not answer; the closure is finished in the background and the user is told. */
  | { readonly kind: 'stillClosing'; readonly requestId: string };

export type DeclineResult = { readonly kind: 'declined' } | { readonly kind: 'rejected'; readonly reason: RejectionReason };

/**
 * The irreversible step. Two compare-and-swaps make a closure happen once: the request's own
 * `pending -> confirmed` (one press wins), then the per-account lock (one request wins per account).
 */
export class ClosureService {
  constructor(private readonly options: ClosureServiceOptions) {}

  async open(input: { identity: VerifiedIdentity; channelId: string; channelUserId: string; conversation: Record<string, unknown> }): Promise<{ request: ClosureRequest; nonce: string }> {
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
   * Judges a press without a fresh sign-in, for presses that arrive outside the flow that showed the card:
   * a reason to refuse, or `actionable` when only a confirmation with a fresh identity can tell.
   */
  async peek(requestId: string, channelUserId: string): Promise<RejectionReason | 'actionable'> {
    const request = (await this.options.requests.get(requestId))?.value;
    if (!request) return 'unknownRequest';
    if (request.status !== 'pending') return statusRejection(request.status);
    if (request.channelUserId !== channelUserId) return 'notRequester';
    return 'actionable';
  }

  /** Reads a request, for rendering its state (e.g. a Teams card refresh). */
  async get(requestId: string): Promise<ClosureRequest | undefined> {
    return (await this.options.requests.get(requestId))?.value;
  }

  async confirm(requestId: string, nonce: string, presser: Presser): Promise<ConfirmResult> {
    const stored = await this.options.requests.get(requestId);
    const rejection = stored ? this.check(stored.value, nonce, presser) : 'unknownRequest';
    if (rejection) {
      await this.options.audit.append({ type: 'confirmationRejected', at: this.nowIso(), requestId, objectId: presser.identity.objectId, tenantId: presser.identity.tenantId, detail: rejection });
      if (rejection === 'expired' && stored) await this.transition(stored, 'expired', {}).catch((error: unknown) => this.ignoreConflict(error));
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

  async decline(requestId: string, nonce: string, channelUserId: string, type: 'declined' | 'cancelled' = 'declined'): Promise<DeclineResult> {
    const stored = await this.options.requests.get(requestId);
    if (!stored) return { kind: 'rejected', reason: 'unknownRequest' };
    if (stored.value.status !== 'pending') return { kind: 'rejected', reason: statusRejection(stored.value.status) };
    if (stored.value.channelUserId !== channelUserId) return { kind: 'rejected', reason: 'notRequester' };
    if (!nonceMatches(nonce, stored.value.nonceHash)) return { kind: 'rejected', reason: 'badNonce' };
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
   * lapsed, and picks up outcomes nobody has told the requester yet. Returns them with their conversation for
   * the caller to notify; call `markNotified` once told.
   */
  async reconcile(): Promise<Array<{ request: ClosureRequest; result: ConfirmResult }>> {
    const now = this.options.clock().getTime();
    const lapsed = (value: ClosureRequest) =>
      Date.parse(value.leaseUntil ?? new Date(Date.parse(value.updatedAt) + this.options.closingLeaseMs).toISOString()) <= now;
    const found: Array<{ request: ClosureRequest; result: ConfirmResult }> = [];
    for (const record of await this.options.requests.list()) {
      const { status, conversation, outcomeNotified } = record.value;
      if (OUTCOME_STATUSES.includes(status) && conversation && !outcomeNotified && lapsed(record.value)) {
        found.push({ request: record.value, result: outcomeOf(record.value) });
        continue;
      }
      if ((status !== 'confirmed' && status !== 'closing') || !lapsed(record.value)) continue;
      this.options.logger.warn('finishing a stranded closure', { requestId: record.id, status });
      try {
        const result = await this.finish(record);
        await this.options.audit.append({ type: 'reconciled', at: this.nowIso(), requestId: record.id, objectId: record.value.objectId, tenantId: record.value.tenantId, detail: result.kind });
        const after = await this.options.requests.get(record.id);
        if (after && result.kind !== 'stillClosing') found.push({ request: { ...after.value, conversation: record.value.conversation }, result });
      } catch (error) {
        if (!isAppError(error, 'RECORD_CONFLICT')) throw error;
        this.options.logger.info('another instance took the stranded closure', { requestId: record.id });
      }
    }
    return found;
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

  /** The requester has been told the outcome: the conversation reference, the last personal trace, goes. */
  async markNotified(requestId: string): Promise<void> {
    const stored = await this.options.requests.get(requestId);
    if (!stored || stored.value.outcomeNotified || !OUTCOME_STATUSES.includes(stored.value.status)) return;
    const { conversation: _conversation, ...rest } = stored.value;
    try {
      await this.options.requests.replace(requestId, { ...rest, outcomeNotified: true }, stored.etag);
    } catch (error) {
      // Another instance marked it at the same moment: told once is what counts.
      this.ignoreConflict(error);
    }
  }

  private check(request: ClosureRequest, nonce: string, presser: Presser): RejectionReason | undefined {
    if (request.status !== 'pending') return statusRejection(request.status);
    if (request.channelUserId !== presser.channelUserId) return 'notRequester';
    if (!nonceMatches(nonce, request.nonceHash)) return 'badNonce';
    if (!sameAccount(request, presser.identity)) return 'differentAccount';
    if (this.options.clock().getTime() >= Date.parse(request.expiresAt)) return 'expired';
    return undefined;
  }

  /** confirmed -> (lock, realm re-check) -> closing -> outcome. Safe to run again after a crash at any point. */
  private async finish(record: StoredRecord<ClosureRequest>): Promise<ConfirmResult> {
    let current = record;
    const { requestId } = current.value;
    if (current.value.status === 'confirmed') {
      const holder = await this.acquireLock(current.value);
      if (holder !== requestId) {
        await this.transition(current, 'failed', { errorCode: 'closedByAnotherRequest' });
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
    const recordDeleteSent = async () => {
      if (!current.value.deleteSentAt) current = await this.transition(current, 'closing', { deleteSentAt: this.nowIso() });
    };
    try {
      const outcome = await this.options.closer.close(current.value, { requestId, deleteSent: current.value.deleteSentAt !== undefined, recordDeleteSent });
      const closedAt = this.options.clock();
      if (outcome.kind === 'closed') {
        const done = await this.transition(current, 'closed', { closedAt: closedAt.toISOString() });
        await this.audit('closed', done.value);
        return { kind: 'closed', requestId, closedAt };
      }
      const before = current.value;
      const done = await this.transition(current, 'handedOff', { portalUrl: outcome.portalUrl, handOffReason: outcome.reason });
      await this.audit('handedOff', done.value, outcome.reason);
      await this.options.onHandedOff?.({ ...before, status: 'handedOff', portalUrl: outcome.portalUrl, handOffReason: outcome.reason });
      return { kind: 'handedOff', requestId, portalUrl: outcome.portalUrl, reason: outcome.reason };
    } catch (error) {
      if (isAppError(error, 'RECORD_CONFLICT')) throw error;
      const appError = isAppError(error) ? error : new AppError('CLOSE_FAILED', `closing ${requestId} failed`, { cause: error });
      const outcomeUnknown = appError.code === 'DIRECTORY_UNAVAILABLE';
      this.options.logger.error('closing the account did not finish', { requestId, errorCode: appError.code, error });
      if (outcomeUnknown && current.value.attempts < this.options.maxCloseAttempts) {
        // The delete may have happened: stay `closing` and let the reconciler retry (deletes are idempotent).
        await this.options.audit.append({ type: 'closeFailed', at: this.nowIso(), requestId, objectId: current.value.objectId, tenantId: current.value.tenantId, detail: `${appError.code}:willRetry` });
        return { kind: 'stillClosing', requestId };
      }
      const failed = await this.transition(current, 'failed', { errorCode: appError.code });
      await this.audit('closeFailed', failed.value, appError.code);
      return { kind: 'failed', requestId, error: appError };
    }
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
      const holderAlive = holder && !['failed', 'cancelled', 'expired'].includes(holder.status);
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

  private async recheckRealm(current: StoredRecord<ClosureRequest>): Promise<{ kind: 'eligible' } | { kind: 'ended'; result: ConfirmResult }> {
    const { requestId, upn } = current.value;
    try {
      if (!upn) throw new AppError('REALM_UNAVAILABLE', `request "${requestId}" has no UPN to re-check`);
      const verdict = await this.options.realm.lookup(upn);
      await this.audit('realmChecked', current.value, `recheck:${verdict.kind}`);
      if (verdict.kind === 'unmanaged') return { kind: 'eligible' };
      await this.transition(current, 'failed', { errorCode: `noLongerEligible:${verdict.kind}` });
      return { kind: 'ended', result: { kind: 'notEligible', requestId, verdict: verdict.kind } };
    } catch (error) {
      if (!isAppError(error, 'REALM_UNAVAILABLE')) throw error;
      await this.transition(current, 'failed', { errorCode: error.code });
      await this.audit('closeFailed', current.value, error.code);
      return { kind: 'ended', result: { kind: 'failed', requestId, error } };
    }
  }

  private async transition(record: StoredRecord<ClosureRequest>, status: ClosureStatus, changes: Partial<ClosureRequest>): Promise<StoredRecord<ClosureRequest>> {
    let value: ClosureRequest = { ...record.value, ...changes, status, updatedAt: this.nowIso() };
    if (TERMINAL_STATUSES.includes(status)) value = scrubbed(value);
    const etag = await this.options.requests.replace(value.requestId, value, record.etag);
    return { value, etag };
  }

  private async audit(type: AuditEvent['type'], request: ClosureRequest, detail?: string): Promise<void> {
    await this.options.audit.append({ type, at: this.nowIso(), requestId: request.requestId, objectId: request.objectId, tenantId: request.tenantId, upnHash: request.upnHash, ...(detail ? { detail } : {}) });
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

/** The result a finished request stands for, to tell a requester who missed it. */
function outcomeOf(request: ClosureRequest): ConfirmResult {
  const { requestId, errorCode = '' } = request;
  switch (request.status) {
    case 'closed': return { kind: 'closed', requestId, closedAt: new Date(request.closedAt ?? request.updatedAt) };
    case 'handedOff': return { kind: 'handedOff', requestId, portalUrl: request.portalUrl ?? '', reason: request.handOffReason ?? 'configured' };
    default: {
      if (errorCode.startsWith('noLongerEligible:')) return { kind: 'notEligible', requestId, verdict: errorCode.endsWith('managed') ? 'managed' : 'notWorkOrSchool' };
      if (errorCode === 'closedByAnotherRequest') return { kind: 'rejected', reason: 'closedByAnotherRequest' };
      const code: ErrorCode = errorCode in ErrorCatalogue ? (errorCode as ErrorCode) : 'CLOSE_FAILED';
      return { kind: 'failed', requestId, error: new AppError(code, `request "${requestId}" ended as failed`) };
    }
  }
}

function statusRejection(status: ClosureStatus): RejectionReason {
  switch (status) {
    case 'closed': return 'alreadyClosed';
    case 'handedOff': return 'alreadyHandedOff';
    case 'confirmed':
    case 'closing': return 'inProgress';
    case 'cancelled': return 'cancelled';
    case 'expired': return 'expired';
    case 'failed': return 'failedBefore';
    case 'pending': return 'inProgress';
  }
}
