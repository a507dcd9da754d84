import type { VerifiedIdentity } from './identity';

/**
 * Reads who a delegated (user) token proves to be. Production: Microsoft Graph `GET /v1.0/me` and
 * `GET /v1.0/organization` with the user's token; sandbox: the same contract on loopback.
 */
export interface AccountDirectory {
  /**
   * @throws AppError `DIRECTORY_UNAVAILABLE` when the directory cannot be reached or answers badly,
   *   `SIGN_IN_REJECTED` when the token is not accepted (401).
   */
  whoAmI(userToken: string): Promise<VerifiedIdentity>;
}
