/** The rehearsal's helpers: a channel that signs its activities, and Blob requests to Azurite over HTTPS with a bearer token. */
import { randomUUID } from 'node:crypto';
import https from 'node:https';
import type { ReplyActivity } from '../support/botHarness';
import type { ChannelIssuer } from './azureStandIns';

export interface ChannelUser {
  /** Posts an activity signed as the channel does; the HTTP status and the replies (expectReplies). */
  post(activity: Record<string, unknown>, authorization?: string | null): Promise<{ status: number; replies: ReplyActivity[] }>;
  /** Posts, expects 200, returns the message replies. */
  says(text: string): Promise<ReplyActivity[]>;
  presses(value: Record<string, string>): Promise<ReplyActivity[]>;
}

/**
 * One Web Chat user (channel `webchat`, as Direct Line delivers it) talking to a bot with Bot Framework authentication
 * on: every activity carries the channel issuer's JWT for the bot's app id and this serviceUrl, unless `authorization`
 * says otherwise (`null`: no header at all).
 */
export function channelUser(botUrl: string, appId: string, serviceUrl: string, issuer: ChannelIssuer): ChannelUser {
  const userId = `dl_${randomUUID().slice(0, 12)}`;
  const conversationId = `rehearsal-${randomUUID().slice(0, 12)}`;
  const post: ChannelUser['post'] = async (activity, authorization) => {
    const header = authorization === undefined ? issuer.authorization(appId, serviceUrl) : authorization;
    const response = await fetch(`${botUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(header === null ? {} : { authorization: header }) },
      body: JSON.stringify({
        channelId: 'webchat',
        serviceUrl,
        conversation: { id: conversationId },
        from: { id: userId, name: 'Channel Name (not trusted)' },
        recipient: { id: appId, name: 'Account Closure Bot' },
        deliveryMode: 'expectReplies',
        id: `act-${randomUUID()}`,
        timestamp: new Date().toISOString(),
        locale: 'en-US',
        ...activity,
      }),
    });
    const text = await response.text();
    const body = text ? (JSON.parse(text) as { activities?: ReplyActivity[] }) : undefined;
    return { status: response.status, replies: (body?.activities ?? []).filter((reply) => reply.type === 'message') };
  };
  const ok = async (activity: Record<string, unknown>) => {
    const { status, replies } = await post(activity);
    if (status !== 200) throw new Error(`the bot answered ${status}`);
    return replies;
  };
  return {
    post,
    says: (text) => ok({ type: 'message', text }),
    presses: (value) => ok({ type: 'message', value }),
  };
}

/** One Blob REST request to Azurite over HTTPS (its self-signed `ca`), authorized with a bearer token. */
export function blobRequest(url: string, method: 'GET' | 'PUT', token: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = https.request(
      url,
      {
        method,
        ca,
        headers: {
          authorization: `Bearer ${token}`,
          'x-ms-version': '2023-11-03',
          'x-ms-date': new Date().toUTCString(),
          'content-length': '0',
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    request.on('error', reject);
    request.end();
  });
}
