import { randomUUID } from 'node:crypto';
import type { ReplyActivity } from './botHarness';

/** Who speaks, where, and where the bot's proactive messages go: one user in one conversation. */
export interface EmulatorAddress {
  readonly serviceUrl: string;
  readonly userId: string;
  readonly conversationId: string;
  readonly channelId?: string;
  readonly conversationType?: string;
}

/**
 * Posts one activity to `botUrl`'s `/api/messages` the way the Emulator does, asking for the replies in the
 * response (`deliveryMode: "expectReplies"`, DESIGN.md pitfalls). `activity` may override any field.
 */
export async function postAsEmulator(
  botUrl: string,
  address: EmulatorAddress,
  activity: Record<string, unknown>,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${botUrl}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      channelId: address.channelId ?? 'emulator',
      serviceUrl: address.serviceUrl,
      conversation: { id: address.conversationId, ...(address.conversationType ? { conversationType: address.conversationType } : {}) },
      from: { id: address.userId, name: 'Channel Name (not trusted)' },
      recipient: { id: 'bot', name: 'Account Closure Bot' },
      deliveryMode: 'expectReplies',
      id: `act-${randomUUID()}`,
      timestamp: new Date().toISOString(),
      locale: 'en-US',
      ...activity,
    }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

/** The bot's message replies to one activity; throws unless it answered 200. */
export async function emulatorReplies(
  botUrl: string,
  address: EmulatorAddress,
  activity: Record<string, unknown>,
): Promise<ReplyActivity[]> {
  const { status, body } = await postAsEmulator(botUrl, address, activity);
  if (status !== 200) throw new Error(`bot answered ${status}: ${JSON.stringify(body)}`);
  return ((body as { activities?: ReplyActivity[] } | undefined)?.activities ?? []).filter((a) => a.type === 'message');
}
