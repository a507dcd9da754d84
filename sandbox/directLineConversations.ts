import { createHmac, randomBytes } from 'node:crypto';

/** Direct Line tokens live an hour (`expires_in: 3600`), like the real service's. */
export const DIRECT_LINE_TOKEN_LIFETIME_SECONDS = 3600;

export type Activity = Record<string, unknown> & { id?: string; type?: unknown };

export interface DirectLineTokenGrant {
  readonly conversationId: string;
  /** The only `from.id` the holder may post as. */
  readonly userId: string;
  /** Origins the token may be used from; empty = any (the real service's default without enhanced auth). */
  readonly trustedOrigins: readonly string[];
  readonly expiresAt: number;
}

interface Conversation {
  readonly id: string;
  started: boolean;
  /** The delivery log: position n is watermark n. Updated activities are delivered again under the same id. */
  readonly log: Activity[];
  nextSequence: number;
  /** For Web Chat's enhanced-authentication handshake (`GET /session/getsessionid`). */
  readonly sessionId: string;
}

/**
 * The in-memory state of the sandbox's Direct Line: conversations, their activity logs, and tokens bound to one
 * conversation and one user. Not persisted: a restart ends every web chat conversation (see sandbox/README.md).
 */
export class DirectLineConversations {
  private readonly conversations = new Map<string, Conversation>();
  private readonly tokens = new Map<string, DirectLineTokenGrant>();
  private readonly signingKey = randomBytes(32);

  constructor(private readonly clock: () => Date) {}

  create(): string {
    const id = randomBytes(16).toString('hex');
    this.conversations.set(id, { id, started: false, log: [], nextSequence: 1, sessionId: randomBytes(16).toString('base64url') });
    return id;
  }

  has(conversationId: string): boolean {
    return this.conversations.has(conversationId);
  }

  /** Marks the conversation started; true the first time (when the bot must hear `conversationUpdate`). */
  start(conversationId: string): boolean {
    const conversation = this.get(conversationId);
    if (conversation.started) return false;
    conversation.started = true;
    return true;
  }

  sessionId(conversationId: string): string {
    return this.get(conversationId).sessionId;
  }

  issueToken(grant: Omit<DirectLineTokenGrant, 'expiresAt'>): { token: string; expiresIn: number } {
    const expiresAt = this.clock().getTime() + DIRECT_LINE_TOKEN_LIFETIME_SECONDS * 1000;
    const token = this.signJwt({ conv: grant.conversationId, user: grant.userId, jti: randomBytes(16).toString('hex'), exp: Math.floor(expiresAt / 1000) });
    this.tokens.set(token, { ...grant, expiresAt });
    this.forgetExpiredTokens();
    return { token, expiresIn: DIRECT_LINE_TOKEN_LIFETIME_SECONDS };
  }

  /** The grant of a live token, or undefined for an unknown or expired one. */
  resolveToken(token: string): DirectLineTokenGrant | undefined {
    const grant = this.tokens.get(token);
    return grant && grant.expiresAt > this.clock().getTime() ? grant : undefined;
  }

  /** Adds an activity with a fresh id and the service's timestamp; returns what was stored. */
  append(conversationId: string, activity: Activity): Activity {
    const conversation = this.get(conversationId);
    const stored: Activity = {
      ...activity,
      id: `${conversationId}|${String(conversation.nextSequence++).padStart(7, '0')}`,
      timestamp: this.clock().toISOString(),
      channelId: 'directline',
      conversation: { id: conversationId },
    };
    conversation.log.push(stored);
    return stored;
  }

  /** Replaces an activity (the bot's update); undefined when there is no activity with that id. */
  replace(conversationId: string, activityId: string, activity: Activity): Activity | undefined {
    const conversation = this.get(conversationId);
    if (!conversation.log.some((a) => a.id === activityId)) return undefined;
    const stored: Activity = { ...activity, id: activityId, timestamp: this.clock().toISOString(), channelId: 'directline', conversation: { id: conversationId } };
    conversation.log.push(stored);
    return stored;
  }

  /** Activities after `watermark` (a string of the count already delivered) and the next watermark; undefined when it is not one. */
  page(conversationId: string, watermark: string): { activities: Activity[]; watermark: string } | undefined {
    const conversation = this.get(conversationId);
    const from = watermark === '' ? 0 : Number(watermark);
    if (!Number.isInteger(from) || from < 0 || from > conversation.log.length) return undefined;
    return { activities: conversation.log.slice(from), watermark: String(conversation.log.length) };
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

  private forgetExpiredTokens(): void {
    const now = this.clock().getTime();
    for (const [token, grant] of this.tokens) if (grant.expiresAt <= now) this.tokens.delete(token);
  }
}
