import { hashNonce, MAX_CARDS_SHOWN_AGAIN, newNonce, type ClosureRequest } from '../closureRequest';
import type { ClosureRecords } from './closureRecords';

/**
 * The warning card's copies: the same pending warning shown again to its requester (each copy with a nonce of its
 * own, its hash joined to the request's by compare-and-swap), which message carries the card (Teams updates it in
 * place later), and the request as a card is drawn from it. Presses of any copy are judged by closureJudge.ts.
 */
export class WarningCopies {
  constructor(private readonly records: ClosureRecords) {}

  /**
   * The same warning again, for its requester while it still waits (pending, not expired): a fresh nonce whose hash
   * joins the card's (one compare-and-swap), so the card sent with a reminder can be pressed, and so can the first
   * if it arrived. Undefined when the warning no longer waits, or another writer moved it meanwhile.
   */
  async showAgain(requestId: string, channelUserId: string): Promise<{ request: ClosureRequest; nonce: string } | undefined> {
    const stored = await this.records.options.requests.get(requestId);
    const request = stored?.value;
    if (!stored || !request || request.status !== 'pending' || request.channelUserId !== channelUserId) return undefined;
    if (this.records.options.clock().getTime() >= Date.parse(request.expiresAt)) return undefined;
    const nonce = newNonce();
    const shownAgain = [...(request.nonceHashesShownAgain ?? []), hashNonce(nonce)].slice(-MAX_CARDS_SHOWN_AGAIN);
    const updated: ClosureRequest = { ...request, nonceHashesShownAgain: shownAgain, updatedAt: this.records.nowIso() };
    const written = await this.records.options.requests
      .replace(requestId, updated, stored.etag)
      .catch((error: unknown) => this.records.ignoreConflict(error));
    return written === undefined ? undefined : { request: updated, nonce };
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
}
