import { AppError } from '../../services/errors';

/**
 * Record ids become file names and blob names, so only a conservative alphabet is allowed: no path separators,
 * no leading dot (hidden files, `..`), nothing a file system or URL would reinterpret. Ids are ours (GUIDs,
 * hashes), never user input, so a bad one is a bug and is rejected rather than escaped.
 */
const RECORD_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export function assertRecordId(id: unknown, what = 'record id'): asserts id is string {
  if (typeof id !== 'string' || !RECORD_ID.test(id)) {
    const shown = typeof id === 'string' ? `"${id.slice(0, 40)}"` : typeof id;
    throw new AppError('RECORD_ID_INVALID', `${what} ${shown} must match ${RECORD_ID.source}`);
  }
}
