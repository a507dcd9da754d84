/**
 * The identity a sign-in token proves. Everything the bot does to an account is keyed by
 * `objectId` + `tenantId`; the UPN and names are for the person reading the conversation only.
 */
export interface VerifiedIdentity {
  /** Entra object id of the user (Graph `/me` `id`). */
  readonly objectId: string;
  /** Entra tenant id of the user's organization (Graph `/organization` `id`). */
  readonly tenantId: string;
  /** User principal name, e.g. `ada@contoso.example`. */
  readonly upn: string;
  /** Display name from the directory, never the channel's. */
  readonly displayName: string;
  /** The organization's display name, as the directory reports it. */
  readonly organizationName: string;
}

export function sameAccount(
  a: Pick<VerifiedIdentity, 'objectId' | 'tenantId'>,
  b: Pick<VerifiedIdentity, 'objectId' | 'tenantId'>,
): boolean {
  return a.objectId === b.objectId && a.tenantId === b.tenantId;
}
