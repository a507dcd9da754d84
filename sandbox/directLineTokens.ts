import { createHash, createHmac } from 'node:crypto';

// Direct Line tokens (sandbox/directLineConversations.ts issues and looks them up): each bound to one conversation
// and one user, JWT-shaped like the real service's, known to the sandbox by their hash.

/** Direct Line tokens live an hour (`expires_in: 3600`), like the real service's. */
export const DIRECT_LINE_TOKEN_LIFETIME_SECONDS = 3600;

/** How long an expired token is still recognised as "expired" rather than unknown. */
const EXPIRED_TOKEN_MEMORY_MS = 24 * 60 * 60 * 1000;

export interface DirectLineTokenGrant {
  readonly conversationId: string;
  /** The only `from.id` the holder may post as. */
  readonly userId: string;
  /** Origins the token may be used from; empty = any (the real service's default without enhanced auth). */
  readonly trustedOrigins: readonly string[];
  readonly expiresAt: number;
}

/** A token that was once valid: TokenExpired (403) rather than an unknown token. */
export type TokenLookup =
  { readonly kind: 'live'; readonly grant: DirectLineTokenGrant } | { readonly kind: 'expired' } | { readonly kind: 'unknown' };

/**
 * Real Direct Line tokens are JWTs whose `user` claim Web Chat reads (it refuses a `dl_` userID passed beside the
 * token). The sandbox still looks tokens up in its table; the signature only makes a forged one fail that lookup.
 */
export function signDirectLineJwt(signingKey: Buffer, claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ iss: 'sandbox-directline', ...claims })}`;
  return `${unsigned}.${createHmac('sha256', signingKey).update(unsigned).digest('base64url')}`;
}

/** The key a grant is kept under: the token's SHA-256, never the token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** Forgets grants expired longer than a day (they no longer answer TokenExpired). */
export function forgetOldTokens(tokens: Record<string, DirectLineTokenGrant>, now: number): void {
  for (const [key, grant] of Object.entries(tokens)) if (grant.expiresAt <= now - EXPIRED_TOKEN_MEMORY_MS) delete tokens[key];
}
