/**
 * The error catalogue. Every failure the product reports has a stable code here with the HTTP status a server
 * answers with; what the person reads is the code's sentence in their language, `errors.<CODE>` in locales/*.json
 * (conversation/messages.ts `Messages.error`), never English written here; `detail` is for the log (never a token).
 */
export const ErrorCatalogue = {
  CONFIG_INVALID: { status: 500 },
  DIRECTORY_UNAVAILABLE: { status: 503 },
  SIGN_IN_REJECTED: { status: 401 },
  REALM_UNAVAILABLE: { status: 503 },
  EXPORT_UNAVAILABLE: { status: 503 },
  // Its sentence names Microsoft's page by the `portalUrl` value the error carries.
  EXPORT_HANDED_OFF: { status: 403 },
  RECORD_CONFLICT: { status: 409 },
  RECORD_ID_INVALID: { status: 400 },
  /** A stored record that is there but cannot be parsed (a truncated file): set aside, never the whole pass stopped. */
  RECORD_UNREADABLE: { status: 500 },
  STORAGE_UNAVAILABLE: { status: 503 },
  AUDIT_EVENT_INVALID: { status: 500 },
  CLOSE_FAILED: { status: 502 },
  BAD_REQUEST: { status: 400 },
  DIRECT_LINE_UNAVAILABLE: { status: 502 },
} as const satisfies Record<string, { status: number }>;

export type ErrorCode = keyof typeof ErrorCatalogue;

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  /** HTTP status a server should answer with when this error ends a request. */
  readonly status: number;
  /** Values the code's sentence (`errors.<CODE>`) names, safe to show to the user (a page's address). */
  readonly userValues: Readonly<Record<string, string>>;
  /**
   * A failure that passes (a gateway's 429/502/503/504, no answer, a timeout): the same call may succeed later. Set
   * by the adapter that saw the failure, so the domain can wait and ask again without knowing HTTP.
   */
  readonly transient: boolean;

  constructor(
    code: ErrorCode,
    detail: string,
    options?: { cause?: unknown; userValues?: Readonly<Record<string, string>>; transient?: boolean },
  ) {
    super(`${code}: ${detail}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = ErrorCatalogue[code].status;
    this.userValues = options?.userValues ?? {};
    this.transient = options?.transient ?? false;
  }
}

export function isAppError(error: unknown, code?: ErrorCode): error is AppError {
  return error instanceof AppError && (code === undefined || error.code === code);
}

/** EADDRINUSE named with the setting that moves the port, so the one line at start-up says what to change. */
export function portInUse(error: unknown, port: number, host: string, setting: string): Error {
  if ((error as NodeJS.ErrnoException | undefined)?.code !== 'EADDRINUSE') return error instanceof Error ? error : new Error(String(error));
  return new AppError(
    'CONFIG_INVALID',
    `port ${port} on ${host} is already in use (EADDRINUSE), perhaps by another copy of the bot: stop it, or set ${setting} to a free port`,
    { cause: error },
  );
}
