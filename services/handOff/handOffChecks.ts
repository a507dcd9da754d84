import type { AuditEvent, AuditTrail } from '../auditTrail';
import type { ClosureRequest } from '../closureRequest';
import { isAppError } from '../errors';
import type { Logger } from '../logger';
import type { RecordStore, StoredRecord } from '../recordStore';
import type { AccountSignInProbe, UnknownEvidenceReason } from './signInEvidence';

/**
 * After a hand-off: what the bot needs to find out later whether the account was really closed on Microsoft's
 * page, and to tell the requester. It holds the channel ids and conversation reference (to ask the token service
 * for the account's token and to message the requester) and the UPN (to name the account) only while checks go on.
 */
export interface HandOffCheck {
  readonly requestId: string;
  readonly objectId: string;
  readonly tenantId: string;
  readonly upnHash: string;
  readonly channelId: string;
  readonly channelUserId?: string;
  readonly upn?: string;
  readonly conversation?: Record<string, unknown>;
  readonly handedOffAt: string;
  /** Checks stop after this time; the last answer stands. */
  readonly checkUntil: string;
  readonly nextCheckAt: string;
  readonly checks: number;
  /** The last verdict recorded (`handedOff` until the first check). */
  readonly state: 'handedOff' | 'closureVerified' | 'stillOpen' | 'unconfirmed';
  /** Set when checking is over (verified closed, or the window ran out); personal fields go once the requester is told. */
  readonly ended?: boolean;
  /**
   * The Teams messages of this request's cards (the warning, the hand-off), so a verdict can be shown on both;
   * channels that cannot update cards keep none.
   */
  readonly cardActivityIds?: readonly string[];
  /**
   * Failed sends of the final answer so far. An ended check that still holds its conversation owes the requester
   * that answer: the background pass sends it again, up to MAX_VERDICT_SENDS, then gives it up (audited).
   */
  readonly tellAttempts?: number;
  /** When checking ended (ISO 8601); records written before it was kept use `nextCheckAt`. */
  readonly endedAt?: string;
}

/**
 * How long an ended check keeps trying to tell the requester its final answer (each background pass tries again):
 * after that the personal fields go untold (issue 19: an undeliverable answer kept the UPN and conversation forever).
 */
export const FINAL_ANSWER_RETRY_MS = 24 * 60 * 60_000;

/** Whether the check still holds anything personal (the requester's ids, conversation, UPN). */
export function holdsPersonalFields(check: HandOffCheck): boolean {
  return check.channelUserId !== undefined || check.conversation !== undefined || check.upn !== undefined;
}

/** Open for the background work: still checking, or ended with a final answer not yet told. */
export function isOpenHandOffCheck(check: HandOffCheck): boolean {
  return !check.ended || holdsPersonalFields(check);
}

/** When the check last changed, for retention. */
export function handOffCheckChangedAt(check: HandOffCheck): string {
  return check.endedAt ?? check.nextCheckAt;
}

/** Sends of one final hand-off answer before it is given up (and audited). */
export const MAX_VERDICT_SENDS = 5;

/** What a check concluded: only positive evidence says closed or open. */
export type CheckVerdict =
  | { readonly kind: 'closureVerified' }
  | { readonly kind: 'stillOpen' }
  | { readonly kind: 'cannotConfirm'; readonly reason: UnknownEvidenceReason };

export type CheckResult =
  | { readonly kind: 'checked'; readonly verdict: CheckVerdict; readonly check: HandOffCheck }
  | { readonly kind: 'rejected'; readonly reason: 'unknownRequest' | 'notRequester' | 'alreadyVerified' };

export interface HandOffChecksOptions {
  readonly records: RecordStore<HandOffCheck>;
  readonly audit: AuditTrail;
  readonly probe: AccountSignInProbe;
  readonly clock: () => Date;
  /** How long after the hand-off the bot keeps checking on its own. */
  readonly checkWindowMs: number;
  /** Time between checks of the background schedule. */
  readonly checkIntervalMs: number;
  readonly logger: Logger;
  /** Told once a check verified the account closed: the account's other requests end (ClosureWorkflow.accountClosed). */
  readonly onClosureVerified?: (check: HandOffCheck) => Promise<void>;
}

/**
 * Verifies hand-offs: on the requester's "I've closed it, check" and on the background schedule it asks whether
 * the account still signs in, and records `handedOff -> closureVerified | stillOpen` in the audit. "Closed" is
 * said only on positive evidence (see GraphSignInProbe); otherwise "I can't confirm it yet".
 */
export class HandOffChecks {
  constructor(private readonly options: HandOffChecksOptions) {}

  /** Starts checking a request that was just handed off (called by the closure service, before scrubbing). */
  async started(request: ClosureRequest): Promise<void> {
    const now = this.options.clock();
    const check: HandOffCheck = {
      requestId: request.requestId,
      objectId: request.objectId,
      tenantId: request.tenantId,
      upnHash: request.upnHash,
      channelId: request.channelId,
      channelUserId: request.channelUserId,
      ...(request.upn ? { upn: request.upn } : {}),
      ...(request.conversation ? { conversation: request.conversation } : {}),
      handedOffAt: now.toISOString(),
      checkUntil: new Date(now.getTime() + this.options.checkWindowMs).toISOString(),
      nextCheckAt: new Date(now.getTime() + this.options.checkIntervalMs).toISOString(),
      checks: 0,
      state: 'handedOff',
      ...(request.cardActivityId ? { cardActivityIds: [request.cardActivityId] } : {}),
    };
    try {
      await this.options.records.create(request.requestId, check);
    } catch (error) {
      // The reconciler may hand off a request a crashed instance had already handed off: one check is enough.
      if (!isAppError(error, 'RECORD_CONFLICT')) throw error;
    }
  }

  async get(requestId: string): Promise<HandOffCheck | undefined> {
    return (await this.options.records.get(requestId))?.value;
  }

  /** The requester pressed "I've closed it, check": only they may ask, with the token the token service holds for them. */
  async checkForRequester(requestId: string, channelUserId: string, userToken: string | undefined): Promise<CheckResult> {
    const stored = await this.options.records.get(requestId);
    if (!stored) return { kind: 'rejected', reason: 'unknownRequest' };
    if (stored.value.state === 'closureVerified') return { kind: 'rejected', reason: 'alreadyVerified' };
    if (!stored.value.channelUserId || stored.value.channelUserId !== channelUserId) return { kind: 'rejected', reason: 'notRequester' };
    return this.check(stored, userToken);
  }

  /** Checks whose time has come on the background schedule (`isDue`). */
  async due(): Promise<HandOffCheck[]> {
    return (await this.options.records.list()).map((r) => r.value).filter((c) => this.isDue(c));
  }

  /** Background: a check whose next check is due, or an ended one whose final answer is still owed. */
  isDue(check: HandOffCheck): boolean {
    if (!check.ended) return Date.parse(check.nextCheckAt) <= this.options.clock().getTime();
    return holdsPersonalFields(check);
  }

  /** Whether an ended check has tried long enough to tell its final answer (`FINAL_ANSWER_RETRY_MS`). */
  finalAnswerOverdue(check: HandOffCheck): boolean {
    return Date.parse(handOffCheckChangedAt(check)) + FINAL_ANSWER_RETRY_MS <= this.options.clock().getTime();
  }

  /** Sending an ended check's final answer failed: counted, and given up (personal fields dropped, audited) at the bound. */
  async tellFailed(requestId: string): Promise<void> {
    const stored = await this.options.records.get(requestId);
    if (!stored?.value.ended || !stored.value.conversation) return;
    const tellAttempts = (stored.value.tellAttempts ?? 0) + 1;
    try {
      await this.options.records.replace(requestId, { ...stored.value, tellAttempts }, stored.etag);
    } catch (error) {
      if (!isAppError(error, 'RECORD_CONFLICT')) throw error;
      return;
    }
    if (tellAttempts < MAX_VERDICT_SENDS) return;
    await this.options.audit.append({
      type: 'deliveryGivenUp',
      at: this.options.clock().toISOString(),
      requestId,
      objectId: stored.value.objectId,
      tenantId: stored.value.tenantId,
      detail: stored.value.state,
    });
    await this.forgetRequester(requestId);
  }

  /** A background check; `undefined` when another instance checked it first. */
  async checkInBackground(requestId: string, userToken: string | undefined): Promise<CheckResult | undefined> {
    const stored = await this.options.records.get(requestId);
    if (!stored || stored.value.ended || Date.parse(stored.value.nextCheckAt) > this.options.clock().getTime()) return undefined;
    try {
      return await this.check(stored, userToken);
    } catch (error) {
      if (isAppError(error, 'RECORD_CONFLICT')) return undefined;
      throw error;
    }
  }

  /** Remembers the message of a card of this request (the hand-off card as sent), to show the verdict on it later. */
  async recordCard(requestId: string, activityId: string): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const stored = await this.options.records.get(requestId);
      if (!stored || stored.value.cardActivityIds?.includes(activityId)) return;
      const next = { ...stored.value, cardActivityIds: [...(stored.value.cardActivityIds ?? []), activityId] };
      try {
        await this.options.records.replace(requestId, next, stored.etag);
        return;
      } catch (error) {
        if (!isAppError(error, 'RECORD_CONFLICT')) throw error;
      }
    }
  }

  /** The requester was told the final answer: the personal fields go; ids and the verdict stay. */
  async forgetRequester(requestId: string): Promise<void> {
    const stored = await this.options.records.get(requestId);
    if (!stored || !stored.value.ended) return;
    const { channelUserId: _user, upn: _upn, conversation: _conversation, ...rest } = stored.value;
    await this.options.records.replace(requestId, rest, stored.etag).catch((error: unknown) => {
      if (!isAppError(error, 'RECORD_CONFLICT')) throw error;
    });
  }

  private async check(stored: StoredRecord<HandOffCheck>, userToken: string | undefined): Promise<CheckResult> {
    const now = this.options.clock();
    const evidence = await this.options.probe.probe(userToken, stored.value);
    const verdict: CheckVerdict =
      evidence.kind === 'gone'
        ? { kind: 'closureVerified' }
        : evidence.kind === 'open'
          ? { kind: 'stillOpen' }
          : { kind: 'cannotConfirm', reason: evidence.reason };
    const windowOver = now.getTime() >= Date.parse(stored.value.checkUntil);
    const state: HandOffCheck['state'] =
      verdict.kind === 'closureVerified'
        ? 'closureVerified'
        : verdict.kind === 'stillOpen'
          ? 'stillOpen'
          : stored.value.state === 'stillOpen'
            ? 'stillOpen'
            : windowOver
              ? 'unconfirmed'
              : stored.value.state;
    const check: HandOffCheck = {
      ...stored.value,
      checks: stored.value.checks + 1,
      nextCheckAt: new Date(now.getTime() + this.options.checkIntervalMs).toISOString(),
      state,
      ...(verdict.kind === 'closureVerified' || windowOver ? { ended: true, endedAt: now.toISOString() } : {}),
    };
    await this.options.records.replace(check.requestId, check, stored.etag);
    if (state !== stored.value.state || (check.ended && !stored.value.ended))
      await this.audit(state === 'handedOff' ? 'closureUnconfirmed' : auditTypeOf(state), check, verdict);
    if (state === 'closureVerified' && stored.value.state !== 'closureVerified') await this.closureVerified(check);
    this.options.logger.info('hand-off checked', {
      requestId: check.requestId,
      verdict: verdict.kind,
      ...(verdict.kind === 'cannotConfirm' ? { reason: verdict.reason } : {}),
      checks: check.checks,
    });
    return { kind: 'checked', verdict, check };
  }

  /** The account is closed: its other requests end. A failure is logged; their presses meet the account's record anyway. */
  private async closureVerified(check: HandOffCheck): Promise<void> {
    try {
      await this.options.onClosureVerified?.(check);
    } catch (error) {
      this.options.logger.error('ending the other requests of an account verified closed failed', { requestId: check.requestId, error });
    }
  }

  private async audit(type: AuditEvent['type'], check: HandOffCheck, verdict: CheckVerdict): Promise<void> {
    await this.options.audit.append({
      type,
      at: this.options.clock().toISOString(),
      requestId: check.requestId,
      objectId: check.objectId,
      tenantId: check.tenantId,
      upnHash: check.upnHash,
      detail: verdict.kind === 'cannotConfirm' ? `cannotConfirm:${verdict.reason}` : verdict.kind,
    });
  }
}

function auditTypeOf(state: Exclude<HandOffCheck['state'], 'handedOff'>): AuditEvent['type'] {
  switch (state) {
    case 'closureVerified':
      return 'closureVerified';
    case 'stillOpen':
      return 'stillOpen';
    case 'unconfirmed':
      return 'closureUnconfirmed';
  }
}
