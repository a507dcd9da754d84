import type { HandOffReason } from './accountCloser';
import type { ClosureRequest } from './closureRequest';
import {
  MAX_DELIVERY_ATTEMPTS,
  outcomeOf,
  type CancelResult,
  type ClosureService,
  type ConfirmResult,
  type Press,
  type Presser,
  type RejectionReason,
} from './closureService';
import type { AppError } from './errors';
import type { VerifiedIdentity } from './identity';
import type { Logger } from './logger';
import type { StoredRecord } from './recordStore';

/** An opaque conversation reference, as the channel stored it on the request (the channel alone reads it). */
export type ConversationAddress = Readonly<Record<string, unknown>>;

/** What the requester is told: typed outcomes the channel renders, never strings parsed back. */
export type ClosureNotice =
  /** `upn` is known only in the requester's own turn; `signedOut` is whether the sign-out went through. */
  | { readonly kind: 'closed'; readonly requestId: string; readonly closedAt: Date; readonly upn?: string; readonly signedOut: boolean }
  /** `upn`, known only in the requester's own turn, names the account on the hand-off card. */
  | {
      readonly kind: 'handedOff';
      readonly requestId: string;
      readonly portalUrl: string;
      readonly reason: HandOffReason;
      readonly upn?: string;
    }
  | { readonly kind: 'notEligible'; readonly requestId: string; readonly verdict: 'managed' | 'notWorkOrSchool' }
  | { readonly kind: 'failed'; readonly requestId: string; readonly error: AppError }
  | { readonly kind: 'stillClosing'; readonly requestId: string }
  /** The delete was sent and not confirmed yet: checked again on every pass; the end is told when known. */
  | { readonly kind: 'outcomeUnknown'; readonly requestId: string }
  /** The account was closed from another chat (another request, or a hand-off verified closed). */
  | { readonly kind: 'closedElsewhere'; readonly requestId: string }
  /** The Yes could not be recorded (storage); `certain` when it surely was not (then nothing is owed for it). */
  | { readonly kind: 'notRecorded'; readonly requestId: string; readonly certain: boolean }
  | { readonly kind: 'declined'; readonly requestId: string }
  | { readonly kind: 'rejected'; readonly reason: RejectionReason };

/**
 * The channel side of the workflow, implemented in `bot/`: four things a channel can do for a conversation.
 * `conversation` undefined means the conversation the current press arrived in.
 */
export interface ClosureChannel {
  send(notice: ClosureNotice, conversation?: ConversationAddress): Promise<void>;
  /** Shows the request's current state on its card where cards can be updated (Teams); elsewhere nothing. */
  updateCard(request: ClosureRequest, conversation: ConversationAddress): Promise<void>;
  /** Signs the requester out of the bot's OAuth connection (the token service forgets their token). */
  signOut(conversation: ConversationAddress): Promise<void>;
  /** Deletes the requester's conversation state in that conversation (dialog stack, progress, cards). */
  forgetConversation(conversation: ConversationAddress): Promise<void>;
  /**
   * A conversation at the export offer for an account closed elsewhere: deletes its state and tells it so, only
   * if the state still holds a flow of that account (never a newer, unrelated one). Returns whether it did.
   */
  forgetFlow(conversation: ConversationAddress, account: { readonly objectId: string; readonly tenantId: string }): Promise<boolean>;
}

export interface ClosureWorkflowOptions {
  readonly closure: ClosureService;
  /** Drops what other stores hold about the person once their account is closed (export jobs). */
  readonly forgetPerson: (identity: Pick<VerifiedIdentity, 'objectId' | 'tenantId'>) => Promise<void>;
  /** How long one instance owns the settling of an outcome before another may take it over (after a crash). */
  readonly settleLeaseMs: number;
  readonly logger: Logger;
}

/**
 * Everything after the user's decision, in one place for every channel (Teams, Emulator, web chat) and for the
 * reconciler. A request moves through these states, each recorded on its durable record so a crash or a second
 * instance resumes it:
 *
 *   deciding  (pending)            the press is judged (ClosureService.confirm/decline: one press wins)
 *   closing   (confirmed, closing) re-check, then close or hand off (ClosureService; the reconciler finishes it)
 *   unknown   (outcomeUnknown)     a delete was sent and not confirmed: told so once, checked on every pass
 *   settling  (ended, claimed)     one instance, by compare-and-swap: missing audit events written, the account's
 *                                  other requests ended after a closure, the requester's conversation state
 *                                  forgotten, signed out (best effort), the owed message sent, the card updated
 *   owed      (ended, settlement)  the send failed: the next pass sends again, up to MAX_DELIVERY_ATTEMPTS
 *   settled   (outcomeNotified)    told or given up (audited): nothing personal is left on the request
 */
export class ClosureWorkflow {
  constructor(private readonly options: ClosureWorkflowOptions) {}

  /** A Yes with a fresh identity. Returns the result for the caller's own bookkeeping; the requester is told here. */
  async confirm(requestId: string, press: Press, identity: VerifiedIdentity, channel: ClosureChannel): Promise<ConfirmResult> {
    const presser: Presser = { channelUserId: press.channelUserId, conversationId: press.conversationId, identity };
    const result = await this.options.closure.confirm(requestId, press.nonce, presser);
    switch (result.kind) {
      case 'stillClosing':
        // The record owes the outcome (the reconciler finishes and tells it); the card shows "closing" meanwhile.
        await channel.send({ kind: 'stillClosing', requestId });
        await this.showCard(requestId, channel);
        break;
      case 'outcomeUnknown':
        await this.tellUnknown(requestId, channel, undefined);
        break;
      case 'notRecorded':
        await channel.send(result);
        break;
      case 'rejected':
        await channel.send({ kind: 'rejected', reason: result.reason });
        // An expired press ends the request, one that lost the account to another request fails it, and one whose
        // account was closed elsewhere ends so: settle those (the press was just answered: nothing more is owed).
        if (result.reason === 'expired' || result.reason === 'closedByAnotherRequest' || result.reason === 'closedElsewhere')
          await this.settle(requestId, channel, { silent: true });
        break;
      default: {
        const settled = await this.settle(requestId, channel, { upn: identity.upn });
        if (!settled) this.options.logger.info('the outcome is being settled by another instance', { requestId });
      }
    }
    return result;
  }

  async decline(requestId: string, press: Press, channel: ClosureChannel): Promise<void> {
    const result = await this.options.closure.decline(requestId, press);
    if (result.kind === 'rejected') {
      await channel.send({ kind: 'rejected', reason: result.reason });
      if (result.reason === 'closedElsewhere') await this.settle(requestId, channel, { silent: true });
      return;
    }
    await this.settle(requestId, channel);
  }

  /** "cancel" typed in the chat; the dialog says what happened itself (from the result). */
  async cancel(requestId: string, channelUserId: string, channel: ClosureChannel): Promise<CancelResult> {
    const ended = await this.options.closure.cancelPending(requestId, channelUserId);
    if (ended !== 'notPending') await this.settle(requestId, channel, { silent: true });
    return ended;
  }

  /**
   * A warning past its expiry (a press found it so, or the background pass): the request ends now, its state is
   * forgotten and its card updated. Returns whether this call ended it.
   */
  async expire(requestId: string, channel: ClosureChannel): Promise<boolean> {
    const ended = await this.options.closure.expireIfOverdue(requestId);
    if (ended) await this.settle(requestId, channel, { silent: true });
    return ended;
  }

  /**
   * Background, one request `ClosureService.needsReconcile` chose: a stranded closure is finished, and an ended
   * request is settled with its missing audit events (written by the one instance that wins the settling claim, so
   * three instances reconciling together write each event once). Returns whether this call settled it.
   */
  async reconcileOne(record: StoredRecord<ClosureRequest>, channel: ClosureChannel): Promise<boolean> {
    if (!(await this.options.closure.reconcileOne(record))) return false;
    const { requestId } = record.value;
    const request = await this.options.closure.get(requestId);
    if (request?.status === 'outcomeUnknown') {
      // Sent but not confirmed: the requester is told so once, and later passes keep checking.
      await this.tellUnknown(requestId, channel, request.conversation);
      return false;
    }
    return this.settle(requestId, channel, { silent: false, recover: true });
  }

  /**
   * The account was closed (by `closedBy`, or a hand-off verified closed): every other request of it ends at once,
   * on whichever instance, each told "closed from another chat", its conversation state forgotten, its card updated.
   */
  async accountClosed(account: { objectId: string; tenantId: string }, closedBy: string, channel: ClosureChannel): Promise<void> {
    const { requests, flows } = await this.options.closure.accountClosed(account, closedBy);
    for (const conversation of flows) {
      await this.bestEffort('forgetting a chat at the export offer', closedBy, async () => {
        await channel.forgetFlow(conversation, account);
      });
    }
    for (const requestId of requests) {
      try {
        await this.settle(requestId, channel);
      } catch (error) {
        // Its claim lapses and the reconciler settles it; the account's other requests go on.
        this.options.logger.error('settling another request of a closed account failed; a later pass retries it', { requestId, error });
      }
    }
  }

  /** Background: finishes stranded closures, re-checks unknown outcomes, and settles every ended request nobody settled. */
  async reconcile(channel: ClosureChannel): Promise<number> {
    const ids = await this.options.closure.reconcile();
    let settled = 0;
    for (const requestId of ids) {
      try {
        const request = await this.options.closure.get(requestId);
        if (request?.status === 'outcomeUnknown') await this.tellUnknown(requestId, channel, request.conversation);
        else if (await this.settle(requestId, channel, { silent: false, recover: true })) settled += 1;
      } catch (error) {
        // Its claim lapses and a later pass tries again; the other requests of this pass go on.
        this.options.logger.error('settling an ended request failed; a later pass retries it', { requestId, error });
      }
    }
    return settled;
  }

  /** Background: expires overdue warnings; each is settled (state forgotten, Teams card shows "Expired"). */
  async expireOverdue(channel: ClosureChannel): Promise<number> {
    const expired = await this.options.closure.expireOverdue();
    // An expiry is silent (nothing was pressed); an account closed meanwhile is told so.
    for (const request of expired) await this.settle(request.requestId, channel, { silent: request.status === 'expired' });
    return expired.length;
  }

  /**
   * Settles an ended request once: claims it, fills audit gaps, ends the account's other requests after a closure,
   * forgets the conversation state, signs out after a closure, sends the owed message, updates the card, then drops
   * the conversation reference. A message that does not go out stays owed on the record for the next pass, up to
   * MAX_DELIVERY_ATTEMPTS, then is given up (audited). Returns false when there was nothing to settle or another
   * instance holds it. A failure before telling leaves it to the reconciler.
   */
  async settle(
    requestId: string,
    channel: ClosureChannel,
    hint: { upn?: string; silent?: boolean; recover?: boolean } = {},
  ): Promise<boolean> {
    let claimed = await this.options.closure.claimSettlement(requestId, this.options.settleLeaseMs);
    if (!claimed) return false;
    const request = claimed.value;
    // After the claim, never before: only the claim's winner looks for gaps, so a gap is filled once (issue 19).
    if (hint.recover || this.options.closure.hasAuditGaps(requestId)) await this.options.closure.completeAudit([requestId]);
    // The account is the unit of truth: once it is closed, its other requests end too (idempotent on a retry).
    if (request.status === 'closed') await this.accountClosed(request, requestId, channel);
    const conversation = request.conversation;
    const first = request.settlement === undefined;
    if (conversation && !request.settlement?.forgotten) {
      // Personal data first: nothing is told before the conversation state holding the name and card is gone.
      await channel.forgetConversation(conversation);
    }
    let signedOut = false;
    if (first && request.status === 'closed') {
      await this.options.forgetPerson(request);
      if (conversation) signedOut = await this.bestEffort('sign-out', requestId, () => channel.signOut(conversation));
    }
    const notice = noticeOf(request, { upn: hint.upn, signedOut });
    const owed = conversation !== undefined && notice !== undefined && (first ? !hint.silent : request.settlement?.noticeOwed === true);
    let attempts = request.settlement?.attempts ?? 0;
    let told = !owed;
    if (owed && notice) {
      // Forgetting and signing out may outlast the claim on a slow store; renewed by compare-and-swap first, so an
      // instance that took the lapsed claim over tells it and this one does not (the chaos run: told twice, issue 19).
      const renewed = await this.options.closure.renewSettlement(claimed, this.options.settleLeaseMs);
      if (!renewed) return false;
      claimed = renewed;
      told = await this.bestEffort('telling the outcome', requestId, () => channel.send(notice, conversation));
      if (!told) attempts += 1;
    }
    if (first && conversation) await this.bestEffort('updating the card', requestId, () => channel.updateCard(request, conversation));
    if (told || attempts >= MAX_DELIVERY_ATTEMPTS) {
      if (!told) await this.options.closure.deliveryGivenUp(request);
      await this.options.closure.markSettled(claimed);
    } else {
      await this.options.closure.recordSettlement(claimed, { forgotten: true, noticeOwed: true, attempts });
    }
    return true;
  }

  /** Tells an `outcomeUnknown` requester so, once; a failed send is tried again by the next pass, bounded. */
  private async tellUnknown(requestId: string, channel: ClosureChannel, conversation: ConversationAddress | undefined): Promise<void> {
    const told = await this.bestEffort('telling the unknown outcome', requestId, () =>
      channel.send({ kind: 'outcomeUnknown', requestId }, conversation),
    );
    await this.options.closure.markUnknownTold(requestId, told);
    await this.showCard(requestId, channel);
  }

  /** Shows a request's current state on its card (Teams), best effort. */
  private async showCard(requestId: string, channel: ClosureChannel): Promise<void> {
    const request = await this.options.closure.get(requestId);
    if (request?.conversation) {
      const conversation = request.conversation;
      await this.bestEffort('updating the card', requestId, () => channel.updateCard(request, conversation));
    }
  }

  /** A step after the outcome is recorded that must not undo it or stop the rest: logged with its error. */
  private async bestEffort(step: string, requestId: string, work: () => Promise<void>): Promise<boolean> {
    try {
      await work();
      return true;
    } catch (error) {
      this.options.logger.warn(`${step} did not go through after the outcome was recorded`, { requestId, error });
      return false;
    }
  }
}

/** What an ended request tells its requester; nothing for a typed cancel (the dialog said it) or an expiry. */
function noticeOf(request: ClosureRequest, known: { upn?: string; signedOut: boolean }): ClosureNotice | undefined {
  if (request.status === 'expired') return undefined;
  if (request.status === 'cancelled') return request.declined ? { kind: 'declined', requestId: request.requestId } : undefined;
  const result = outcomeOf(request);
  switch (result.kind) {
    case 'closed':
      return { ...result, ...(known.upn ? { upn: known.upn } : {}), signedOut: known.signedOut };
    case 'handedOff':
      return { ...result, ...(known.upn ? { upn: known.upn } : {}) };
    case 'stillClosing':
      return undefined;
    default:
      return result;
  }
}
