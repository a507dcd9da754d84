import { accountKey } from '../closureRequest';
import { AppError, isAppError } from '../errors';
import type { ExportJobListing } from '../exportService';
import type { RecordStore } from '../recordStore';

/**
 * The account is the unit of truth (issue 19): one record per account (key: verified tenant id and object id),
 * shared by every instance through the record store, that says whether the account is closed and which requests
 * were opened for it. Every sentence that says "nothing was closed" or "kept" is checked against it, and closing
 * the account ends every other request of it ("closed from another chat").
 */
export interface ClosureAccount {
  readonly state: 'open' | 'closed';
  /** When the account was closed (by a request of this bot, or a hand-off verified closed). */
  readonly closedAt?: string;
  /** The request that closed it (or whose hand-off was verified closed). */
  readonly closedBy?: string;
  /** Ids of the requests opened for the account, newest last (bounded: old ones have long expired). */
  readonly requests: readonly string[];
  /**
   * Conversations where someone signed in as the account and reached the export offer (no request yet): their
   * conversation state holds the name and organization, so a closure forgets it there too. Conversation
   * references (personal data): bounded, and cleared when the account is closed.
   */
  readonly flows?: ReadonlyArray<Record<string, unknown>>;
  /**
   * Whether the account may have an export job (issue 22): `true` is written before a job is created (a crash
   * between leaves a listed job that does not exist: harmless, the look-up finds nothing), `false` only by a write
   * whose turn looked and found none after reading this record (a job listed meanwhile makes that write conflict).
   * Absent, as on every record written before this field: not known, so the job is looked up. Never set back.
   */
  readonly exportJob?: boolean;
  readonly updatedAt: string;
}

/** What the export offer's listing found: the account is closed, or listed with (or without) a possible export job. */
export type FlowRegistration = 'closed' | 'registered' | 'registeredWithoutExportJob';

type Account = { readonly objectId: string; readonly tenantId: string };

/** The warnings a card stays valid are minutes long: far fewer than this are ever pending at once. */
const MAX_LISTED_REQUESTS = 50;
/** Chats of one account at the export offer at once: a handful at most (tabs, Teams and web chat). */
const MAX_LISTED_FLOWS = 10;
/** Compare-and-swap attempts before a write to one account's record gives up (each loser re-reads). */
const MAX_ATTEMPTS = 8;

export class ClosureAccounts implements ExportJobListing {
  constructor(
    private readonly store: RecordStore<ClosureAccount>,
    private readonly clock: () => Date,
  ) {}

  async get(account: Account): Promise<ClosureAccount | undefined> {
    return (await this.store.get(accountKey(account)))?.value;
  }

  async isClosed(account: Account): Promise<boolean> {
    return (await this.get(account))?.state === 'closed';
  }

  /**
   * Lists a request under its account, unless the account is closed. The request is created before this, so a
   * closure that lists the account's requests after this write finds it, and one before it is seen here.
   */
  async register(account: Account, requestId: string): Promise<'registered' | 'closed'> {
    return this.updateKey(accountKey(account), (current) => {
      if (current?.state === 'closed') return 'closed';
      const requests = [...(current?.requests ?? []).filter((id) => id !== requestId).slice(-(MAX_LISTED_REQUESTS - 1)), requestId];
      return { ...current, state: 'open', requests, updatedAt: this.now() };
    });
  }

  /**
   * Lists a conversation at the export offer under its account (replacing an older entry for that conversation).
   * When the record does not say whether the account may have an export job (new, or written before issue 22),
   * `exportJobExists` answers (told whether there is a record), after the read this write depends on, and the
   * answer is kept on the record, so the next offer and the closure ask the jobs' store nothing when there is none.
   */
  async registerFlow(
    account: Account,
    conversation: Record<string, unknown>,
    conversationId: string,
    exportJobExists?: (accountRecorded: boolean) => Promise<boolean>,
  ): Promise<FlowRegistration> {
    let exportJob: boolean | undefined;
    const result = await this.update(account, async (current) => {
      if (current?.state === 'closed') return 'closed';
      exportJob = current?.exportJob ?? (exportJobExists ? await exportJobExists(current !== undefined) : undefined);
      const others = (current?.flows ?? []).filter((flow) => conversationIdOf(flow) !== conversationId);
      const flows = [...others.slice(-(MAX_LISTED_FLOWS - 1)), conversation];
      return {
        ...current,
        state: 'open',
        requests: current?.requests ?? [],
        flows,
        ...(exportJob === undefined ? {} : { exportJob }),
        updatedAt: this.now(),
      };
    });
    if (result === 'closed') return 'closed';
    return exportJob === false ? 'registeredWithoutExportJob' : 'registered';
  }

  /** Lists an export job under its account before the job is created (one read when it is listed already). */
  async listExportJob(account: Account): Promise<void> {
    await this.update(account, (current) =>
      current?.exportJob === true
        ? 'closed'
        : { ...current, state: current?.state ?? 'open', requests: current?.requests ?? [], exportJob: true, updatedAt: this.now() },
    );
  }

  /** False only when the account's record says it never had an export job; a record without the field says nothing. */
  async mayHaveExportJob(account: Account): Promise<boolean> {
    return (await this.get(account))?.exportJob !== false;
  }

  /**
   * Records the account closed (idempotent); returns the other requests listed under it, to end them. `requester`,
   * the closing request's own chat, leaves the export-offer list in the same write: the settle forgets that chat's
   * state anyway, so taking it later would cost a write and a read of that state for nothing (issue 22).
   */
  async markClosed(account: Account, closedBy: string, requester?: { conversationId?: string; channelUserId: string }): Promise<string[]> {
    let others: string[] = [];
    await this.update(account, (current) => {
      others = (current?.requests ?? []).filter((id) => id !== closedBy);
      if (current?.state === 'closed') return 'closed';
      const flows = (current?.flows ?? []).filter((flow) => !requester || !isChatOf(flow, requester));
      return {
        ...current,
        requests: current?.requests ?? [],
        ...(current?.flows ? { flows } : {}),
        state: 'closed',
        closedAt: this.now(),
        closedBy,
        updatedAt: this.now(),
      };
    });
    return others;
  }

  /**
   * Takes the conversations listed at the export offer of a closed account off its record (their references are
   * personal data) and returns them, to forget their state. Whoever takes them forgets them.
   */
  async takeFlows(account: Account): Promise<Array<Record<string, unknown>>> {
    let flows: Array<Record<string, unknown>> = [];
    await this.update(account, (current) => {
      flows = [...(current?.flows ?? [])];
      if (!current || flows.length === 0) return 'closed';
      const { flows: _flows, ...rest } = current;
      return { ...rest, updatedAt: this.now() };
    });
    return flows;
  }

  /**
   * Lists the request holding an account's closure lock (the lock's id is the account's key), for a lock taken
   * before account records listed their requests (issue 19): the warning then reads the lock, as before.
   */
  async listLockHolder(key: string, requestId: string): Promise<void> {
    await this.updateKey(key, (current) =>
      current?.requests.includes(requestId)
        ? 'closed'
        : { ...current, state: current?.state ?? 'open', requests: [...(current?.requests ?? []), requestId], updatedAt: this.now() },
    );
  }

  /** One compare-and-swap write of the account's record; `change` returns 'closed' to write nothing. */
  private update(
    account: Account,
    change: (current: ClosureAccount | undefined) => ClosureAccount | 'closed' | Promise<ClosureAccount | 'closed'>,
  ): Promise<'registered' | 'closed'> {
    return this.updateKey(accountKey(account), change);
  }

  private async updateKey(
    key: string,
    change: (current: ClosureAccount | undefined) => ClosureAccount | 'closed' | Promise<ClosureAccount | 'closed'>,
  ): Promise<'registered' | 'closed'> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const stored = await this.store.get(key);
      const next = await change(stored?.value);
      if (next === 'closed') return 'closed';
      try {
        if (stored) await this.store.replace(key, next, stored.etag);
        else await this.store.create(key, next);
        return 'registered';
      } catch (error) {
        if (!isAppError(error, 'RECORD_CONFLICT')) throw error;
      }
    }
    throw new AppError('RECORD_CONFLICT', `could not update the closure record of account "${key}"`);
  }

  private now(): string {
    return this.clock().toISOString();
  }
}

/** Whether a listed chat is the requester's own: same conversation, same user. */
function isChatOf(reference: Record<string, unknown>, requester: { conversationId?: string; channelUserId: string }): boolean {
  const user = reference.user as { id?: unknown } | undefined;
  return (
    requester.conversationId !== undefined &&
    conversationIdOf(reference) === requester.conversationId &&
    user?.id === requester.channelUserId
  );
}

function conversationIdOf(reference: Record<string, unknown>): unknown {
  const conversation = reference.conversation as { id?: unknown } | undefined;
  return conversation?.id;
}
