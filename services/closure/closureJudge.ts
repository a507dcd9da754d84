import { accountKey, cardNonceMatches, hashNonce, newNonce, newRequestId, type ClosureRequest } from '../closureRequest';
import { statusRejection, type ConfirmResult, type DeclineResult, type RejectionReason } from '../closureOutcome';
import { isAppError } from '../errors';
import { sameAccount, type VerifiedIdentity } from '../identity';
import type { StoredRecord } from '../recordStore';
import type { ClosingEngine } from './closingEngine';
import type { FlowRegistration } from './closureAccounts';
import type { ClosureRecords } from './closureRecords';

/** A press of the warning card as the channel delivered it: who, in which conversation, with which card's nonce. */
export interface Press {
  readonly channelUserId: string;
  /** The conversation the press arrived in: a card is valid only in the conversation it was shown in. */
  readonly conversationId: string;
  readonly nonce: string;
}

/** Who pressed the button, as proven at press time: the channel's user id, the conversation and a fresh sign-in. */
export interface Presser {
  readonly channelUserId: string;
  readonly conversationId: string;
  readonly identity: VerifiedIdentity;
}

/** Whether a warning was opened, or why not: the account is closed, or another request is closing it right now. */
export type OpenResult =
  | { readonly kind: 'opened'; readonly request: ClosureRequest; readonly nonce: string }
  | { readonly kind: 'accountClosed' }
  | { readonly kind: 'accountClosing' };

/** What a typed "cancel" did to the requester's pending request. */
export type CancelResult = 'cancelled' | 'closedElsewhere' | 'notPending';

/** Statuses of a lock holder that is closing the account now or has closed it: no new warning opens then. */
const CLOSING_STATUSES: readonly ClosureRequest['status'][] = ['confirmed', 'closing', 'outcomeUnknown', 'closed'];

/**
 * Judging presses: opens a request (the warning), and decides whether a Yes, a No, a typed cancel or a late press
 * counts. A Yes that counts is recorded (`pending -> confirmed`, one press wins) and handed to the closing engine.
 */
export class ClosureJudge {
  constructor(
    private readonly records: ClosureRecords,
    private readonly engine: ClosingEngine,
  ) {}

  async open(input: {
    identity: VerifiedIdentity;
    channelId: string;
    channelUserId: string;
    conversationId: string;
    conversation: Record<string, unknown>;
  }): Promise<OpenResult> {
    // No warning for an account that is closed or being closed (a chat still at the export offer, issue 19).
    const refusal = await this.accountRefusal(input.identity);
    if (refusal) return { kind: refusal };
    const now = this.records.options.clock();
    const nonce = newNonce();
    const request: ClosureRequest = {
      requestId: newRequestId(),
      channelId: input.channelId,
      channelUserId: input.channelUserId,
      objectId: input.identity.objectId,
      tenantId: input.identity.tenantId,
      upnHash: this.records.options.hashUpn(input.identity.upn),
      upn: input.identity.upn,
      displayName: input.identity.displayName,
      organizationName: input.identity.organizationName,
      conversation: input.conversation,
      conversationId: input.conversationId,
      nonceHash: hashNonce(nonce),
      status: 'pending',
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.records.options.confirmationTtlMs).toISOString(),
      updatedAt: now.toISOString(),
      attempts: 0,
    };
    await this.records.options.requests.create(request.requestId, request);
    // Listed under its account after it exists: a closure that reads the list after this write ends it, and one
    // that wrote "closed" before it is seen here (compare-and-swap on the account's record).
    if ((await this.records.accounts.register(request, request.requestId)) === 'closed') {
      const stored = await this.records.options.requests.get(request.requestId);
      if (stored)
        await this.records.transition(stored, 'closedElsewhere', {}).catch((error: unknown) => this.records.ignoreConflict(error));
      return { kind: 'accountClosed' };
    }
    await this.records.audit('warningShown', request);
    return { kind: 'opened', request, nonce };
  }

  /**
   * Whether the account is closed (its record), or being closed by a live request holding its lock. A lock is
   * taken only by a request listed on the account's record, so an account that lists none has no lock to read
   * (issue 22), once locks from before the listing are known to be listed too (`everyLockListed`).
   */
  private async accountRefusal(account: { objectId: string; tenantId: string }): Promise<'accountClosed' | 'accountClosing' | undefined> {
    // Known before the record is read: the first asker's walk may list a lock on this very record.
    const everyLockListed = (await this.records.options.everyLockListed?.()) === true;
    const record = await this.records.accounts.get(account);
    if (record?.state === 'closed') return 'accountClosed';
    if (everyLockListed && !record?.requests.length) return undefined;
    const lock = await this.records.options.locks.get(accountKey(account));
    if (!lock) return undefined;
    const holder = (await this.records.options.requests.get(lock.value.requestId))?.value;
    if (holder?.status === 'closed') return 'accountClosed';
    return holder && CLOSING_STATUSES.includes(holder.status) ? 'accountClosing' : undefined;
  }

  /**
   * A pending request whose account was closed meanwhile (another chat's request, a verified hand-off) ends as
   * `closedElsewhere` when a press finds it so, whatever the closing instance managed to do. Returns whether it is.
   */
  private async endIfAccountClosed(stored: StoredRecord<ClosureRequest>): Promise<boolean> {
    if (stored.value.status !== 'pending' || !(await this.records.accounts.isClosed(stored.value))) return false;
    const ended = await this.records
      .transition(stored, 'closedElsewhere', {})
      .catch((error: unknown) => this.records.ignoreConflict(error));
    if (ended) await this.records.audit('closedElsewhere', ended.value);
    return true;
  }

  /**
   * Judges a press before its fresh sign-in, with the same checks `confirm` makes except the identity: a reason to
   * refuse, or `actionable` when only a confirmation with a fresh identity can tell. One place for every channel.
   */
  async peek(requestId: string, press: Press): Promise<RejectionReason | 'actionable'> {
    const stored = await this.records.options.requests.get(requestId);
    if (!stored) return 'unknownRequest';
    const rejection = this.judge(stored.value, press);
    if ((rejection === undefined || rejection === 'expired') && (await this.endIfAccountClosed(stored))) return 'closedElsewhere';
    return rejection ?? 'actionable';
  }

  /** Ends a pending request whose warning has expired (a press found it so before any sign-in). Returns whether it did. */
  async expireIfOverdue(requestId: string): Promise<boolean> {
    const stored = await this.records.options.requests.get(requestId);
    if (!stored || stored.value.status !== 'pending' || Date.parse(stored.value.expiresAt) > this.records.options.clock().getTime())
      return false;
    if (await this.endIfAccountClosed(stored)) return true;
    const ended = await this.records.transition(stored, 'expired', {}).catch((error: unknown) => this.records.ignoreConflict(error));
    if (ended) await this.records.audit('expired', ended.value);
    return ended !== undefined;
  }

  async confirm(requestId: string, nonce: string, presser: Presser): Promise<ConfirmResult> {
    let stored: StoredRecord<ClosureRequest> | undefined;
    try {
      stored = await this.records.options.requests.get(requestId);
    } catch (error) {
      // Nothing was written: this press is certainly not recorded, and nothing is owed for it.
      this.records.options.logger.error('a Yes could not be recorded: the request could not be read', { requestId, error });
      return { kind: 'notRecorded', requestId, certain: true };
    }
    let rejection = stored ? this.check(stored.value, nonce, presser) : 'unknownRequest';
    if (stored && (rejection === undefined || rejection === 'expired') && (await this.endIfAccountClosed(stored)))
      rejection = 'closedElsewhere';
    if (rejection) {
      await this.records.options.audit.append({
        type: 'confirmationRejected',
        at: this.records.nowIso(),
        requestId,
        objectId: presser.identity.objectId,
        tenantId: presser.identity.tenantId,
        detail: rejection,
      });
      if (rejection === 'expired' && stored) {
        // The press found its warning expired: the request ends here, with its outcome on record.
        const ended = await this.records.transition(stored, 'expired', {}).catch((error: unknown) => this.records.ignoreConflict(error));
        if (ended) await this.records.audit('expired', ended.value);
      }
      return { kind: 'rejected', reason: rejection };
    }
    const live = stored as StoredRecord<ClosureRequest>;
    let confirmed: StoredRecord<ClosureRequest>;
    try {
      confirmed = await this.records.answerPending(live, 'confirmed', {}, (request) => this.check(request, nonce, presser) === undefined);
    } catch (error) {
      if (isAppError(error, 'RECORD_CONFLICT')) return { kind: 'rejected', reason: 'inProgress' };
      return this.unrecordedYes(requestId, error);
    }
    await this.records.audit('confirmed', confirmed.value);
    // The Yes is on the audit before the lock and the realm re-check are asked for: a crash there leaves it recorded in
    // its place, not recovered after the outcome (a turn's events are otherwise held to its end, issue 22).
    await this.records.options.audit.flush?.();
    return this.engine.finish(confirmed);
  }

  /**
   * The write of `confirmed` failed without a conflict (storage down): a lost answer may still have applied it, so
   * the record is read again. Still pending: certainly not recorded. Moved on: the record owes the outcome.
   */
  private async unrecordedYes(requestId: string, error: unknown): Promise<ConfirmResult> {
    this.records.options.logger.error('a Yes could not be recorded', { requestId, error });
    const again = await this.records.options.requests.get(requestId).catch(() => undefined);
    if (again?.value.status === 'pending') return { kind: 'notRecorded', requestId, certain: true };
    if (again) return { kind: 'rejected', reason: 'inProgress' };
    return { kind: 'notRecorded', requestId, certain: false };
  }

  async decline(requestId: string, press: Press, type: 'declined' | 'cancelled' = 'declined'): Promise<DeclineResult> {
    const stored = await this.records.options.requests.get(requestId);
    if (!stored) return { kind: 'rejected', reason: 'unknownRequest' };
    const rejection = this.judge(stored.value, press, { allowExpired: true });
    if (rejection) return { kind: 'rejected', reason: rejection };
    // "Kept" is said only when the account's record proves it is not closed.
    if (await this.endIfAccountClosed(stored)) return { kind: 'rejected', reason: 'closedElsewhere' };
    try {
      const ended = await this.records.answerPending(
        stored,
        'cancelled',
        type === 'declined' ? { declined: true } : {},
        (request) => this.judge(request, press, { allowExpired: true }) === undefined,
      );
      await this.records.audit(type, ended.value);
      return { kind: 'declined' };
    } catch (error) {
      if (isAppError(error, 'RECORD_CONFLICT')) return { kind: 'rejected', reason: 'inProgress' };
      throw error;
    }
  }

  /** "cancel" typed in the chat: ends the requester's pending request without needing the card's nonce. */
  async cancelPending(requestId: string, channelUserId: string): Promise<CancelResult> {
    const stored = await this.records.options.requests.get(requestId);
    if (stored?.value.status === 'closedElsewhere') return 'closedElsewhere';
    if (!stored || stored.value.status !== 'pending' || stored.value.channelUserId !== channelUserId) return 'notPending';
    if (await this.endIfAccountClosed(stored)) return 'closedElsewhere';
    const ended = await this.records
      .answerPending(stored, 'cancelled', {}, (request) => request.channelUserId === channelUserId)
      .catch((error: unknown) => this.records.ignoreConflict(error));
    if (ended) await this.records.audit('cancelled', ended.value);
    return ended ? 'cancelled' : 'notPending';
  }

  /**
   * A conversation reached the export offer for this account: listed under it, so a closure from another chat
   * forgets its state too. Returns 'closed' when the account is closed already, and whether the account may have an
   * export job (`exportJobExists` looks when its record does not say).
   */
  async registerFlow(
    account: { objectId: string; tenantId: string },
    conversation: Record<string, unknown>,
    conversationId: string,
    exportJobExists?: (accountRecorded: boolean) => Promise<boolean>,
  ): Promise<FlowRegistration> {
    return this.records.accounts.registerFlow(account, conversation, conversationId, exportJobExists);
  }

  /** Whether the account's record says it is closed (for sentences that would otherwise say "nothing was closed"). */
  async isAccountClosed(account: { objectId: string; tenantId: string }): Promise<boolean> {
    return this.records.accounts.isClosed(account);
  }

  private check(request: ClosureRequest, nonce: string, presser: Presser): RejectionReason | undefined {
    const rejection = this.judge(request, { ...presser, nonce });
    if (rejection) return rejection;
    return sameAccount(request, presser.identity) ? undefined : 'differentAccount';
  }

  /** Every check of a press but the identity's: status, requester, conversation (no replay elsewhere), nonce, expiry. */
  private judge(request: ClosureRequest, press: Press, options: { allowExpired?: boolean } = {}): RejectionReason | undefined {
    if (request.status !== 'pending') return statusRejection(request.status);
    if (request.channelUserId !== press.channelUserId) return 'notRequester';
    if (request.conversationId !== undefined && request.conversationId !== press.conversationId) return 'otherConversation';
    if (!cardNonceMatches(request, press.nonce)) return 'badNonce';
    if (!options.allowExpired && this.records.options.clock().getTime() >= Date.parse(request.expiresAt)) return 'expired';
    return undefined;
  }
}
