/**
 * What the bot can learn about whether an account still exists, from the account's own token (the bot holds no
 * rights in an unmanaged tenant). Only two answers are evidence; everything else is "I can't tell yet".
 */
export type SignInEvidence =
  /** Graph `/me` answered with this account: it still signs in. */
  | { readonly kind: 'open' }
  /** Graph `/me` answered 404 `Request_ResourceNotFound` for an unexpired token of this account: the user object is gone. */
  | { readonly kind: 'gone' }
  | { readonly kind: 'unknown'; readonly reason: UnknownEvidenceReason };

/**
 * - `noToken`: the token service holds no token (expired, signed out, or its refresh failed: it does not say which);
 * - `otherAccount`: the token is for a different account than the request's;
 * - `unreadable`: not a JWT whose account can be read;
 * - `tokenRefused`: Graph answered 401 (expired, revoked, or the account gone: Microsoft does not say which);
 * - `unavailable`: Graph did not answer usefully (5xx, time-out, throttled after retries);
 * - `unrecognizedAnswer`: an answer that does not say whether the account exists: a 404 without Graph's
 *   `Request_ResourceNotFound` (a proxy's HTML page, `UnknownError`), a 403, or a 200 that names no account.
 */
export type UnknownEvidenceReason = 'noToken' | 'otherAccount' | 'unreadable' | 'tokenRefused' | 'unavailable' | 'unrecognizedAnswer';

export interface AccountSignInProbe {
  probe(userToken: string | undefined, account: { readonly objectId: string; readonly tenantId: string }): Promise<SignInEvidence>;
}
