import { AppError, isAppError } from '../../services/errors';

/** The `code` of a Node file-system error (`ENOENT`, `EEXIST`, ...). */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Wraps a file-system failure; an AppError passes through unchanged. */
export function unavailable(detail: string, cause: unknown): AppError {
  return isAppError(cause) ? cause : new AppError('STORAGE_UNAVAILABLE', detail, { cause });
}
