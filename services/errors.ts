/**
 * The error catalogue. Every failure the product reports has a stable code here; `userMessage` is what the
 * person in the chat reads (plain, actionable, no internals), `detail` is for the log (never a token).
 */
export const ErrorCatalogue = {
  CONFIG_INVALID: { status: 500, userMessage: 'The bot is not configured correctly.' },
  DIRECTORY_UNAVAILABLE: {
    status: 503,
    userMessage: "I can't reach the directory right now, so I haven't changed anything. Please try again in a few minutes.",
  },
  SIGN_IN_REJECTED: { status: 401, userMessage: "Your sign-in wasn't accepted. Please sign in again." },
  REALM_UNAVAILABLE: {
    status: 503,
    userMessage: "I can't confirm right now whether your organization is unmanaged, so I haven't changed anything. Please try again later.",
  },
  EXPORT_UNAVAILABLE: {
    status: 503,
    userMessage: "I couldn't request your data export right now. Nothing has been changed; you can try again or go on without it.",
  },
  EXPORT_HANDED_OFF: {
    status: 403,
    userMessage:
      "I can't export your data for you in your organization, so nothing has been requested and nothing has been closed. " +
      "You can ask for it yourself on Microsoft's My data requests page: sign in with this account and select New export request. " +
      'For an organization without an administrator, Microsoft gives the system-generated logs it holds about your use of its services, ' +
      'and says this can take up to a month; download it there before you close the account. ' +
      'When you have your copy, say close my account and choose Skip.',
  },
  RECORD_CONFLICT: { status: 409, userMessage: 'Someone else changed this at the same moment. Nothing was done twice.' },
  RECORD_ID_INVALID: { status: 400, userMessage: 'The request was not understood.' },
  /** A stored record that is there but cannot be parsed (a truncated file): set aside, never the whole pass stopped. */
  RECORD_UNREADABLE: {
    status: 500,
    userMessage: "I can't read what I saved about this request, so I haven't changed anything. Please start again.",
  },
  STORAGE_UNAVAILABLE: {
    status: 503,
    userMessage: "I can't save your progress right now, so I haven't changed anything. Please try again in a few minutes.",
  },
  AUDIT_EVENT_INVALID: { status: 500, userMessage: "Something went wrong on my side, so I haven't changed anything." },
  CLOSE_FAILED: {
    status: 502,
    userMessage: "Closing your account didn't succeed, and it has not been closed. Please try again later.",
  },
  BAD_REQUEST: { status: 400, userMessage: 'The request was not understood.' },
  DIRECT_LINE_UNAVAILABLE: { status: 502, userMessage: "The chat can't start right now. Please try again in a few minutes." },
} as const satisfies Record<string, { status: number; userMessage: string }>;

export type ErrorCode = keyof typeof ErrorCatalogue;

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  /** HTTP status a server should answer with when this error ends a request. */
  readonly status: number;
  /** Safe to show to the user. */
  readonly userMessage: string;

  constructor(code: ErrorCode, detail: string, options?: { cause?: unknown; userMessage?: string }) {
    super(`${code}: ${detail}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = ErrorCatalogue[code].status;
    this.userMessage = options?.userMessage ?? ErrorCatalogue[code].userMessage;
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
