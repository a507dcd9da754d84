import { createHash, randomBytes } from 'node:crypto';
import * as path from 'node:path';
import type { CachedUserToken, MagicCode, SandboxState, UserRecord } from './directoryRecords';
import { SandboxError } from './errors';
import type { Logger } from './logger';
import { hashPassword } from './passwords';
import type { SandboxSeed } from './seed';
import { SNAPSHOT_FILE, StateJournal } from './stateJournal';

/**
 * The token service's keyed stores (issue 22): one cached token, and one list of live magic codes, per channel user,
 * channel and connection, found by key instead of by a scan; what loads a saved state, or seeds a new one; what
 * drops expired entries.
 */

/** 2: magic codes and the token cache keyed (by channel user, channel and connection), with a log beside the snapshot. */
const STATE_VERSION = 2;

/** Drops a closed user's cached tokens (call inside `update`). */
export function forgetCachedTokens(state: SandboxState, userId: string): void {
  for (const [key, entry] of Object.entries(state.tokenCache)) if (entry.userId === userId) delete state.tokenCache[key];
}

/** Drops a closed user's live magic codes (call inside `update`). */
export function forgetMagicCodes(state: SandboxState, userId: string): void {
  for (const [key, codes] of Object.entries(state.magicCodes)) {
    const left = codes.filter((c) => c.userId !== userId);
    if (left.length === 0) delete state.magicCodes[key];
    else if (left.length < codes.length) state.magicCodes[key] = left;
  }
}

/** The state saved in `dataDir` (snapshot and log), or undefined when there is none; version 1 is converted. */
export async function readState(dataDir: string, logger: Logger): Promise<SandboxState | undefined> {
  const state = (await StateJournal.load(dataDir, logger)) as
    (Omit<SandboxState, 'magicCodes' | 'tokenCache'> & Record<string, unknown>) | undefined;
  if (!state) return undefined;
  const file = path.join(dataDir, SNAPSHOT_FILE);
  if (state.version === 1) {
    // Version 1 kept the codes and the token cache as lists, rewritten whole on every change.
    const codes: Record<string, MagicCode[]> = {};
    for (const code of (state.magicCodes ?? []) as MagicCode[]) (codes[tokenCacheKey(code)] ??= []).push(code);
    const cache: Record<string, CachedUserToken> = {};
    for (const entry of (state.tokenCache ?? []) as CachedUserToken[]) cache[tokenCacheKey(entry)] = entry;
    return { ...state, version: STATE_VERSION, magicCodes: codes, tokenCache: cache };
  }
  if (state.version !== STATE_VERSION) {
    throw new SandboxError(
      'CONFIG_INVALID',
      `sandbox state "${file}" has version "${state.version}", expected "${STATE_VERSION}"; delete it to start from the seed again`,
    );
  }
  return state as unknown as SandboxState;
}

/** The key of the token service's stores: one cached token, and one list of codes, per channel user, channel and connection. */
export function tokenCacheKey(entry: {
  readonly channelUserId: string;
  readonly channelId: string;
  readonly connectionName: string;
}): string {
  return `${entry.channelId}\n${entry.channelUserId}\n${entry.connectionName}`;
}

export function pruneExpired(state: SandboxState, now: number): void {
  const live = (expiresAt: string) => Date.parse(expiresAt) > now;
  for (const [key, grant] of Object.entries(state.tokens)) if (!live(grant.expiresAt)) delete state.tokens[key];
  for (const [key, session] of Object.entries(state.signInSessions)) if (!live(session.expiresAt)) delete state.signInSessions[key];
  for (const [key, codes] of Object.entries(state.magicCodes)) {
    const left = codes.filter((c) => live(c.expiresAt));
    if (left.length === 0) delete state.magicCodes[key];
    else if (left.length < codes.length) state.magicCodes[key] = left;
  }
  for (const [key, entry] of Object.entries(state.tokenCache)) if (!live(entry.expiresAt)) delete state.tokenCache[key];
}

/** Fingerprint of a seed, kept in the state, so a changed `SANDBOX_SEED` is noticed at start-up. */
export function seedFingerprint(seed: SandboxSeed): string {
  return createHash('sha256').update(JSON.stringify(seed)).digest('base64url');
}

/** A new state from the seed: its tenants and users (passwords hashed), empty stores and a fresh signing key. */
export async function stateFromSeed(seed: SandboxSeed): Promise<SandboxState> {
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
