import type { AuditEvent } from '../../services/auditTrail';
import { AppError } from '../../services/errors';

/** The audit trail outlives the account; `detail` is a verdict or an error code, never prose or payloads. */
export const MAX_DETAIL_LENGTH = 200;
/** GUIDs (36) and the UPN hash (64) fit; bearer tokens, JWTs and secrets are far longer without a space. */
export const MAX_UNBROKEN_RUN = 100;

const FIELDS: ReadonlySet<string> = new Set(['type', 'at', 'requestId', 'objectId', 'tenantId', 'upnHash', 'detail']);
/** A JWT's base64url header always starts `eyJ` (`{"`); reject one even when it is short enough to pass the length bound. */
const JWT_LIKE = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\./;
/** A run of more than MAX_UNBROKEN_RUN characters without white space: one test instead of a split per field. */
const UNBROKEN_RUN = new RegExp(`\\S{${MAX_UNBROKEN_RUN + 1}}`);

/**
 * Rejects an event that would put something other than ids and verdicts into the trail. The port forbids
 * callers to pass tokens; this is the second line of defence, so the error names the field, never its value.
 * @throws AppError `AUDIT_EVENT_INVALID`
 */
export function assertAuditEvent(event: AuditEvent): void {
  if (typeof event !== 'object' || event === null) invalid('the event is not an object');
  for (const [field, value] of Object.entries(event)) {
    if (!FIELDS.has(field)) invalid(`unknown field "${field.slice(0, 40)}"`);
    if (value === undefined) continue;
    if (typeof value !== 'string') invalid(`field "${field}" is a ${typeof value}, not a string`);
    // Ids and the hash are shorter than the bound and cannot hold such a run: only a longer value is searched.
    if (value.length > MAX_UNBROKEN_RUN && UNBROKEN_RUN.test(value)) {
      // Measured only for the message: a rejected event is rare, and every event of every turn passes here.
      const longestRun = Math.max(...value.split(/\s+/).map((part) => part.length));
      invalid(`field "${field}" holds a ${longestRun}-character unbroken string (looks like a token)`);
    }
    if (JWT_LIKE.test(value)) invalid(`field "${field}" holds something shaped like a JWT`);
  }
  if (typeof event.type !== 'string' || event.type.length === 0) invalid('"type" is missing');
  if (typeof event.at !== 'string' || Number.isNaN(Date.parse(event.at))) invalid('"at" is not an ISO 8601 time');
  if (event.detail !== undefined && event.detail.length > MAX_DETAIL_LENGTH) {
    invalid(`"detail" is ${event.detail.length} characters, more than ${MAX_DETAIL_LENGTH}`);
  }
}

/**
 * The event as written: known fields only, in a stable order, so stored lines are comparable; a field left
 * undefined is absent (as JSON would drop it). For an event `assertAuditEvent` passed, every field is a string.
 */
export function toStoredEvent(event: AuditEvent): AuditEvent {
  const { type, at, requestId, objectId, tenantId, upnHash, detail } = event;
  const stored: { -readonly [K in keyof AuditEvent]: AuditEvent[K] } = { type, at };
  if (requestId !== undefined) stored.requestId = requestId;
  if (objectId !== undefined) stored.objectId = objectId;
  if (tenantId !== undefined) stored.tenantId = tenantId;
  if (upnHash !== undefined) stored.upnHash = upnHash;
  if (detail !== undefined) stored.detail = detail;
  return stored;
}

/** The stored event as one JSON line (without its newline): `JSON.stringify` drops the undefined fields itself. */
export function storedLine(event: AuditEvent): string {
  const { type, at, requestId, objectId, tenantId, upnHash, detail } = event;
  return JSON.stringify({ type, at, requestId, objectId, tenantId, upnHash, detail });
}

function invalid(reason: string): never {
  throw new AppError('AUDIT_EVENT_INVALID', `audit event rejected: ${reason}`);
}

/**
 * Parses JSON lines, one event each. A last line without its newline is a write cut short by a crash: it is
 * skipped with a warning rather than making the whole trail unreadable. Any other bad line is an error.
 */
export function parseAuditLines(text: string, source: string, onTornLine: (source: string) => void): AuditEvent[] {
  const lines = text.split('\n');
  const last = lines.pop();
  if (last) onTornLine(source);
  return lines.map((line, index) => {
    try {
      return JSON.parse(line) as AuditEvent;
    } catch (error) {
      throw new AppError('STORAGE_UNAVAILABLE', `audit line ${index + 1} of "${source}" is not valid JSON`, { cause: error });
    }
  });
}
