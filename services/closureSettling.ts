import type { ClosureChannel, ClosureNotice } from './closureChannel';
import type { ClosureRequest } from './closureRequest';
import { MAX_DELIVERY_ATTEMPTS, outcomeOf, type ClosureService } from './closureService';
import type { VerifiedIdentity } from './identity';
import type { Logger } from './logger';

export interface ClosureSettlingOptions {
  readonly closure: ClosureService;
  /** Drops what other stores hold about the person once their account is closed (export jobs). */
  readonly forgetPerson: (identity: Pick<VerifiedIdentity, 'objectId' | 'tenantId'>) => Promise<void>;
  /** How long one instance owns the settling of an outcome before another may take it over (after a crash). */
  readonly settleLeaseMs: number;
  readonly logger: Logger;
}

/** A settling claim with at least this share of its lease left is told without a renewal (see `hasMostOfItsLease`). */
const FRESH_CLAIM_SHARE = 0.9;

/**
 * The workflow's last states (services/closureWorkflow.ts): `settling` (ended, claimed by one instance), `owed` (the
 * send failed) and `settled`. Every ended request passes here once, whoever ended it: a press, a typed cancel, an
 * expiry, the reconciler, or its account closed from another chat.
 */
export class ClosureSettling {
  constructor(private readonly options: ClosureSettlingOptions) {}

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
      await channel.forgetConversation(conversation, requestId);
    }
    let signedOut = false;
    if (first && request.status === 'closed') {
      await this.options.forgetPerson(request);
      if (conversation) signedOut = await bestEffort(this.options.logger, 'sign-out', requestId, () => channel.signOut(conversation));
    }
    const notice = noticeOf(request, { upn: hint.upn, signedOut });
    const owed = conversation !== undefined && notice !== undefined && (first ? !hint.silent : request.settlement?.noticeOwed === true);
    let attempts = request.settlement?.attempts ?? 0;
    let told = !owed;
    if (owed && notice) {
      // Forgetting and signing out may outlast the claim on a slow store; renewed by compare-and-swap first, so an
      // instance that took the lapsed claim over tells it and this one does not (the chaos run: told twice, issue 19).
      // A claim with nearly all its lease left needs no renewal: nobody can have taken it (issue 22).
      if (!this.hasMostOfItsLease(claimed)) {
        const renewed = await this.options.closure.renewSettlement(claimed, this.options.settleLeaseMs);
        if (!renewed) return false;
        claimed = renewed;
      }
      told = await bestEffort(this.options.logger, 'telling the outcome', requestId, () => channel.send(notice, conversation));
      if (!told) attempts += 1;
    }
    if (first && conversation)
      await bestEffort(this.options.logger, 'updating the card', requestId, () => channel.updateCard(request, conversation));
    if (told || attempts >= MAX_DELIVERY_ATTEMPTS) {
      if (!told) await this.options.closure.deliveryGivenUp(request);
      await this.options.closure.markSettled(claimed);
    } else {
      await this.options.closure.recordSettlement(claimed, { forgotten: true, noticeOwed: true, attempts });
    }
    return true;
  }

  /**
   * Whether the claim still has nearly all of its lease (FRESH_CLAIM_SHARE) by this instance's clock, which set it:
   * taken a moment ago (with the outcome, in the same turn), so no other instance can have taken it over (none
   * claims before it lapses, by clocks that agree within a tenth of the lease), and a renewal would only move its end
   * by the moment spent forgetting (issue 22: one write per closure). After a slow forget or sign-out it has less
   * left, and is renewed as before.
   */
  private hasMostOfItsLease(claimed: { readonly value: ClosureRequest }): boolean {
    const until = claimed.value.settlingUntil ? Date.parse(claimed.value.settlingUntil) : Number.NaN;
    return until - this.options.closure.clock().getTime() >= FRESH_CLAIM_SHARE * this.options.settleLeaseMs;
  }

  /**
   * The account was closed (by `closedBy`, or a hand-off verified closed): every other request of it ends at once,
   * on whichever instance, each told "closed from another chat", its conversation state forgotten, its card updated.
   */
  async accountClosed(account: { objectId: string; tenantId: string }, closedBy: string, channel: ClosureChannel): Promise<void> {
    const { requests, flows } = await this.options.closure.accountClosed(account, closedBy);
    for (const conversation of flows) {
      await bestEffort(this.options.logger, 'forgetting a chat at the export offer', closedBy, async () => {
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
}

/** A step after the outcome is recorded that must not undo it or stop the rest: logged with its error. */
export async function bestEffort(logger: Logger, step: string, requestId: string, work: () => Promise<void>): Promise<boolean> {
  try {
    await work();
    return true;
  } catch (error) {
    logger.warn(`${step} did not go through after the outcome was recorded`, { requestId, error });
    return false;
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
