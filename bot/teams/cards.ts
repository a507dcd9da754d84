import { renderCard, type AdaptiveCardAttachment, type ClosureMode } from '../../cards/renderCard';
import { CardMessages } from '../../conversation/cardMessages';
import { formatTime } from '../../conversation/formatting';
import type { ClosureRequest } from '../../services/closureRequest';

/**
 * The Teams warning card's states other than "waiting for your answer", all through the one renderer and all
 * without buttons: once a card shows one of these, nothing on it can be pressed again.
 */

/** What members other than the requester see while the request waits. */
export function waitingCard(request: ClosureRequest): AdaptiveCardAttachment {
  return waitingCardFor(requesterName(request.conversation?.user));
}

/** The same, for a requester known by their Teams display name (untrusted: shown, never used to decide). */
export function waitingCardFor(name: string | undefined): AdaptiveCardAttachment {
  return outcome(CardMessages.waitingTitle, CardMessages.waiting(displayable(name)), 'default');
}

/** The immediate answer to a Yes: the work runs after Teams has it (in portal mode: the steps are being prepared). */
export function closingCard(requestId: string, closureMode: ClosureMode = 'graph'): AdaptiveCardAttachment {
  return outcome(CardMessages.closingTitle(closureMode), CardMessages.closing(closureMode), 'warning', requestId);
}

/** Every card of a hand-off whose closure the bot has seen (Graph: the account no longer exists): no buttons. */
export function verifiedCard(requestId: string): AdaptiveCardAttachment {
  return outcome(CardMessages.verifiedTitle, CardMessages.verified, 'good', requestId);
}

/** What a card's final state depends on beyond its request: the words' mode, and a hand-off's verdict. */
export interface CardView {
  readonly closureMode?: ClosureMode;
  /** The request was handed off and the bot has since verified the account is gone. */
  readonly handOffVerified?: boolean;
}

export function keptCard(requestId: string): AdaptiveCardAttachment {
  return outcome(CardMessages.keptTitle, CardMessages.kept, 'good', requestId);
}

export function invalidCard(): AdaptiveCardAttachment {
  return outcome(CardMessages.invalidTitle, CardMessages.invalid, 'default');
}

/**
 * The card for a request that has ended (or is being closed), or undefined while it still waits for an answer.
 * `now` turns a pending request past its expiry into "expired": nobody can confirm it any more. The closing time is
 * in `timeZone` when the reader's is known, else in UTC, said as such.
 */
export function finalCard(
  request: ClosureRequest | undefined,
  now: Date,
  timeZone?: string,
  view: CardView = {},
): AdaptiveCardAttachment | undefined {
  if (!request) return invalidCard();
  const { requestId } = request;
  switch (request.status) {
    case 'pending':
      return now.getTime() >= Date.parse(request.expiresAt)
        ? outcome(CardMessages.expiredTitle, CardMessages.expired, 'default', requestId)
        : undefined;
    case 'confirmed':
    case 'closing':
      return closingCard(requestId, view.closureMode);
    case 'outcomeUnknown':
      return outcome(CardMessages.unknownTitle, CardMessages.unknown, 'warning', requestId);
    case 'closedElsewhere':
      return outcome(CardMessages.closedElsewhereTitle, CardMessages.closedElsewhere, 'default', requestId);
    case 'closed': {
      const facts = request.closedAt ? [{ title: CardMessages.closedAt, value: formatTime(new Date(request.closedAt), timeZone) }] : [];
      return outcome(CardMessages.closedTitle, CardMessages.closed, 'good', requestId, facts);
    }
    case 'cancelled':
      return request.declined ? keptCard(requestId) : outcome(CardMessages.cancelledTitle, CardMessages.cancelled, 'default', requestId);
    case 'expired':
      return outcome(CardMessages.expiredTitle, CardMessages.expired, 'default', requestId);
    case 'handedOff':
      if (view.handOffVerified) return verifiedCard(requestId);
      return outcome(CardMessages.handedOffTitle, CardMessages.handedOff, 'warning', requestId);
    case 'failed':
      return outcome(CardMessages.refusedTitle, CardMessages.refused, 'attention', requestId);
  }
}

/**
 * The requester's Teams display name, from the conversation reference kept while the request is pending. Shown
 * to the members of the same chat, who see that name anyway; never used to decide anything.
 */
function requesterName(user: unknown): string | undefined {
  const name = typeof user === 'object' && user !== null ? (user as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? name : undefined;
}

function displayable(name: string | undefined): string {
  return name?.trim() ? name.trim().slice(0, 100) : CardMessages.theRequester;
}

function outcome(
  title: string,
  message: string,
  tone: 'default' | 'good' | 'warning' | 'attention',
  requestId?: string,
  facts: Array<{ title: string; value: string }> = [],
): AdaptiveCardAttachment {
  return renderCard('outcome', { title, message, facts, tone, ...(requestId ? { requestId } : {}) });
}
