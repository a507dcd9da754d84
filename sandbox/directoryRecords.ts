// The shapes of the sandbox's state (sandbox/directory.ts holds it, sandbox/directoryState.ts loads, seeds and prunes
// it): an Entra-like directory's tenants and users, the tokens it issued, the token service's sign-in sessions, magic
// codes and cache, and Graph's export operations.

export interface TenantRecord {
  readonly id: string;
  readonly displayName: string;
  readonly domains: string[];
  readonly unmanaged: boolean;
  /**
   * Whether the sandbox app has a service principal (is consented) in this tenant. `false` stands for an unmanaged
   * tenant as it really is: nobody there can consent, so the token endpoint refuses app tokens (AADSTS7000229).
   * Absent (older state files) = true.
   */
  readonly appServicePrincipal?: boolean;
}

export interface UserRecord {
  readonly id: string;
  readonly upn: string;
  readonly displayName: string;
  /** `scrypt$<salt b64>$<hash b64>`. */
  readonly passwordHash: string;
  readonly tenantId: string;
  /** `deleted`: in the tenant's deleted items (soft-deleted, restorable in Azure); purged users are removed. */
  status: 'active' | 'deleted';
  deletedAt?: string;
}

/** An access token the sandbox issued, stored under the SHA-256 of its value. */
export interface IssuedToken {
  readonly kind: 'user' | 'app';
  readonly tenantId: string;
  /** Directory user id for user tokens. */
  readonly userId?: string;
  readonly expiresAt: string;
}

/** A sign-in link handed out by GetSignInResource: who in which conversation is signing in for which connection. */
export interface SignInSession {
  readonly channelUserId: string;
  readonly channelId: string;
  readonly conversationId: string;
  readonly connectionName: string;
  readonly expiresAt: string;
}

/** A magic code shown on the sign-in page; redeemed once by GetToken for the same channel user + connection + channel. */
export interface MagicCode {
  readonly code: string;
  readonly userId: string;
  readonly channelUserId: string;
  readonly channelId: string;
  readonly connectionName: string;
  readonly expiresAt: string;
  /** Wrong codes tried for the same channel user + connection + channel; the code dies after a few. */
  failedAttempts: number;
}

/** The token service's cache: what GetToken without a code returns. */
export interface CachedUserToken {
  readonly channelUserId: string;
  readonly channelId: string;
  readonly connectionName: string;
  readonly userId: string;
  readonly token: string;
  readonly expiresAt: string;
}

export interface ExportOperation {
  readonly id: string;
  readonly userId: string;
  readonly tenantId: string;
  readonly storageLocation: string;
  /** Container name in sandbox storage. */
  readonly container: string;
  readonly submittedAt: string;
  readonly completesAt: string;
  /** `pending` until first read as complete; `written` once the file exists; `purged` once deleted after closure. */
  outcome: 'pending' | 'written' | 'failed' | 'purged';
  /** Latest expiry of any download link signed for this export's files. */
  linksExpireAt?: string;
  /** Set when the user is closed: the files go once this time has passed. */
  purgeAfter?: string;
}

export interface SandboxState {
  version: number;
  /** Base64 HMAC key for storage links; random per dataDir. */
  signingKey: string;
  tenants: TenantRecord[];
  users: UserRecord[];
  tokens: Record<string, IssuedToken>;
  signInSessions: Record<string, SignInSession>;
  /** Live codes by `tokenCacheKey` of who may redeem them (a list: a second sign-in before redeeming adds one). */
  magicCodes: Record<string, MagicCode[]>;
  /** By `tokenCacheKey`. */
  tokenCache: Record<string, CachedUserToken>;
  exports: Record<string, ExportOperation>;
  /**
   * Permanently deleted users' sign-in names, only as HMAC-SHA256 (key `nameHashKey`) of the lower-cased name, and
   * when: enough for the sign-in page to say "closed", useless for reading the names back out of the file.
   */
  purgedSignInNames?: Record<string, string>;
  /** Base64 key of those hashes; random per dataDir. */
  nameHashKey?: string;
  /** Earlier versions kept the purged names in plain text; converted to `purgedSignInNames` on load. */
  closedUpns?: Record<string, string>;
  /** Fingerprint of the seed this state grew from, so a changed `SANDBOX_SEED` is noticed at start-up. */
  seedHash?: string;
}
