/**
 * The sandbox's own errors, for its host's log and start-up line (never for a page: pages speak through
 * pageStrings.ts). `code` says what to do about it: a setting or file to fix, or a folder or sandbox that failed.
 */
export type SandboxErrorCode =
  /** A setting, seed or state file is wrong: the sandbox cannot start until it is fixed. */
  | 'CONFIG_INVALID'
  /** The data folder cannot be read or written. */
  | 'STORAGE_UNAVAILABLE'
  /** A shared sandbox (`npm run sandbox`) did not answer or refused a call. */
  | 'SANDBOX_UNAVAILABLE';

export class SandboxError extends Error {
  override readonly name = 'SandboxError';
  readonly code: SandboxErrorCode;

  constructor(code: SandboxErrorCode, detail: string, options?: { cause?: unknown }) {
    super(`${code}: ${detail}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

export function isSandboxError(error: unknown, code?: SandboxErrorCode): error is SandboxError {
  return error instanceof SandboxError && (code === undefined || error.code === code);
}

/** EADDRINUSE named with the setting that moves the port, so the one line at start-up says what to change. */
export function portInUse(error: unknown, port: number, host: string, setting: string): Error {
  if ((error as NodeJS.ErrnoException | undefined)?.code !== 'EADDRINUSE') return error instanceof Error ? error : new Error(String(error));
  return new SandboxError(
    'CONFIG_INVALID',
    `port ${port} on ${host} is already in use (EADDRINUSE), perhaps by another copy of the bot: stop it, or set ${setting} to a free port`,
    { cause: error },
  );
}
