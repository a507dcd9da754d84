/** The claims of an Entra access token that the bot reads about its own or its user's token. */
export interface AccessTokenClaims {
  /** Tenant the token was issued for. */
  readonly tid?: string;
  /** Object id of the user (delegated tokens) or of the app's service principal (app tokens). */
  readonly oid?: string;
  /** Expiry, seconds since the epoch. */
  readonly exp?: number;
}

/**
 * Reads the claims of a JWT access token without checking its signature: for tokens the bot itself just received
 * from Entra or the token service, to learn which tenant or account they are for before acting on them (Graph
 * checks the signature when the token is used). Claims: https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference.
 * Returns undefined for anything that is not a JWT with a JSON claims part.
 */
export function tokenClaims(token: string): AccessTokenClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return undefined;
    const { tid, oid, exp } = claims as Record<string, unknown>;
    return {
      ...(typeof tid === 'string' ? { tid } : {}),
      ...(typeof oid === 'string' ? { oid } : {}),
      ...(typeof exp === 'number' ? { exp } : {}),
    };
  } catch {
    return undefined;
  }
}
