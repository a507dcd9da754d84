import { randomBytes, randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { newStoredState, readStore, STORE_FILE, writeStore, type StoredConversation, type StoredState } from './directLineStore';
import {
  DIRECT_LINE_TOKEN_LIFETIME_SECONDS,
  forgetOldTokens,
  hashToken,
  signDirectLineJwt,
  type DirectLineTokenGrant,
  type TokenLookup,
} from './directLineTokens';
import type { Logger } from './logger';

export type Activity = Record<string, unknown> & { id?: string; type?: unknown };

/** An activity set pushed to stream listeners: what the WebSocket sends, as the polling GET would answer. */
export interface ActivitySet {
  readonly activities: Activity[];
  readonly watermark: string;
}

interface Conversation extends StoredConversation {
  /** In memory only: activity bodies hold personal data (names, the closed account's UPN), never written to disk. */
  log: Activity[];
}

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
    const state: StoredState = stored ?? newStoredState();
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
    const token = signDirectLineJwt(this.signingKey, {
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
    forgetOldTokens(this.state.tokens, now);
    for (const [id, conversation] of this.conversations)
      if (conversation.lastActiveAt <= now - IDLE_CONVERSATION_MS && !this.listeners.has(id)) this.conversations.delete(id);
    this.state.conversations = [...this.conversations.values()].map(({ log: _log, ...kept }) => kept);
    await writeStore(file, this.state);
  }
}
