import { randomUUID } from 'node:crypto';
import type { Logger } from '../../services/logger';
import { createDeadlines } from './deadlines';
import { redactUrl } from '../../services/logger';
import { HttpError, type HttpFailureKind } from './httpError';
import {
  backoffDelay,
  DEFAULT_MAX_RETRY_AFTER_MS,
  isRetryableStatus,
  isRetryableTransportFailure,
  parseRetryAfter,
  type RetryOptions,
} from './retryPolicy';
import { AttemptTimeoutError, createTransport, type ResponseHeaders } from './transport';

/**
 * THE HTTP client for every outside call (Graph, the user realm, token-less APIs). Keep-alive node:http(s)
 * (transport.ts), a
 * per-attempt timeout, an overall deadline, retries for throttling and transient failures, and one log line per
 * attempt that support can correlate (`client-request-id` sent, `request-id` received). Never logs headers or bodies.
 */
export interface HttpRequest {
  readonly method: string;
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** A string is sent as is; anything else is sent as JSON. */
  readonly body?: unknown;
  /** Names the call in logs and errors, e.g. `graph.deleteUser`. */
  readonly operation: string;
  /** Whether repeating the call after a lost answer is harmless. Non-idempotent calls are retried only when provably unsent or throttled. */
  readonly idempotent: boolean;
  /** Overrides the client's per-attempt timeout. */
  readonly timeoutMs?: number;
  /** Statuses outside 2xx that are answers, not failures (the token service's 404: "no token"). */
  readonly answers?: readonly number[];
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: ResponseHeaders;
  /** The parsed JSON body; `undefined` when the body is empty or not JSON. */
  readonly body: unknown;
  /** The service's `request-id` header, if any. */
  readonly requestId: string | undefined;
  readonly clientRequestId: string;
}

export interface HttpClient {
  /** Resolves with a 2xx response. @throws HttpError for anything else, after retries. */
  request(request: HttpRequest): Promise<HttpResponse>;
}

export interface HttpClientOptions {
  readonly logger: Logger;
  /** Per-attempt timeout. */
  readonly timeoutMs: number;
  /** All attempts and waits of one call end by then; defaults to `DEFAULT_DEADLINE_MS`. */
  readonly deadlineMs?: number;
  readonly retry: RetryOptions;
  readonly sleep?: (ms: number) => Promise<void>;
  /** In [0, 1); the jitter source. */
  readonly random?: () => number;
  /** Epoch milliseconds; the deadline's and HTTP-date `Retry-After`'s clock. */
  readonly now?: () => number;
}

/** A minute for one logical call, waits included: a chat turn must not hang longer than that. */
export const DEFAULT_DEADLINE_MS = 60_000;

type Attempt =
  | { readonly ok: true; readonly response: HttpResponse }
  | { readonly ok: false; readonly error: HttpError; readonly retryable: boolean; readonly waitMs?: number };

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const { logger, retry } = options;
  const maxRetryAfterMs = retry.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
  // One connection pool and one timeout timer per client, shared by all its calls.
  const transport = createTransport(createDeadlines());

  async function request(req: HttpRequest): Promise<HttpResponse> {
    const headers = buildHeaders(req);
    const clientRequestId = headers['client-request-id'];
    // Parsed once per call, for the logs and for every attempt (an unparseable URL fails in the transport, as it did).
    const target = parsedUrl(req.url);
    const url = redactUrl(target ?? req.url);
    const deadline = now() + (options.deadlineMs ?? DEFAULT_DEADLINE_MS);
    const logFields = { operation: req.operation, method: req.method, url, clientRequestId };

    for (let attempt = 1; ; attempt += 1) {
      const timeoutMs = Math.max(1, Math.min(req.timeoutMs ?? options.timeoutMs, deadline - now()));
      const startedAt = now();
      const result = await attemptOnce(req, headers, { attempt, timeoutMs, url, target, clientRequestId });
      const durationMs = now() - startedAt;
      if (result.ok) {
        logger.info(`${req.operation}: "${req.method}" "${url}" answered ${result.response.status}`, {
          ...logFields,
          status: result.response.status,
          attempt,
          requestId: result.response.requestId,
          durationMs,
        });
        return result.response;
      }
      const { error } = result;
      const failureFields = {
        ...logFields,
        status: error.status,
        errorCode: error.serviceCode,
        failure: error.kind,
        attempt,
        requestId: error.requestId,
        durationMs,
      };
      const waitMs = result.waitMs ?? backoffDelay(attempt, retry, random);
      const outOfAttempts = attempt >= retry.maxAttempts;
      const pastDeadline = now() + waitMs >= deadline;
      if (!result.retryable || outOfAttempts || pastDeadline) {
        const why = !result.retryable ? 'not retryable' : outOfAttempts ? 'out of attempts' : 'deadline reached';
        logger.warn(`${req.operation}: "${req.method}" "${url}" failed (${why})`, failureFields);
        throw error;
      }
      logger.warn(`${req.operation}: "${req.method}" "${url}" failed; retrying in ${waitMs} ms`, { ...failureFields, waitMs });
      await sleep(waitMs);
    }
  }

  async function attemptOnce(
    req: HttpRequest,
    headers: Readonly<Record<string, string>>,
    context: { attempt: number; timeoutMs: number; url: string; target: URL | undefined; clientRequestId: string },
  ): Promise<Attempt> {
    const fail = (kind: HttpFailureKind, extra: { status?: number; serviceCode?: string; requestId?: string }, cause?: unknown) =>
      new HttpError(
        {
          kind,
          operation: req.operation,
          method: req.method,
          url: context.url,
          attempts: context.attempt,
          clientRequestId: context.clientRequestId,
          ...extra,
        },
        { cause },
      );
    let status: number;
    let responseHeaders: ResponseHeaders;
    let text: string;
    try {
      // Redirects are not followed (as with fetch's `redirect: 'manual'`): a 3xx is a status like any other.
      const response = await transport.send({
        method: req.method,
        url: context.target ?? req.url,
        headers,
        body: encodeBody(req.body),
        timeoutMs: context.timeoutMs,
      });
      status = response.status;
      responseHeaders = response.headers;
      text = response.text;
    } catch (cause) {
      const timedOut = cause instanceof AttemptTimeoutError;
      return {
        ok: false,
        error: fail(timedOut ? 'timeout' : 'network', {}, cause),
        retryable: isRetryableTransportFailure(cause, req.idempotent),
      };
    }
    const requestId = responseHeaders.get('request-id') ?? undefined;
    const parsed = parseBody(text, responseHeaders.get('content-type'));
    if ((status >= 200 && status < 300) || req.answers?.includes(status)) {
      if (parsed.malformed) return { ok: false, error: fail('malformedBody', { status, requestId }, parsed.cause), retryable: false };
      return {
        ok: true,
        response: { status, headers: responseHeaders, body: parsed.value, requestId, clientRequestId: context.clientRequestId },
      };
    }
    return {
      ok: false,
      error: fail('status', { status, requestId, serviceCode: serviceErrorCode(parsed.value) }),
      retryable: isRetryableStatus(status, req.idempotent),
      waitMs: parseRetryAfter(responseHeaders.get('retry-after'), now(), maxRetryAfterMs),
    };
  }

  return { request };
}

function parsedUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** Lower-cased names, so a caller's `Content-Type` replaces the default instead of doubling it. */
function buildHeaders(req: HttpRequest): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (req.body !== undefined && typeof req.body !== 'string') headers['content-type'] = 'application/json';
  for (const [name, value] of Object.entries(req.headers ?? {})) headers[name.toLowerCase()] = value;
  // One id for all attempts of a call: the service and support see the retries as one request.
  headers['client-request-id'] ??= randomUUID();
  return headers;
}

function encodeBody(body: unknown): string | undefined {
  if (body === undefined) return undefined;
  return typeof body === 'string' ? body : JSON.stringify(body);
}

type ParsedBody =
  { readonly value: unknown; readonly malformed: false } | { readonly value: undefined; readonly malformed: true; readonly cause: unknown };

/** JSON when the content type says so or the text looks like it; a body that claims JSON and is not is `malformed`. */
function parseBody(text: string, contentType: string | null): ParsedBody {
  const claimsJson = contentType !== null && /[/+]json\b/i.test(contentType);
  const trimmed = text.trim();
  if (trimmed === '') return { value: undefined, malformed: false };
  if (!claimsJson && !/^[[{]/.test(trimmed)) return { value: undefined, malformed: false };
  try {
    return { value: JSON.parse(trimmed) as unknown, malformed: false };
  } catch (cause) {
    return { value: undefined, malformed: true, cause };
  }
}

/** Graph's error shape: `{ "error": { "code": "...", "message": "..." } }`. The message is not kept: it may echo personal data. */
function serviceErrorCode(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as { error?: unknown }).error;
  if (typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string') {
    return (error as { code: string }).code;
  }
  return typeof error === 'string' ? error : undefined;
}
