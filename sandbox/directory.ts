import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { Logger } from './logger';
import { hashPassword } from './passwords';
import type { SandboxSeed } from './seed';
import { pruneExpired, readState, STATE_VERSION } from './directoryState';
import { SNAPSHOT_FILE, StateJournal } from './stateJournal';

export { forgetCachedTokens, forgetMagicCodes, tokenCacheKey } from './directoryState';

export { hashPassword, verifyPassword, SANDBOX_SCRYPT_COST } from './passwords';

/** Expired tokens, sessions and codes are dropped at most this often, and at every compaction. */
const PRUNE_EVERY_MS = 60_000;

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

export interface DirectoryOptions {
  readonly dataDir: string;
  readonly seed: SandboxSeed;
  readonly clock: () => Date;
  readonly logger: Logger;
}

/**
 * The sandbox's whole state: an Entra-like directory, the token service's stores and export jobs. Held in memory,
 * persisted after every change as what changed (sandbox/stateJournal.ts: `state.json` plus the `state.log` of
 * changes since, folded into a new `state.json` now and then), so a change costs what it changed, not the state's size.
 */
export class SandboxDirectory {
  private writes: Promise<void> = Promise.resolve();
  private readonly journal: StateJournal<SandboxState>;
  readonly state: SandboxState;
  private prunedAt = 0;

  private constructor(
    state: SandboxState,
    private readonly options: DirectoryOptions,
  ) {
    this.journal = new StateJournal(state, {
      dataDir: options.dataDir,
      keyed: ['tokens', 'signInSessions', 'magicCodes', 'tokenCache'],
      // A user gone from the directory: folded into the snapshot at once, so the log keeps no copy of them.
      removesData: (before, after) =>
        ((before.users as unknown[] | undefined)?.length ?? 0) > ((after.users as unknown[] | undefined)?.length ?? 0),
      logger: options.logger,
    });
    this.state = this.journal.state;
  }

  static async open(options: DirectoryOptions): Promise<SandboxDirectory> {
    await mkdir(options.dataDir, { recursive: true });
    const file = path.join(options.dataDir, SNAPSHOT_FILE);
    const existing = await readState(options.dataDir, options.logger);
    const seedHash = seedFingerprint(options.seed);
    if (existing) {
      options.logger.info(`sandbox state loaded from "${file}"`, { users: existing.users.length });
      if (existing.seedHash !== undefined && existing.seedHash !== seedHash) {
        // Not reseeded silently: the saved state holds closures and exports someone may still be looking at.
        options.logger.warn(
          `the sandbox seed changed since "${file}" was written; it keeps the saved state. Run "npm run sandbox:reset" (with the bot stopped) to start from the new seed`,
        );
      }
      const directory = new SandboxDirectory(existing, options);
      if (existing.closedUpns) {
        for (const [name, at] of Object.entries(existing.closedUpns)) rememberPurgedSignInName(directory.state, name, at);
        delete directory.state.closedUpns;
      }
      // The log replayed is folded in: each run starts from one snapshot.
      await directory.compact();
      return directory;
    }
    const directory = new SandboxDirectory({ ...(await stateFromSeed(options.seed)), seedHash }, options);
    await directory.compact();
    options.logger.info(`sandbox state seeded in "${file}"`, { users: directory.state.users.length });
    return directory;
  }

  now(): Date {
    return this.options.clock();
  }

  get dataDir(): string {
    return this.options.dataDir;
  }

  /**
   * Applies `change` to the state and persists it before resolving. Values in the keyed collections (tokens,
   * sessions, codes, the token cache) are replaced, never changed in place: only a key's assignment is logged.
   */
  async update<T>(change: (state: SandboxState) => T): Promise<T> {
    const result = change(this.state);
    const now = this.now().getTime();
    if (now - this.prunedAt >= PRUNE_EVERY_MS) {
      this.prunedAt = now;
      pruneExpired(this.state, now);
    }
    await this.save();
    return result;
  }

  save(): Promise<void> {
    return this.queued(() => this.journal.write());
  }

  /** Folds everything into one snapshot (start-up, stop): the next start reads one file. */
  compact(): Promise<void> {
    return this.queued(async () => {
      pruneExpired(this.state, this.now().getTime());
      await this.journal.compact();
    });
  }

  private queued(work: () => Promise<void>): Promise<void> {
    const write = this.writes.then(work);
    this.writes = write.catch((error: unknown) => this.options.logger.error('sandbox state write failed', { error }));
    return write;
  }

  /** Resolves once every write started so far has finished. */
  flush(): Promise<void> {
    return this.writes;
  }

  tenant(id: string): TenantRecord | undefined {
    return this.state.tenants.find((t) => t.id === id);
  }

  tenantForDomain(domain: string): TenantRecord | undefined {
    const wanted = domain.toLowerCase();
    return this.state.tenants.find((t) => t.domains.includes(wanted));
  }

  user(id: string): UserRecord | undefined {
    return this.state.users.find((u) => u.id === id);
  }

  userByUpn(upn: string): UserRecord | undefined {
    const wanted = upn.trim().toLowerCase();
    return this.state.users.find((u) => u.upn.toLowerCase() === wanted);
  }

  /** True when a user with this sign-in name was permanently deleted. */
  wasPurged(signInName: string): boolean {
    const key = this.state.nameHashKey;
    return key !== undefined && this.state.purgedSignInNames?.[signInNameHash(key, signInName)] !== undefined;
  }

  /**
   * Mints an access token (the caller persists). Shaped like Entra's JWTs (header.claims.signature) with the
   * `tid`, `oid` and `idtyp` claims clients read (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference);
   * the "signature" is random, and the sandbox knows its tokens by their hash, not by checking one.
   */
  issueToken(grant: Omit<IssuedToken, 'expiresAt'>, lifetimeSeconds: number): { token: string; expiresAt: Date } {
    const expiresAt = new Date(this.now().getTime() + lifetimeSeconds * 1000);
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const claims = {
      tid: grant.tenantId,
      idtyp: grant.kind,
      iat: Math.floor(this.now().getTime() / 1000),
      exp: Math.floor(expiresAt.getTime() / 1000),
      ...(grant.userId ? { oid: grant.userId } : {}),
    };
    const token = `${part({ typ: 'JWT', alg: 'none' })}.${part(claims)}.${randomBytes(32).toString('base64url')}`;
    this.state.tokens[hashToken(token)] = { ...grant, expiresAt: expiresAt.toISOString() };
    return { token, expiresAt };
  }

  /** The grant behind a bearer token, or undefined when it is unknown, expired or its user is no longer active. */
  resolveToken(token: string): IssuedToken | undefined {
    const grant = this.state.tokens[hashToken(token)];
    if (!grant || Date.parse(grant.expiresAt) <= this.now().getTime()) return undefined;
    if (grant.kind === 'user' && this.user(grant.userId ?? '')?.status !== 'active') return undefined;
    return grant;
  }

  /**
   * The grant behind a bearer token that has not expired, whatever became of its user: what a token service that
   * was never told about a closure still holds, and what Graph sees when such a token arrives.
   */
  unexpiredGrant(token: string): IssuedToken | undefined {
    const grant = this.state.tokens[hashToken(token)];
    return grant && Date.parse(grant.expiresAt) > this.now().getTime() ? grant : undefined;
  }
}

/** Records a purged user's sign-in name as its keyed hash (call inside `update`). */
export function rememberPurgedSignInName(state: SandboxState, signInName: string, at: string): void {
  state.nameHashKey ??= randomBytes(32).toString('base64');
  state.purgedSignInNames = { ...state.purgedSignInNames, [signInNameHash(state.nameHashKey, signInName)]: at };
}

function seedFingerprint(seed: SandboxSeed): string {
  return createHash('sha256').update(JSON.stringify(seed)).digest('base64url');
}

function signInNameHash(key: string, signInName: string): string {
  return createHmac('sha256', Buffer.from(key, 'base64')).update(signInName.trim().toLowerCase()).digest('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

async function stateFromSeed(seed: SandboxSeed): Promise<SandboxState> {
  const users = await Promise.all(
    seed.users.map(async (u): Promise<UserRecord> => ({
      id: u.id,
      upn: u.upn,
      displayName: u.displayName,
      passwordHash: await hashPassword(u.password),
      tenantId: u.tenantId,
      status: 'active',
    })),
  );
  return {
    version: STATE_VERSION,
    signingKey: randomBytes(32).toString('base64'),
    tenants: seed.tenants.map((t) => ({
      id: t.id,
      displayName: t.displayName,
      domains: t.domains.map((d) => d.toLowerCase()),
      unmanaged: t.unmanaged,
      appServicePrincipal: t.appServicePrincipal !== false,
    })),
    users,
    tokens: {},
    signInSessions: {},
    magicCodes: {},
    tokenCache: {},
    exports: {},
  };
}
