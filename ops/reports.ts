import type { AuditEvent } from '../services/auditTrail';
import { TERMINAL_STATUSES, type ClosureRequest } from '../services/closureRequest';

/**
 * What an operator asks of the stores, computed from ids, states, times and counts only: no report reads or prints
 * a UPN, a name, a channel user id or a conversation. Records are read as whatever shape they have on disk, so a
 * field a later version adds (delivery state, quarantine) is used when present and a missing one is tolerated.
 */

/** The funnel's stages, in order; `started` is counted only if the audit holds such events (it starts at sign-in). */
export const STAGES = ['started', 'signedIn', 'eligible', 'warned', 'confirmed'] as const;
export const OUTCOMES = [
  'closed',
  'handedOff',
  'verified',
  'failed',
  'stillOpen',
  'unconfirmed',
  'declined',
  'cancelled',
  'expired',
] as const;

export interface Funnel {
  readonly since: string;
  readonly until: string;
  /** Distinct accounts (sign-in stages) or requests (later stages) per stage; null = not recorded in the audit. */
  readonly stages: Record<(typeof STAGES)[number], number | null>;
  readonly outcomes: Record<(typeof OUTCOMES)[number], number>;
}

const OUTCOME_OF: Partial<Record<AuditEvent['type'], (typeof OUTCOMES)[number]>> = {
  closed: 'closed',
  handedOff: 'handedOff',
  closureVerified: 'verified',
  closeFailed: 'failed',
  stillOpen: 'stillOpen',
  closureUnconfirmed: 'unconfirmed',
  declined: 'declined',
  cancelled: 'cancelled',
  expired: 'expired',
};

/** A failed attempt the reconciler retries (`closeFailed` with `<code>:willRetry`): not an outcome. */
function isRetry(event: AuditEvent): boolean {
  return event.type === 'closeFailed' && (event.detail ?? '').endsWith(':willRetry');
}

export function funnel(events: readonly AuditEvent[], since: Date, until: Date): Funnel {
  const inPeriod = events.filter((e) => Date.parse(e.at) >= since.getTime() && Date.parse(e.at) <= until.getTime());
  // Before a request exists the audit keys events by account; counted as distinct ids, never shown.
  const distinct = (keep: (e: AuditEvent) => boolean, key: (e: AuditEvent) => string | undefined): number =>
    new Set(
      inPeriod
        .filter(keep)
        .map(key)
        .filter((k): k is string => Boolean(k)),
    ).size;
  const account = (e: AuditEvent) => (e.objectId && e.tenantId ? `${e.tenantId}/${e.objectId}` : undefined);
  const request = (e: AuditEvent) => e.requestId;
  const hasStarted = inPeriod.some((e) => (e.type as string) === 'started');
  const outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<(typeof OUTCOMES)[number], number>;
  for (const [type, outcome] of Object.entries(OUTCOME_OF)) {
    outcomes[outcome] = distinct((e) => e.type === type && !isRetry(e), request);
  }
  return {
    since: since.toISOString(),
    until: until.toISOString(),
    stages: {
      started: hasStarted ? inPeriod.filter((e) => (e.type as string) === 'started').length : null,
      signedIn: distinct((e) => e.type === 'signedIn', account),
      eligible: distinct((e) => e.type === 'realmChecked' && e.detail === 'unmanaged', account),
      warned: distinct((e) => e.type === 'warningShown', request),
      confirmed: distinct((e) => e.type === 'confirmed', request),
    },
    outcomes,
  };
}

export interface OpenRequest {
  readonly requestId: string;
  readonly status: string;
  readonly ageSeconds: number;
  /** Seconds since the last change. */
  readonly idleSeconds: number;
  readonly stuck: boolean;
  readonly owed: boolean;
}

/** Still closing (or confirmed) this long after the lease lapsed: the reconciler is not getting anywhere. */
export const STUCK_AFTER_MS = 10 * 60_000;

type StoredRequest = Partial<ClosureRequest> & { readonly settlement?: { readonly noticeOwed?: boolean } };

/** A request whose outcome is recorded but the requester not yet told (delivery state when present, else the flag). */
export function isOwed(request: StoredRequest): boolean {
  if (!request.status || !TERMINAL_STATUSES.includes(request.status)) return false;
  if (request.settlement && typeof request.settlement.noticeOwed === 'boolean') return request.settlement.noticeOwed;
  return request.outcomeNotified !== true;
}

function storedRequest(value: unknown): StoredRequest {
  return typeof value === 'object' && value !== null ? value : {};
}

export function openRequests(records: readonly { readonly id: string; readonly value: unknown }[], now: Date): OpenRequest[] {
  const ms = now.getTime();
  return records
    .map(({ id, value }) => ({ id, request: storedRequest(value) }))
    .filter(({ request }) => request.status !== undefined && (!TERMINAL_STATUSES.includes(request.status) || isOwed(request)))
    .map(({ id, request }) => {
      const created = Date.parse(request.createdAt ?? request.updatedAt ?? now.toISOString());
      const updated = Date.parse(request.updatedAt ?? now.toISOString());
      const leaseEnd = request.leaseUntil ? Date.parse(request.leaseUntil) : updated;
      const closing = request.status === 'confirmed' || request.status === 'closing';
      return {
        requestId: request.requestId ?? id,
        status: String(request.status),
        ageSeconds: Math.max(0, Math.round((ms - created) / 1000)),
        idleSeconds: Math.max(0, Math.round((ms - updated) / 1000)),
        stuck: closing && ms - leaseEnd > STUCK_AFTER_MS,
        owed: isOwed(request),
      };
    })
    .sort((a, b) => b.ageSeconds - a.ageSeconds);
}

/** One request's events, oldest first: type, time and detail; never the object id, tenant id or UPN hash. */
export function story(events: readonly AuditEvent[], requestId: string): { type: string; at: string; detail?: string }[] {
  return events
    .filter((e) => e.requestId === requestId)
    .sort((a, b) => a.at.localeCompare(b.at))
    .map((e) => ({ type: e.type, at: e.at, ...(e.detail ? { detail: e.detail } : {}) }));
}

/** `7d`, `24h`, `30m` or an ISO date -> the start of the period. */
export function parseSince(text: string, now: Date): Date {
  const relative = /^(\d+)([dhm])$/.exec(text);
  if (relative) {
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[relative[2] as 'd' | 'h' | 'm'];
    return new Date(now.getTime() - Number(relative[1]) * unit);
  }
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new Error(`--since takes 7d, 24h, 30m or a date, got "${text}"`);
  return date;
}
