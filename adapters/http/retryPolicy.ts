/**
 * When to try an outside call again and how long to wait. Pure functions, so the rules are tested without sockets.
 * Background: Graph throttling guidance (https://learn.microsoft.com/graph/throttling) asks clients to honour
 * `Retry-After` and otherwise back off exponentially; some endpoints (exportPersonalData among them) throttle
 * with a 429 that carries no `Retry-After` at all.
 */
export interface RetryOptions {
  /** Attempts in total, the first one included. */
  readonly maxAttempts: number;
  /** First backoff ceiling; doubles per attempt. */
  readonly baseDelayMs: number;
  /** Largest backoff ceiling. */
  readonly maxDelayMs: number;
  /** Largest wait a `Retry-After` header may impose; defaults to `DEFAULT_MAX_RETRY_AFTER_MS`. */
  readonly maxRetryAfterMs?: number;
}

/** A service asking for more than a minute is treated as asking for a minute; the overall deadline still applies. */
export const DEFAULT_MAX_RETRY_AFTER_MS = 60_000;

/** Statuses that mean "not now": throttled, unavailable, gateway timeout. */
const TRANSIENT_STATUSES = new Set([429, 503, 504]);

/** Socket error codes raised before a single byte of the request left this machine. */
const NEVER_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * Whether a status may be retried. A 429 means the service refused to process the request, so even a
 * non-idempotent call may be repeated; a 503/504 may come from a gateway after the service acted, so only
 * idempotent calls are repeated.
 */
export function isRetryableStatus(status: number, idempotent: boolean): boolean {
  if (status === 429) return true;
  return idempotent && TRANSIENT_STATUSES.has(status);
}

/** Whether a transport failure may be retried: always when the request provably never left, else only if idempotent. */
export function isRetryableTransportFailure(error: unknown, idempotent: boolean): boolean {
  return idempotent || neverReachedServer(error);
}

export function neverReachedServer(error: unknown): boolean {
  return socketErrorCodes(error).some((code) => NEVER_SENT_CODES.has(code));
}

/** undici wraps the socket error as `cause` (an AggregateError when several addresses were tried). */
function socketErrorCodes(error: unknown): string[] {
  const codes: string[] = [];
  const visit = (value: unknown, depth: number): void => {
    if (depth > 4 || typeof value !== 'object' || value === null) return;
    const { code, cause, errors } = value as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === 'string') codes.push(code);
    visit(cause, depth + 1);
    if (Array.isArray(errors)) for (const inner of errors) visit(inner, depth + 1);
  };
  visit(error, 0);
  return codes;
}

/**
 * Milliseconds to wait as asked by a `Retry-After` header: delay-seconds (integer or, as some services send,
 * fractional) or an HTTP date (RFC 9110 section 10.2.3). `undefined` when absent or unreadable; capped at `maxMs`.
 */
export function parseRetryAfter(header: string | null, nowMs: number, maxMs: number): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (value === '') return undefined;
  let waitMs: number;
  if (/^\d+(\.\d+)?$/.test(value)) {
    waitMs = Math.ceil(Number(value) * 1000);
  } else {
    // Only a real HTTP date (it names a month); Date.parse would read "-5" as the year 5 BC.
    if (!/[a-z]{3}/i.test(value)) return undefined;
    const at = Date.parse(value);
    if (Number.isNaN(at)) return undefined;
    waitMs = at - nowMs;
  }
  return Math.min(Math.max(waitMs, 0), maxMs);
}

/** Exponential backoff with full jitter (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/). */
export function backoffDelay(failedAttempt: number, options: RetryOptions, random: () => number): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (failedAttempt - 1));
  return Math.floor(random() * ceiling);
}
