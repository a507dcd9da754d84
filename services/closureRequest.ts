import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { HandOffReason } from './accountCloser';
import type { ErrorCode } from './errors';

/**
 * A closure request: its own durable record, because conversation state is last-writer-wins and cannot guard
 * an irreversible step. Status moves only forward:
 *
 *   pending -> confirmed -> closing -> closed | handedOff | failed (only before any delete was sent)
 *   closing (delete sent, not confirmed) -> outcomeUnknown -> closed   (keeps checking; never `failed`)
 *   pending -> cancelled | expired            confirmed -> failed (no longer eligible, realm unavailable)
 *   pending | confirmed -> closedElsewhere    (the account was closed by another request or a verified hand-off)
 */
export type ClosureStatus =
  'pending' | 'confirmed' | 'closing' | 'outcomeUnknown' | 'closed' | 'handedOff' | 'failed' | 'cancelled' | 'expired' | 'closedElsewhere';

export const TERMINAL_STATUSES: readonly ClosureStatus[] = ['closed', 'handedOff', 'failed', 'cancelled', 'expired', 'closedElsewhere'];

/** Why a request ended `failed`: typed on the record, never parsed back from a string. */
export type ClosureFailure =
  /** The realm re-check found the organization managed now, or not a work or school account. */
  | { readonly kind: 'notEligible'; readonly verdict: 'managed' | 'notWorkOrSchool' }
  /** Another request of the same account holds the right to close it (it is being closed there). */
  | { readonly kind: 'lostToAnotherRequest' }
  /** Nothing was closed: the error's code (catalogue) says why. */
  | { readonly kind: 'error'; readonly code: ErrorCode };

/**
 * What the requester is still owed once the request's outcome is recorded. Delivery is a state of its own:
 * owed, then told (or given up after `attempts`), so a send that fails is retried by the next pass.
 */
export interface Settlement {
  /** The requester's conversation state (dialog, names, card) has been deleted: never done twice. */
  readonly forgotten: boolean;
  /** A message telling the outcome is owed and not yet sent. */
  readonly noticeOwed: boolean;
  /** Failed attempts to send the owed message so far. */
  readonly attempts: number;
}

export interface ClosureRequest {
  readonly requestId: string;
  readonly channelId: string;
  /** The channel's id of the person who asked; only they may confirm. */
  readonly channelUserId: string;
  readonly objectId: string;
  readonly tenantId: string;
  readonly upnHash: string;
  /** Needed to re-check eligibility after a crash; removed when the request ends (personal data). */
  readonly upn?: string;
  /**
   * Opaque conversation reference: where the outcome is told, and the key of the requester's conversation state
   * that is forgotten when the request ends. Removed once the request is settled (`outcomeNotified`).
   */
  readonly conversation?: Record<string, unknown>;
  /** The conversation the warning card was shown in: a press from any other conversation is refused (replay). */
  readonly conversationId?: string;
  /** The id of the message carrying the card (Teams), when the connector returned one: what a card update needs. */
  readonly cardActivityId?: string;
  /** While the outcome is being settled (told, forgotten): until when one instance owns that, so it is told once. */
  readonly settlingUntil?: string;
  /**
   * The turn that took the settling together with the outcome's own write (issue 22: one compare-and-swap fewer); that
   * turn settles without another claim. Anyone else sees an ordinary claim until `settlingUntil`.
   */
  readonly settlingBy?: string;
  /** SHA-256 of the card's nonce; the nonce itself is only on the card. */
  readonly nonceHash: string;
  /**
   * The nonces' hashes of the same warning sent again (`showAgain`: the person's answer to a step may have been lost,
   * so the card they are told to press comes with the reminder). Each card's press is checked as the first's; the
   * oldest is dropped past {@link MAX_CARDS_SHOWN_AGAIN}. One press still wins (`pending -> confirmed`).
   */
  readonly nonceHashesShownAgain?: readonly string[];
  /** The name on the warning card, to show it again; removed when the request ends (personal data). */
  readonly displayName?: string;
  /** The organization's name on the warning card, to show it again; removed when the request ends. */
  readonly organizationName?: string;
  readonly status: ClosureStatus;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly updatedAt: string;
  /** While `closing`: until when the instance working on it owns it (a reconciler waits for it to lapse). */
  readonly leaseUntil?: string;
  readonly attempts: number;
  readonly closedAt?: string;
  readonly portalUrl?: string;
  readonly handOffReason?: HandOffReason;
  /**
   * When this request's delete was first about to be sent (recorded before sending). Only after it may the closer
   * read "user not found" as "already gone"; before it, a 404 means the bot is looking in the wrong directory.
   */
  readonly deleteSentAt?: string;
  /** Set when a `cancelled` request ended by the requester's No (as against "cancel" typed in the chat). */
  readonly declined?: boolean;
  /** Set on `failed`: why, typed. */
  readonly failure?: ClosureFailure;
  /** Set when the outcome is recorded: what is still owed to the requester (see `Settlement`). */
  readonly settlement?: Settlement;
  /** When an `outcomeUnknown` request was told so (the message is sent once; the closure's end is told again). */
  readonly unknownToldAt?: string;
  /** Failed sends of the "not confirmed yet" message so far (bounded like every owed message). */
  readonly unknownTellAttempts?: number;
  /**
   * Set once the request is settled: the requester was told the outcome (closed, handed off, failed, kept), their
   * conversation state was forgotten and the card updated, in their turn or in the background.
   */
  readonly outcomeNotified?: boolean;
}

/** Lock record per account: which request holds the right to close it. */
export interface AccountClosureLock {
  readonly requestId: string;
}

export function accountKey(identity: { readonly tenantId: string; readonly objectId: string }): string {
  return `${identity.tenantId}_${identity.objectId}`.toLowerCase().replace(/[^0-9a-z-]/g, '-');
}

/** 128-bit request id, URL- and file-name-safe. */
export function newRequestId(): string {
  return `cr_${randomBytes(16).toString('hex')}`;
}

/** 256-bit nonce for the card; only its hash is stored. */
export function newNonce(): string {
  return randomBytes(32).toString('base64url');
}

export function hashNonce(nonce: string): string {
  return createHash('sha256').update(nonce, 'utf8').digest('hex');
}

/** How many copies of one warning card sent again stay valid beside the first (each a reminder the person asked for). */
export const MAX_CARDS_SHOWN_AGAIN = 5;

/** Whether a press's nonce is that of one of the request's warning cards: the first, or one sent again. */
export function cardNonceMatches(request: ClosureRequest, nonce: string): boolean {
  return [request.nonceHash, ...(request.nonceHashesShownAgain ?? [])].some((hash) => nonceMatches(nonce, hash));
}

export function nonceMatches(nonce: string, nonceHash: string): boolean {
  const actual = Buffer.from(hashNonce(nonce), 'hex');
  const expected = Buffer.from(nonceHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * What is left of a finished request: ids and outcome, nothing personal. The conversation reference stays
 * only until the request is settled (the outcome told, the requester's conversation state forgotten).
 */
export function scrubbed(request: ClosureRequest): ClosureRequest {
  const {
    upn: _upn,
    displayName: _displayName,
    organizationName: _organizationName,
    conversation,
    leaseUntil: _lease,
    conversationId: _conversationId,
    ...rest
  } = request;
  const keepConversation = TERMINAL_STATUSES.includes(request.status) && !request.outcomeNotified;
  return { ...rest, channelUserId: '', ...(keepConversation && conversation ? { conversation } : {}) };
}
