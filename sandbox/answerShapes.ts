import type { FaultResponse } from './faults';

/**
 * Named answers a fault rule can give instead of writing one out (`respond: "proxyHtml404"`), for the shapes a
 * caller of Graph `/me` must not read as "this account does not exist": only Graph's own 404 with `error.code`
 * `Request_ResourceNotFound` means that (https://learn.microsoft.com/graph/errors). A proxy or gateway in front of
 * Graph answers 404 with its own HTML page; Graph itself answers `UnknownError` when it cannot say more; a token it
 * will not take is 401 `InvalidAuthenticationToken`; a refusal 403 `Authorization_RequestDenied`; a failure 5xx.
 */
export const ANSWER_SHAPES = {
  /** A reverse proxy's or gateway's "not found" page: HTML, not Graph's error shape. */
  proxyHtml404: {
    status: 404,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: '<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>',
  },
  graphUnknownError404: graphError(404, 'UnknownError', ''),
  graphUnauthorized401: graphError(401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.'),
  graphForbidden403: graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'),
  graphServerError500: graphError(500, 'generalException', 'General exception while processing.'),
  graphUnavailable503: graphError(503, 'serviceNotAvailable', 'Service unavailable.'),
} as const satisfies Record<string, FaultResponse>;

export type AnswerShape = keyof typeof ANSWER_SHAPES;

export function isAnswerShape(value: unknown): value is AnswerShape {
  return typeof value === 'string' && Object.hasOwn(ANSWER_SHAPES, value);
}

/** Graph's error body (https://learn.microsoft.com/graph/errors), without the per-request `innerError` ids. */
function graphError(status: number, code: string, message: string): FaultResponse {
  return { status, body: { error: { code, message } } };
}
