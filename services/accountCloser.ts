import type { VerifiedIdentity } from './identity';

/**
 * Why the user finishes on Microsoft's page instead of the bot closing the account:
 * - `configured`: `CLOSURE=portal` (the default in Azure: no documented Graph route works in an unmanaged tenant);
 * - `noAppToken`: no app token for the user's tenant (e.g. AADSTS7000229: the app has no service principal there);
 * - `otherTenant`: the app token is for another tenant than the user's (a managed identity's home tenant);
 * - `forbidden`: Graph answered 403 (no role or consent in that tenant);
 * - `userNotFound`: the app's tenant does not know the user and this request never sent a delete.
 */
export type HandOffReason = 'configured' | 'noAppToken' | 'otherTenant' | 'forbidden' | 'userNotFound';

export type CloseOutcome =
  /** The account is gone (and, where the directory supports it, permanently deleted). */
  | { readonly kind: 'closed' }
  /** The bot cannot close it itself; the user finishes on Microsoft's portal page. Nothing was deleted. */
  | { readonly kind: 'handedOff'; readonly portalUrl: string; readonly reason: HandOffReason };

export interface CloseOptions {
  readonly requestId: string;
  /** True once an earlier attempt of this request sent its delete (recorded on the request before sending). */
  readonly deleteSent?: boolean;
  /** Records on the request that its delete is about to be sent; must resolve before the delete goes out. */
  readonly recordDeleteSent?: () => Promise<void>;
}

/**
 * Closes an account. Implementations must be idempotent for one `requestId`: a retry after a crash or a
 * lost answer must never fail because the first attempt succeeded. "User not found" counts as success only
 * once this request's own delete was sent (`deleteSent`); before that it is somebody else's directory.
 * Not answered (outcome unknown) is thrown as AppError `DIRECTORY_UNAVAILABLE`: the request stays for the reconciler.
 */
export interface AccountCloser {
  close(identity: Pick<VerifiedIdentity, 'objectId' | 'tenantId'>, options: CloseOptions): Promise<CloseOutcome>;
}
