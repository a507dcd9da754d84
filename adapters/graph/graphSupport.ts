import { createHash } from 'node:crypto';
import { AppError, type ErrorCode } from '../../services/errors';
import { isHttpError } from '../http/httpError';

/** Microsoft Graph's documented id shape for users and organizations; anything else is a malformed answer. */
export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `https://graph.microsoft.com/v1.0/...` from a base URL with or without a trailing slash. */
export function graphUrl(graphBaseUrl: string, path: string): string {
  return `${graphBaseUrl.replace(/\/+$/, '')}${path}`;
}

/**
 * Wraps a failure of a Graph call in the adapter's own code, keeping the HTTP details as `cause` and in the
 * log detail (status, Graph error code, request-id), never the body.
 */
export function wrapGraphFailure(error: unknown, code: ErrorCode, what: string): AppError {
  if (error instanceof AppError) return error;
  if (isHttpError(error)) {
    const parts = [
      error.status === undefined ? error.kind : `status ${error.status}`,
      error.serviceCode && `code "${error.serviceCode}"`,
      error.requestId && `request-id "${error.requestId}"`,
    ];
    return new AppError(code, `${what}: ${parts.filter(Boolean).join(', ')}`, { cause: error });
  }
  return new AppError(code, `${what}: ${error instanceof Error ? error.message : 'unknown failure'}`, { cause: error });
}

/**
 * A stable GUID per request and step, so every attempt of one closure carries the same `client-request-id`
 * (Graph logs it; support can find all attempts of one closure by it). Name-based, version 5 layout (RFC 9562).
 */
export function clientRequestIdFor(requestId: string, step: string): string {
  const bytes = createHash('sha1').update(`account-closure-bot:${requestId}:${step}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
