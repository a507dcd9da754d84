/**
 * What the bot can learn about whether an account still exists, from the account's own token (the bot holds no
 * rights in an unmanaged tenant). Only two answers are evidence; everything else is "I can't tell yet".
 */
export type SignInEvidence =
  /** Graph `/me` answered with this account: it still signs in. */
  | { readonly kind: 'open' }
  /** Graph `/me` answered 404 for an unexpired token of this account: the directory says the user object is gone. */
  | { readonly kind: 'gone' }
  | { readonly kind: 'unknown'; readonly reason: UnknownEvidenceReason };

/**
 * - `noToken`: the token service holds no token (expired, signed out, or its refresh failed: it does not say which);
 * - `otherAccount`: the token is for a different account than the request's;
 * - `unreadable`: not a JWT whose account can be read;
 * - `tokenRefused`: Graph answered 401 (expired, revoked, or the account gone: Microsoft does not say which);
 * - `unavailable`: Graph did not answer usefully (5xx, time-out, throttled after retries).
 */
export type UnknownEvidenceReason = 'noToken' | 'otherAccount' | 'unreadable' | 'tokenRefused' | 'unavailable';

export interface AccountSignInProbe {
  probe(userToken: string | undefined, account: { readonly objectId: string; readonly tenantId: string }): Promise<SignInEvidence>;
}
