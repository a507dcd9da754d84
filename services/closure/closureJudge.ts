import { hashNonce, newNonce, newRequestId, nonceMatches, type ClosureRequest } from '../closureRequest';
import { statusRejection, type ConfirmResult, type DeclineResult, type RejectionReason } from '../closureOutcome';
import { isAppError } from '../errors';
import { sameAccount, type VerifiedIdentity } from '../identity';
import type { StoredRecord } from '../recordStore';
import type { ClosingEngine } from './closingEngine';
import type { ClosureRecords } from './closureRecords';

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

/**
 * Judging presses: opens a request (the warning), and decides whether a Yes, a No, a typed cancel or a late press
 * counts. A Yes that counts is recorded (`pending -> confirmed`, one press wins) and handed to the closing engine.
 */
export class ClosureJudge {
  constructor(
    private readonly records: ClosureRecords,
    private readonly engine: ClosingEngine,
  ) {}

  async open(input: {
    identity: VerifiedIdentity;
    channelId: string;
    channelUserId: string;
    conversationId: string;
    conversation: Record<string, unknown>;
  }): Promise<{ request: ClosureRequest; nonce: string }> {
    const now = this.records.options.clock();
    const nonce = newNonce();
    const request: ClosureRequest = {
      requestId: newRequestId(),
      channelId: input.channelId,
      channelUserId: input.channelUserId,
      objectId: input.identity.objectId,
      tenantId: input.identity.tenantId,
      upnHash: this.records.options.hashUpn(input.identity.upn),
      upn: input.identity.upn,
      conversation: input.conversation,
      conversationId: input.conversationId,
      nonceHash: hashNonce(nonce),
      status: 'pending',
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.records.options.confirmationTtlMs).toISOString(),
      updatedAt: now.toISOString(),
      attempts: 0,
    };
    await this.records.options.requests.create(request.requestId, request);
    await this.records.audit('warningShown', request);
    return { request, nonce };
  }

  /**
   * Judges a press before its fresh sign-in, with the same checks `confirm` makes except the identity: a reason to
   * refuse, or `actionable` when only a confirmation with a fresh identity can tell. One place for every channel.
   */
  async peek(requestId: string, press: Press): Promise<RejectionReason | 'actionable'> {
    const request = (await this.records.options.requests.get(requestId))?.value;
    if (!request) return 'unknownRequest';
    return this.judge(request, press) ?? 'actionable';
  }

  /** Ends a pending request whose warning has expired (a press found it so before any sign-in). Returns whether it did. */
  async expireIfOverdue(requestId: string): Promise<boolean> {
    const stored = await this.records.options.requests.get(requestId);
    if (!stored || stored.value.status !== 'pending' || Date.parse(stored.value.expiresAt) > this.records.options.clock().getTime())
      return false;
    const ended = await this.records.transition(stored, 'expired', {}).catch((error: unknown) => this.records.ignoreConflict(error));
    if (ended) await this.records.audit('expired', ended.value);
    return ended !== undefined;
  }

  /** Remembers which message carries the request's card (Teams), so any instance can update it later. */
  async recordCard(requestId: string, activityId: string): Promise<void> {
    const stored = await this.records.options.requests.get(requestId);
    if (!stored || stored.value.cardActivityId === activityId) return;
    await this.records.options.requests
      .replace(requestId, { ...stored.value, cardActivityId: activityId }, stored.etag)
      .catch((error: unknown) => this.records.ignoreConflict(error));
  }

  /** Reads a request, for rendering its state (e.g. a Teams card refresh). */
  async get(requestId: string): Promise<ClosureRequest | undefined> {
    return (await this.records.options.requests.get(requestId))?.value;
  }

  async confirm(requestId: string, nonce: string, presser: Presser): Promise<ConfirmResult> {
    const stored = await this.records.options.requests.get(requestId);
    const rejection = stored ? this.check(stored.value, nonce, presser) : 'unknownRequest';
    if (rejection) {
      await this.records.options.audit.append({
        type: 'confirmationRejected',
        at: this.records.nowIso(),
        requestId,
        objectId: presser.identity.objectId,
        tenantId: presser.identity.tenantId,
        detail: rejection,
      });
      if (rejection === 'expired' && stored)
        await this.records.transition(stored, 'expired', {}).catch((error: unknown) => this.records.ignoreConflict(error));
      return { kind: 'rejected', reason: rejection };
    }
    const live = stored as StoredRecord<ClosureRequest>;
    let confirmed: StoredRecord<ClosureRequest>;
    try {
      confirmed = await this.records.transition(live, 'confirmed', {});
    } catch (error) {
      if (isAppError(error, 'RECORD_CONFLICT')) return { kind: 'rejected', reason: 'inProgress' };
      throw error;
    }
    await this.records.audit('confirmed', confirmed.value);
    return this.engine.finish(confirmed);
  }

  async decline(requestId: string, press: Press, type: 'declined' | 'cancelled' = 'declined'): Promise<DeclineResult> {
    const stored = await this.records.options.requests.get(requestId);
    if (!stored) return { kind: 'rejected', reason: 'unknownRequest' };
    const rejection = this.judge(stored.value, press, { allowExpired: true });
    if (rejection) return { kind: 'rejected', reason: rejection };
    try {
      const ended = await this.records.transition(stored, 'cancelled', type === 'declined' ? { declined: true } : {});
      await this.records.audit(type, ended.value);
      return { kind: 'declined' };
    } catch (error) {
      if (isAppError(error, 'RECORD_CONFLICT')) return { kind: 'rejected', reason: 'inProgress' };
      throw error;
    }
  }

  /** "cancel" typed in the chat: ends the requester's pending request without needing the card's nonce. */
  async cancelPending(requestId: string, channelUserId: string): Promise<boolean> {
    const stored = await this.records.options.requests.get(requestId);
    if (!stored || stored.value.status !== 'pending' || stored.value.channelUserId !== channelUserId) return false;
    const ended = await this.records.transition(stored, 'cancelled', {}).catch((error: unknown) => this.records.ignoreConflict(error));
    if (ended) await this.records.audit('cancelled', ended.value);
    return ended !== undefined;
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
    if (!options.allowExpired && this.records.options.clock().getTime() >= Date.parse(request.expiresAt)) return 'expired';
    return undefined;
  }
}
