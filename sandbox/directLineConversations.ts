import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { SandboxError } from './errors';
import type { Logger } from './logger';

/** Direct Line tokens live an hour (`expires_in: 3600`), like the real service's. */
export const DIRECT_LINE_TOKEN_LIFETIME_SECONDS = 3600;
const STORE_FILE = 'directline.json';
const STORE_VERSION = 1;

export type Activity = Record<string, unknown> & { id?: string; type?: unknown };

export interface DirectLineTokenGrant {
  readonly conversationId: string;
  /** The only `from.id` the holder may post as. */
  readonly userId: string;
  /** Origins the token may be used from; empty = any (the real service's default without enhanced auth). */
  readonly trustedOrigins: readonly string[];
  readonly expiresAt: number;
}

/** A token that was once valid: TokenExpired (403) rather than an unknown token. */
export type TokenLookup =
  { readonly kind: 'live'; readonly grant: DirectLineTokenGrant } | { readonly kind: 'expired' } | { readonly kind: 'unknown' };

/** An activity set pushed to stream listeners: what the WebSocket sends, as the polling GET would answer. */
export interface ActivitySet {
  readonly activities: Activity[];
  readonly watermark: string;
}

interface Conversation {
  readonly id: string;
  /** Who started it: the token's user, or the secret holder's `user.id` (a fresh `dl_` id when none). */
  userId: string;
  /** The start body's `locale`, given to every activity the bot gets that has none. */
  locale?: string;
  started: boolean;
  nextSequence: number;
  /** Epoch ms of the last activity or start; idle conversations are forgotten after `IDLE_CONVERSATION_MS`. */
  lastActiveAt: number;
  /** Watermark n = n activities delivered; `log[0]` is position `logStart` (bodies before it were not kept). */
  logStart: number;
  /** In memory only: activity bodies hold personal data (names, the closed account's UPN), never written to disk. */
  log: Activity[];
}

interface StoredState {
  version: number;
  /** The Direct Line secret: kept so bots holding it (a shared sandbox) still work after a restart. */
  secret: string;
  signingKey: string;
  /** Where web chat traffic goes (attachBot): a shared sandbox's bots need not register again after a restart. */
  botEndpoint?: string;
  conversations: Array<Omit<Conversation, 'log'>>;
  /** Keyed by SHA-256 of the token; expired grants are kept a day to answer TokenExpired. */
  tokens: Record<string, DirectLineTokenGrant>;
}

/** How long an expired token is still recognised as "expired" rather than unknown. */
const EXPIRED_TOKEN_MEMORY_MS = 24 * 60 * 60 * 1000;
/** The reference says nothing of how long Azure keeps a conversation; the sandbox's file must not grow for ever. */
const IDLE_CONVERSATION_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * The sandbox's Direct Line state: conversations, their activity logs, and tokens bound to one conversation and
 * one user. Conversations, tokens and watermarks persist in `{dataDir}/directline.json` (temp file + rename), so a
 * restart keeps every web chat going; activity bodies stay in memory (see sandbox/README.md).
 */
export class DirectLineConversations {
  private readonly listeners = new Map<string, Set<(set: ActivitySet) => void>>();
  private writes: Promise<void> = Promise.resolve();

  private constructor(
    private readonly state: StoredState,
    private readonly conversations: Map<string, Conversation>,
    private readonly file: string | undefined,
    private readonly clock: () => Date,
    private readonly logger: Logger,
  ) {}

  /** Loads `{dataDir}/directline.json`, or starts empty; without a dataDir nothing is written. */
  static async open(options: {
    readonly dataDir?: string;
    readonly clock: () => Date;
    readonly logger: Logger;
  }): Promise<DirectLineConversations> {
    const file = options.dataDir ? path.join(options.dataDir, STORE_FILE) : undefined;
    const stored = file ? await readStore(file) : undefined;
    const state: StoredState = stored ?? {
      version: STORE_VERSION,
      secret: randomBytes(32).toString('base64url'),
      signingKey: randomBytes(32).toString('base64'),
      conversations: [],
      tokens: {},
    };
    const conversations = new Map(
      state.conversations.map((c) => [
        c.id,
        { ...c, lastActiveAt: c.lastActiveAt ?? options.clock().getTime(), logStart: c.nextSequence - 1, log: [] as Activity[] },
      ]),
    );
    const store = new DirectLineConversations(state, conversations, file, options.clock, options.logger);
    if (!stored) await store.save();
    return store;
  }

  get secret(): string {
    return this.state.secret;
  }

  get botEndpoint(): string | undefined {
    return this.state.botEndpoint;
  }

  async setBotEndpoint(endpointUrl: string): Promise<void> {
    this.state.botEndpoint = endpointUrl;
    await this.save();
  }

  /** A key only this sandbox knows, for deriving browser-session ids. */
  get signingKey(): Buffer {
    return Buffer.from(this.state.signingKey, 'base64');
  }

  async create(userId: string): Promise<string> {
    const id = randomBytes(16).toString('hex');
    this.conversations.set(id, { id, userId, started: false, nextSequence: 1, lastActiveAt: this.clock().getTime(), logStart: 0, log: [] });
    await this.save();
    return id;
  }

  has(conversationId: string): boolean {
    return this.conversations.has(conversationId);
  }

  userOf(conversationId: string): string {
    return this.get(conversationId).userId;
  }

  localeOf(conversationId: string): string | undefined {
    return this.get(conversationId).locale;
  }

  /** Marks the conversation started (keeping the start body's locale); true the first time. */
  async start(conversationId: string, locale: string | undefined): Promise<boolean> {
    const conversation = this.get(conversationId);
    if (conversation.started) return false;
    conversation.started = true;
    conversation.lastActiveAt = this.clock().getTime();
    if (locale) conversation.locale = locale;
    await this.save();
    return true;
  }

  async issueToken(grant: Omit<DirectLineTokenGrant, 'expiresAt'>): Promise<{ token: string; expiresIn: number }> {
    const expiresAt = this.clock().getTime() + DIRECT_LINE_TOKEN_LIFETIME_SECONDS * 1000;
    const token = this.signJwt({
      conv: grant.conversationId,
      user: grant.userId,
      jti: randomBytes(16).toString('hex'),
      exp: Math.floor(expiresAt / 1000),
    });
    this.state.tokens[hashToken(token)] = { ...grant, expiresAt };
    await this.save();
    return { token, expiresIn: DIRECT_LINE_TOKEN_LIFETIME_SECONDS };
  }

  lookupToken(token: string): TokenLookup {
    const grant = this.state.tokens[hashToken(token)];
    if (!grant) return { kind: 'unknown' };
    return grant.expiresAt > this.clock().getTime() ? { kind: 'live', grant } : { kind: 'expired' };
  }

  /** Adds an activity with a fresh id and the service's timestamp, tells stream listeners; returns what was stored. */
  async append(conversationId: string, activity: Activity): Promise<Activity> {
    const conversation = this.get(conversationId);
    const stored: Activity = {
      ...activity,
      id: `${conversationId}|${String(conversation.nextSequence++).padStart(7, '0')}`,
      timestamp: this.clock().toISOString(),
      channelId: 'directline',
      conversation: { id: conversationId },
    };
    conversation.log.push(stored);
    conversation.lastActiveAt = this.clock().getTime();
    await this.save();
    this.push(conversationId, [stored]);
    return stored;
  }

  /** Pushes an activity to stream listeners only: `typing` is "WebSocket only" in the Direct Line reference. */
  pushOnly(conversationId: string, activity: Activity): Activity {
    this.get(conversationId);
    const pushed: Activity = {
      ...activity,
      id: `${conversationId}|typing-${randomUUID()}`,
      timestamp: this.clock().toISOString(),
      channelId: 'directline',
      conversation: { id: conversationId },
    };
    this.push(conversationId, [pushed]);
    return pushed;
  }

  /**
   * Activities after `watermark` and the next watermark. A watermark this conversation never gave out (a
   * client's stale or foreign value) answers from the oldest activity kept: the reference names no error for it,
   * and directlinejs stops polling for good on any 4xx but 403/404.
   */
  page(conversationId: string, watermark: string): ActivitySet {
    const conversation = this.get(conversationId);
    const end = conversation.logStart + conversation.log.length;
    const asked = watermark === '' ? 0 : Number(watermark);
    const from = Number.isInteger(asked) && asked >= 0 && asked <= end ? Math.max(asked, conversation.logStart) : conversation.logStart;
    return { activities: conversation.log.slice(from - conversation.logStart), watermark: String(end) };
  }

  /** The current watermark: what a stream opened now without a watermark starts after. */
  watermarkOf(conversationId: string): string {
    const conversation = this.get(conversationId);
    return String(conversation.logStart + conversation.log.length);
  }

  /** Calls `listener` with every activity set appended from now on; returns the unsubscribe function. */
  listen(conversationId: string, listener: (set: ActivitySet) => void): () => void {
    const set = this.listeners.get(conversationId) ?? new Set();
    set.add(listener);
    this.listeners.set(conversationId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(conversationId);
    };
  }

  /** Resolves once every write started so far has finished. */
  flush(): Promise<void> {
    return this.writes;
  }

  private push(conversationId: string, activities: Activity[]): void {
    const watermark = this.watermarkOf(conversationId);
    for (const listener of this.listeners.get(conversationId) ?? []) listener({ activities, watermark });
  }

  /**
   * Real Direct Line tokens are JWTs whose `user` claim Web Chat reads (it refuses a `dl_` userID passed beside the
   * token). The sandbox still looks tokens up in its table; the signature only makes a forged one fail that lookup.
   */
  private signJwt(claims: Record<string, unknown>): string {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ iss: 'sandbox-directline', ...claims })}`;
    return `${unsigned}.${createHmac('sha256', this.signingKey).update(unsigned).digest('base64url')}`;
  }

  private get(conversationId: string): Conversation {
    const conversation = this.conversations.get(conversationId);
    if (!conversation) throw new Error(`no Direct Line conversation "${conversationId}"`);
    return conversation;
  }

  private save(): Promise<void> {
    if (!this.file) return Promise.resolve();
    const file = this.file;
    const write = this.writes.then(() => this.writeNow(file));
    this.writes = write.catch((error: unknown) => this.logger.error('Direct Line state write failed', { error }));
    return write;
  }

  private async writeNow(file: string): Promise<void> {
    const now = this.clock().getTime();
    for (const [key, grant] of Object.entries(this.state.tokens))
      if (grant.expiresAt <= now - EXPIRED_TOKEN_MEMORY_MS) delete this.state.tokens[key];
    for (const [id, conversation] of this.conversations)
      if (conversation.lastActiveAt <= now - IDLE_CONVERSATION_MS && !this.listeners.has(id)) this.conversations.delete(id);
    this.state.conversations = [...this.conversations.values()].map(({ log: _log, ...kept }) => kept);
    const temp = `${file}.${randomUUID()}.tmp`;
    try {
      await writeFile(temp, JSON.stringify(this.state), { mode: 0o600 });
      await rename(temp, file);
    } catch (error) {
      throw new SandboxError('STORAGE_UNAVAILABLE', `sandbox Direct Line state cannot be written to "${file}"`, { cause: error });
    }
  }
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

async function readStore(file: string): Promise<StoredState | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SandboxError('STORAGE_UNAVAILABLE', `sandbox Direct Line state "${file}" cannot be read`, { cause: error });
  }
  let state: StoredState;
  try {
    state = JSON.parse(text) as StoredState;
  } catch (error) {
    throw new SandboxError('CONFIG_INVALID', `sandbox Direct Line state "${file}" is not valid JSON; delete it to start again`, {
      cause: error,
    });
  }
  if (state.version !== STORE_VERSION)
    throw new SandboxError(
      'CONFIG_INVALID',
      `sandbox Direct Line state "${file}" has version "${state.version}", expected "${STORE_VERSION}"; delete it to start again`,
    );
  return state;
}
