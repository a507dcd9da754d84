import type { VerifiedIdentity } from './identity';

export type CloseOutcome =
  /** The account is gone (and, where the directory supports it, permanently deleted). */
  | { readonly kind: 'closed' }
  /** The bot cannot close it itself; the user finishes on Microsoft's portal page. */
  | { readonly kind: 'handedOff'; readonly portalUrl: string; readonly reason: 'configured' | 'forbidden' };

/**
 * Closes an account. Implementations must be idempotent for one `requestId`: a retry after a crash or a
 * lost answer must never fail because the first attempt succeeded ("user not found" after a delete is success).
 */
export interface AccountCloser {
  /** @throws AppError `DIRECTORY_UNAVAILABLE` when the directory cannot be reached after retries. */
  close(identity: Pick<VerifiedIdentity, 'objectId' | 'tenantId'>, options: { readonly requestId: string }): Promise<CloseOutcome>;
}
