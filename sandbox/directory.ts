import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { IssuedToken, SandboxState, TenantRecord, UserRecord } from './directoryRecords';
import { pruneExpired, readState, seedFingerprint, stateFromSeed } from './directoryState';
import type { Logger } from './logger';
import type { SandboxSeed } from './seed';
import { SNAPSHOT_FILE, StateJournal } from './stateJournal';

export { forgetCachedTokens, forgetMagicCodes, tokenCacheKey } from './directoryState';

export { hashPassword, verifyPassword, SANDBOX_SCRYPT_COST } from './passwords';

/** Expired tokens, sessions and codes are dropped at most this often, and at every compaction. */
const PRUNE_EVERY_MS = 60_000;

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

function signInNameHash(key: string, signInName: string): string {
  return createHmac('sha256', Buffer.from(key, 'base64')).update(signInName.trim().toLowerCase()).digest('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
