import type { CloseOutcome } from '../accountCloser';
import { accountKey, type ClosureRequest } from '../closureRequest';
import type { ConfirmResult } from '../closureOutcome';
import { AppError, isAppError } from '../errors';
import type { StoredRecord } from '../recordStore';
import { isTransientRealmFailure, LeaseRenewal } from '../closingLease';
import type { ClosureRecords } from './closureRecords';

/**
 * The closing engine: from a recorded `confirmed` to an outcome. The per-account lock (one request wins per
 * account), the realm re-check, `closing` with a lease, the closer; safe to run again after a crash at any point
 * (the reconciler does), since the closer is idempotent per request.
 */
export class ClosingEngine {
  constructor(private readonly records: ClosureRecords) {}

  /** confirmed -> (lock, realm re-check) -> closing -> outcome. Safe to run again after a crash at any point. */
  async finish(record: StoredRecord<ClosureRequest>): Promise<ConfirmResult> {
    let current = record;
    const { requestId } = current.value;
    if (current.value.status === 'confirmed') {
      // The account is the unit of truth: closed meanwhile by another request (or a verified hand-off), this one ends so.
      if (await this.records.accounts.isClosed(current.value)) {
        const ended = await this.records.transition(current, 'closedElsewhere', {});
        await this.records.audit('closedElsewhere', ended.value);
        return { kind: 'closedElsewhere', requestId };
      }
      const holder = await this.acquireLock(current.value);
      if (holder !== requestId) {
        const lost = await this.records.transition(current, 'failed', { failure: { kind: 'lostToAnotherRequest' } });
        await this.records.auditAfterOutcome('closeFailed', lost.value, 'lostToAnotherRequest');
        return { kind: 'rejected', reason: 'closedByAnotherRequest' };
      }
      const verdict = await this.recheckRealm(current);
      if (verdict.kind !== 'eligible') return verdict.result;
      current = await this.records.transition(current, 'closing', {
        leaseUntil: this.records.leaseUntil(),
        attempts: current.value.attempts + 1,
      });
      await this.records.audit('closing', current.value);
    } else if (current.value.status === 'closing' || current.value.status === 'outcomeUnknown') {
      current = await this.records.transition(current, current.value.status, {
        leaseUntil: this.records.leaseUntil(),
        attempts: current.value.attempts + 1,
      });
    }
    return this.close(current);
  }

  private async close(record: StoredRecord<ClosureRequest>): Promise<ConfirmResult> {
    let current = record;
    const { requestId } = current.value;
    // The closer may take longer than the lease (3 calls x 60 s deadlines against 120 s): the lease is renewed while
    // it runs, so no reconciler starts a second closer on a live one. Writes of the record go one at a time.
    const lease = new LeaseRenewal({
      everyMs: this.records.options.closingLeaseMs / 3,
      write: async (changes) => {
        current = await this.records.transition(current, 'closing', changes);
      },
      renewal: () => ({ leaseUntil: this.records.leaseUntil() }),
      requestId,
      logger: this.records.options.logger,
    });
    const recordDeleteSent = async () => {
      if (!current.value.deleteSentAt) await lease.write({ deleteSentAt: this.records.nowIso() });
    };
    // What led here (confirmed, the re-check, closing) is on the audit before the directory acts (issue 22 holds a
    // turn's events to write them together).
    await this.records.options.audit.flush?.();
    let outcome: CloseOutcome;
    try {
      outcome = await this.records.options.closer.close(current.value, {
        requestId,
        deleteSent: current.value.deleteSentAt !== undefined,
        recordDeleteSent,
      });
    } catch (error) {
      await lease.stop();
      return this.closerThrew(current, error);
    }
    await lease.stop();
    // The directory has acted: from here a failure to record it is never "failed". The request stays `closing`
    // and the reconciler records it (the closer is idempotent for one request).
    try {
      if (outcome.kind === 'closed') {
        const closedAt = this.records.options.clock();
        const done = await this.records.transition(current, 'closed', {
          closedAt: closedAt.toISOString(),
          ...this.records.settlingClaim(),
        });
        await this.records.auditAfterOutcome('closed', done.value);
        await this.markAccountClosed(done.value, current.value);
        return { kind: 'closed', requestId, closedAt };
      }
      // Before the transition scrubs them: the check needs the channel ids and the conversation (idempotent per request).
      await this.records.options.onHandedOff?.({
        ...current.value,
        status: 'handedOff',
        portalUrl: outcome.portalUrl,
        handOffReason: outcome.reason,
      });
      const done = await this.records.transition(current, 'handedOff', {
        portalUrl: outcome.portalUrl,
        handOffReason: outcome.reason,
        ...this.records.settlingClaim(),
      });
      await this.records.auditAfterOutcome('handedOff', done.value, outcome.reason);
      await this.releaseLock(done.value);
      return { kind: 'handedOff', requestId, portalUrl: outcome.portalUrl, reason: outcome.reason };
    } catch (error) {
      if (isAppError(error, 'RECORD_CONFLICT')) throw error;
      this.records.options.logger.error('the outcome could not be recorded; the reconciler will record it', {
        requestId,
        outcome: outcome.kind,
        error,
      });
      return { kind: 'stillClosing', requestId };
    }
  }

  private async closerThrew(current: StoredRecord<ClosureRequest>, error: unknown): Promise<ConfirmResult> {
    const { requestId } = current.value;
    if (isAppError(error, 'RECORD_CONFLICT')) throw error;
    const appError = isAppError(error) ? error : new AppError('CLOSE_FAILED', `closing ${requestId} failed`, { cause: error });
    // Storage that did not answer (recording `deleteSentAt` before the delete) says nothing about the account either:
    // a recorded Yes is retried by the reconciler, never failed by a blip (the kill -9 run: "I haven't changed
    // anything" after a recorded Yes).
    const retryable = appError.code === 'DIRECTORY_UNAVAILABLE' || appError.code === 'STORAGE_UNAVAILABLE';
    this.records.options.logger.error('closing the account did not finish', { requestId, errorCode: appError.code, error });
    if (current.value.status === 'outcomeUnknown') return { kind: 'outcomeUnknown', requestId };
    if (retryable && current.value.attempts < this.records.options.maxCloseAttempts) {
      // The delete may have happened: stay `closing` and let the reconciler retry (deletes are idempotent).
      await this.records.options.audit.append({
        type: 'closeFailed',
        at: this.records.nowIso(),
        requestId,
        objectId: current.value.objectId,
        tenantId: current.value.tenantId,
        detail: `${appError.code}:willRetry`,
      });
      return { kind: 'stillClosing', requestId };
    }
    if (current.value.deleteSentAt) {
      // Once a delete was sent, "nothing changed" would be a guess: the request ends only `closed`, and until the
      // directory says so it is `outcomeUnknown`, which the reconciler keeps checking (the closer is idempotent).
      const unknown = await this.records.transition(current, 'outcomeUnknown', { leaseUntil: this.records.leaseUntil() });
      await this.records.audit('outcomeUnknown', unknown.value, appError.code);
      return { kind: 'outcomeUnknown', requestId };
    }
    const failed = await this.records.transition(current, 'failed', { failure: { kind: 'error', code: appError.code } });
    await this.records.audit('closeFailed', failed.value, appError.code);
    return { kind: 'failed', requestId, error: appError };
  }

  /**
   * Records the account closed (so no warning opens for it and its other requests end); a failure is left to settling.
   * `requester` is the request before the outcome scrubbed its chat ids: its own chat leaves the export-offer list.
   */
  private async markAccountClosed(request: ClosureRequest, requester: ClosureRequest): Promise<void> {
    try {
      await this.records.accounts.markClosed(request, request.requestId, requester);
    } catch (error) {
      this.records.options.logger.error("the account's record could not be marked closed yet; settling retries it", {
        requestId: request.requestId,
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
    const lock = await this.records.options.locks.get(key);
    if (lock?.value.requestId !== request.requestId) return;
    await this.records.options.locks.delete(key);
    await this.records.auditAfterOutcome('lockReleased', request);
  }

  /** The right to close an account belongs to one request; a lock left by a request that ended without closing is taken over. */
  private async acquireLock(request: ClosureRequest): Promise<string> {
    const key = accountKey(request);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.records.options.locks.create(key, { requestId: request.requestId });
        return request.requestId;
      } catch (error) {
        if (!isAppError(error, 'RECORD_CONFLICT')) throw error;
      }
      const lock = await this.records.options.locks.get(key);
      if (!lock) continue;
      if (lock.value.requestId === request.requestId) return request.requestId;
      const holder = (await this.records.options.requests.get(lock.value.requestId))?.value;
      const holderAlive = holder && !['failed', 'cancelled', 'expired', 'handedOff', 'closedElsewhere'].includes(holder.status);
      if (holderAlive) return lock.value.requestId;
      try {
        await this.records.options.locks.replace(key, { requestId: request.requestId }, lock.etag);
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
      const verdict = await this.records.options.realm.lookup(upn);
      await this.records.audit('realmChecked', current.value, `recheck:${verdict.kind}`);
      if (verdict.kind === 'unmanaged') return { kind: 'eligible' };
      const failed = await this.records.transition(current, 'failed', { failure: { kind: 'notEligible', verdict: verdict.kind } });
      await this.records.auditAfterOutcome('closeFailed', failed.value, `noLongerEligible:${verdict.kind}`);
      return { kind: 'ended', result: { kind: 'notEligible', requestId, verdict: verdict.kind } };
    } catch (error) {
      if (!isAppError(error, 'REALM_UNAVAILABLE')) throw error;
      if (isTransientRealmFailure(error) && current.value.attempts + 1 < this.records.options.maxCloseAttempts) {
        // A gateway's 502/503/504 or a network failure says nothing about the account: the confirmed request waits
        // one lease and the reconciler asks again, up to maxCloseAttempts, instead of failing a confirmed closure.
        await this.records.transition(current, 'confirmed', {
          leaseUntil: this.records.leaseUntil(),
          attempts: current.value.attempts + 1,
        });
        await this.records.options.audit.append({
          type: 'closeFailed',
          at: this.records.nowIso(),
          requestId,
          objectId: current.value.objectId,
          tenantId: current.value.tenantId,
          detail: `${error.code}:willRetry`,
        });
        return { kind: 'ended', result: { kind: 'stillClosing', requestId } };
      }
      await this.records.transition(current, 'failed', { failure: { kind: 'error', code: error.code } });
      await this.records.audit('closeFailed', current.value, error.code);
      return { kind: 'ended', result: { kind: 'failed', requestId, error } };
    }
  }
}
