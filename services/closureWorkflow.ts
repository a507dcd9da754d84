import type { ClosureChannel, ConversationAddress } from './closureChannel';
import type { ClosureRequest } from './closureRequest';
import type { CancelResult, ConfirmResult, Press, Presser } from './closureService';
import { bestEffort, ClosureSettling, type ClosureSettlingOptions } from './closureSettling';
import type { VerifiedIdentity } from './identity';
import type { StoredRecord } from './recordStore';

/** The closure, what to forget of a closed account's person, the settling claim's length and the log. */
export type ClosureWorkflowOptions = ClosureSettlingOptions;

/**
 * Everything after the user's decision, in one place for every channel (Teams, Emulator, web chat) and for the
 * reconciler. A request moves through these states, each recorded on its durable record so a crash or a second
 * instance resumes it (the last three states are services/closureSettling.ts's):
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
  private readonly settling: ClosureSettling;

  constructor(private readonly options: ClosureWorkflowOptions) {
    this.settling = new ClosureSettling(options);
  }

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
          await this.settling.settle(requestId, channel, { silent: true });
        break;
      default: {
        const settled = await this.settling.settle(requestId, channel, { upn: identity.upn });
        if (!settled) this.options.logger.info('the outcome is being settled by another instance', { requestId });
      }
    }
    return result;
  }

  async decline(requestId: string, press: Press, channel: ClosureChannel): Promise<void> {
    const result = await this.options.closure.decline(requestId, press);
    if (result.kind === 'rejected') {
      await channel.send({ kind: 'rejected', reason: result.reason });
      if (result.reason === 'closedElsewhere') await this.settling.settle(requestId, channel, { silent: true });
      return;
    }
    await this.settling.settle(requestId, channel);
  }

  /** "cancel" typed in the chat; the dialog says what happened itself (from the result). */
  async cancel(requestId: string, channelUserId: string, channel: ClosureChannel): Promise<CancelResult> {
    const ended = await this.options.closure.cancelPending(requestId, channelUserId);
    if (ended !== 'notPending') await this.settling.settle(requestId, channel, { silent: true });
    return ended;
  }

  /**
   * A warning past its expiry (a press found it so, or the background pass): the request ends now, its state is
   * forgotten and its card updated. Returns whether this call ended it.
   */
  async expire(requestId: string, channel: ClosureChannel): Promise<boolean> {
    const ended = await this.options.closure.expireIfOverdue(requestId);
    if (ended) await this.settling.settle(requestId, channel, { silent: true });
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
    return this.settling.settle(requestId, channel, { silent: false, recover: true });
  }

  /**
   * The account was closed (by `closedBy`, or a hand-off verified closed): every other request of it ends at once,
   * on whichever instance, each told "closed from another chat", its conversation state forgotten, its card updated.
   */
  accountClosed(account: { objectId: string; tenantId: string }, closedBy: string, channel: ClosureChannel): Promise<void> {
    return this.settling.accountClosed(account, closedBy, channel);
  }

  /** Background: finishes stranded closures, re-checks unknown outcomes, and settles every ended request nobody settled. */
  async reconcile(channel: ClosureChannel): Promise<number> {
    const ids = await this.options.closure.reconcile();
    let settled = 0;
    for (const requestId of ids) {
      try {
        const request = await this.options.closure.get(requestId);
        if (request?.status === 'outcomeUnknown') await this.tellUnknown(requestId, channel, request.conversation);
        else if (await this.settling.settle(requestId, channel, { silent: false, recover: true })) settled += 1;
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
    for (const request of expired) await this.settling.settle(request.requestId, channel, { silent: request.status === 'expired' });
    return expired.length;
  }

  /** Tells an `outcomeUnknown` requester so, once; a failed send is tried again by the next pass, bounded. */
  private async tellUnknown(requestId: string, channel: ClosureChannel, conversation: ConversationAddress | undefined): Promise<void> {
    const told = await bestEffort(this.options.logger, 'telling the unknown outcome', requestId, () =>
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
      await bestEffort(this.options.logger, 'updating the card', requestId, () => channel.updateCard(request, conversation));
    }
  }
}
