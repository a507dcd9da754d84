/**
 * The user-realm verdict for a sign-in name: the official "is this organization unmanaged?" check,
 * `GET {login}/common/userrealm/{upn}?api-version=2.1`.
 */
export type RealmVerdict =
  /** `IsViral: true`: self-service sign-up organization with no administrator. Eligible. */
  | { readonly kind: 'unmanaged'; readonly organizationName: string }
  /** `NameSpaceType` Managed or Federated without IsViral: an administrator exists. */
  | { readonly kind: 'managed'; readonly organizationName: string }
  /** `NameSpaceType` Unknown: not a work or school account. */
  | { readonly kind: 'notWorkOrSchool' };

export interface UserRealm {
  /**
   * @throws AppError `REALM_UNAVAILABLE` on any failure, timeout or unreadable answer: "cannot confirm"; marked
   * `transient` when the failure passes (429, 502/503/504, no answer, a timeout), never for an answer not understood.
   */
  lookup(upn: string): Promise<RealmVerdict>;
}
