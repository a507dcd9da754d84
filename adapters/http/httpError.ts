/**
 * What went wrong with one outside call, after retries. Adapters translate it into their own `AppError` code
 * (the HTTP client knows nothing about the domain); the message carries no URL query, header or body.
 */
export type HttpFailureKind =
  /** The service answered with a non-2xx status. */
  | 'status'
  /** No answer: connection refused or reset, DNS failure. */
  | 'network'
  /** The per-attempt timeout or the overall deadline ran out. */
  | 'timeout'
  /** The service answered 2xx with a body that claims to be JSON but is not. */
  | 'malformedBody';

export interface HttpErrorDetails {
  readonly kind: HttpFailureKind;
  readonly operation: string;
  readonly method: string;
  /** The URL without query string and with personal path segments masked (services/logger.ts `redactUrl`). */
  readonly url: string;
  readonly attempts: number;
  readonly status?: number;
  /** The service's own error code, e.g. Graph `error.code` (`Request_ResourceNotFound`). */
  readonly serviceCode?: string;
  /** The service's `request-id` header: what Microsoft support asks for. */
  readonly requestId?: string;
  readonly clientRequestId: string;
}

export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly kind: HttpFailureKind;
  readonly operation: string;
  readonly method: string;
  readonly url: string;
  readonly attempts: number;
  readonly status: number | undefined;
  readonly serviceCode: string | undefined;
  readonly requestId: string | undefined;
  readonly clientRequestId: string;

  constructor(details: HttpErrorDetails, options?: { cause?: unknown }) {
    super(describe(details), options?.cause === undefined ? undefined : { cause: options.cause });
    this.kind = details.kind;
    this.operation = details.operation;
    this.method = details.method;
    this.url = details.url;
    this.attempts = details.attempts;
    this.status = details.status;
    this.serviceCode = details.serviceCode;
    this.requestId = details.requestId;
    this.clientRequestId = details.clientRequestId;
  }
}

export function isHttpError(error: unknown, status?: number): error is HttpError {
  return error instanceof HttpError && (status === undefined || error.status === status);
}

/** A failure that passes: no answer, a timeout, throttling (429) or a gateway's 502/503/504 (after the retries). */
export function isTransientHttpFailure(error: unknown): boolean {
  if (!isHttpError(error)) return false;
  if (error.kind === 'network' || error.kind === 'timeout') return true;
  return error.kind === 'status' && error.status !== undefined && TRANSIENT_STATUSES.has(error.status);
}

const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

function describe(details: HttpErrorDetails): string {
  const what = `${details.operation} (${details.method} "${details.url}")`;
  const tries = `after ${details.attempts} attempt(s)`;
  switch (details.kind) {
    case 'status':
      return `${what} answered ${details.status}${details.serviceCode ? ` "${details.serviceCode}"` : ''} ${tries}`;
    case 'network':
      return `${what} failed to connect or lost the connection ${tries}`;
    case 'timeout':
      return `${what} timed out ${tries}`;
    case 'malformedBody':
      return `${what} answered ${details.status} with a body that is not valid JSON`;
  }
}
