/**
 * The audit trail: append-only, one event per step of a closure. It outlives the account, so it holds ids
 * (request, object, tenant) and verdicts, never a UPN, a display name, a token or a password; where lookup by
 * address is needed it holds `upnHash`, a keyed hash (see `hashUpn`).
 */
export type AuditEventType =
  | 'signedIn'
  | 'realmChecked'
  | 'exportOffered'
  | 'exportRequested'
  /** The export was handed to Microsoft's "My data requests" page: the bot requested nothing. */
  | 'exportHandedOff'
  | 'exportSkipped'
  | 'exportReady'
  | 'exportFailed'
  | 'warningShown'
  | 'confirmationRejected'
  | 'confirmed'
  | 'declined'
  | 'cancelled'
  | 'expired'
  | 'closing'
  | 'closed'
  | 'handedOff'
  | 'closeFailed'
  /** A delete was sent and not confirmed within the attempts: the request keeps checking (never `failed`). */
  | 'outcomeUnknown'
  /** The request ended because its account was closed by another request or a verified hand-off. */
  | 'closedElsewhere'
  /** A message owed to the requester could not be delivered after the bounded attempts; it is given up. */
  | 'deliveryGivenUp'
  /** The account's closure lock was given up (the request was handed off): a later request may take it. */
  | 'lockReleased'
  | 'reconciled'
  /** After a hand-off: the account's own token was refused by the directory as unknown (positive evidence of closure). */
  | 'closureVerified'
  /** After a hand-off: the account still signs in. */
  | 'stillOpen'
  /** After a hand-off: checks ended without evidence either way. */
  | 'closureUnconfirmed';

export interface AuditEvent {
  readonly type: AuditEventType;
  /** ISO 8601 time the event happened. */
  readonly at: string;
  readonly requestId?: string;
  readonly objectId?: string;
  readonly tenantId?: string;
  readonly upnHash?: string;
  /** Short machine-readable detail: a realm verdict, an error code, a rejection reason. Never personal data. */
  readonly detail?: string;
}

export interface AuditTrail {
  append(event: AuditEvent): Promise<void>;
  /**
   * Several events in one write where the store allows (one `appendBlock` on Blob storage), all or none: a turn's
   * events together (issue 22). Order kept. A trail without it gets one `append` per event.
   */
  appendAll?(events: readonly AuditEvent[]): Promise<void>;
  /**
   * Writes now what a trail holds for the current turn (adapters/storage/batchedAuditTrail.ts): before an
   * irreversible step, and after an outcome whose audit must be known written. Nothing held: nothing to do.
   */
  flush?(): Promise<void>;
  /**
   * Every event, oldest first; with `since`, at least every event at or after it (a trail stored in time shards may
   * return a little more). For tests, support and the reconciler's window of one request; not for hot paths.
   */
  readAll(options?: { readonly since?: Date }): Promise<AuditEvent[]>;
}
