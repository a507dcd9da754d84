import type { Response } from 'restify';

/**
 * Every error body the HTTP edge sends: `{ "error": { "code", "message" } }`, a stable code from this table and a
 * plain message written here, never an exception's text (a failed OpenID metadata fetch, a JSON parser's
 * position). The detail goes to the log. Codes of the service catalogue (services/errors.ts) pass through as they
 * are; these are the edge's own.
 */
export const HttpProblems = {
  BadRequest: { status: 400, message: 'The request was not understood.' },
  InvalidJson: { status: 400, message: 'The body is not valid JSON.' },
  BadActivity: { status: 400, message: 'The activity is not valid.' },
  Unauthorized: { status: 401, message: 'The request is not authorized.' },
  NotFound: { status: 404, message: 'There is nothing at this address.' },
  MethodNotAllowed: { status: 405, message: 'This address does not accept that method.' },
  PayloadTooLarge: { status: 413, message: 'The body is too large.' },
  UnsupportedMediaType: { status: 415, message: 'Send the body as JSON with "Content-Type: application/json".' },
  UnsupportedContentEncoding: { status: 415, message: 'Send the body uncompressed: no Content-Encoding other than identity is accepted.' },
  UpgradeNotSupported: { status: 400, message: 'This server does not switch protocols (no WebSocket here).' },
  InternalError: { status: 500, message: 'Something went wrong on our side. Please try again later.' },
  Unavailable: { status: 503, message: 'The service is not available right now. Please try again later.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type HttpProblemCode = keyof typeof HttpProblems;

export interface ProblemBody {
  readonly error: { readonly code: string; readonly message: string };
}

export function problem(code: string, message: string): ProblemBody {
  return { error: { code, message } };
}

/** The edge's own problem, with its status and plain message; `message` replaces the table's when more is safe. */
export function sendProblem(res: Response, code: HttpProblemCode, message: string = HttpProblems[code].message): void {
  res.send(HttpProblems[code].status, problem(code, message));
}

/** The code for a status nobody named: the closest one in the table. */
export function problemCodeForStatus(status: number): HttpProblemCode {
  const exact = (Object.keys(HttpProblems) as HttpProblemCode[]).find((code) => HttpProblems[code].status === status);
  if (exact) return exact;
  return status >= 500 ? (status === 503 ? 'Unavailable' : 'InternalError') : 'BadRequest';
}
