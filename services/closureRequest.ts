import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { HandOffReason } from './accountCloser';

/**
 * A closure request: its own durable record, because conversation state is last-writer-wins and cannot guard
 * an irreversible step. Status moves only forward:
 *
 *   pending -> confirmed -> closing -> closed | handedOff | failed
 *   pending -> cancelled | expired            confirmed -> failed (no longer eligible, realm unavailable)
 */
export type ClosureStatus = 'pending' | 'confirmed' | 'closing' | 'closed' | 'handedOff' | 'failed' | 'cancelled' | 'expired';

export const TERMINAL_STATUSES: readonly ClosureStatus[] = ['closed', 'handedOff', 'failed', 'cancelled', 'expired'];

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
  /** SHA-256 of the card's nonce; the nonce itself is only on the card. */
  readonly nonceHash: string;
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
  readonly errorCode?: string;
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
  const { upn: _upn, conversation, leaseUntil: _lease, conversationId: _conversationId, ...rest } = request;
  const keepConversation = TERMINAL_STATUSES.includes(request.status) && !request.outcomeNotified;
  return { ...rest, channelUserId: '', ...(keepConversation && conversation ? { conversation } : {}) };
}
