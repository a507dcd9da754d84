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

export interface LoopbackStandIns {
  readonly tokenService: string;
  readonly directLine: string;
  readonly graph: string;
  readonly login: string;
  readonly portal: string;
  readonly channelIssuer: ChannelIssuer;
}

/**
 * The settings that name an Azure host, with each value the templates may give them: Microsoft's hosts (a region's
 * included), or nothing (the bot's or the SDK's default, which is Microsoft's public host too). The rehearsal routes
 * each to its loopback stand-in, as a resolver would route the host; a template that names any other host fails the
 * rehearsal instead of being hidden by it.
 */
const MICROSOFT_HOSTS: Readonly<Record<string, readonly string[]>> = {
  OAUTH_URL: ['', 'https://token.botframework.com', 'https://europe.token.botframework.com', 'https://india.token.botframework.com'],
  DIRECT_LINE_BASE_URL: [
    'https://directline.botframework.com',
    'https://europe.directline.botframework.com',
    'https://india.directline.botframework.com',
  ],
  GRAPH_BASE_URL: ['https://graph.microsoft.com'],
  LOGIN_BASE_URL: ['https://login.microsoftonline.com'],
  CLOSURE_PORTAL_URL: ['https://go.microsoft.com/fwlink/?linkid=873123'],
  ToBotFromChannelOpenIdMetadataUrl: ['https://login.botframework.com/v1/.well-known/openidconfiguration'],
  ToBotFromChannelTokenIssuer: ['https://api.botframework.com'],
};

/** The loopback value of every setting that names an Azure host; throws on a template value that is not Microsoft's host. */
export function loopbackHosts(settings: Readonly<Record<string, string>>, standIns: LoopbackStandIns): Record<string, string> {
  for (const [name, hosts] of Object.entries(MICROSOFT_HOSTS)) {
    const value = settings[name];
    if (value !== undefined && !hosts.includes(value.replace(/\/+$/, '')))
      throw new Error(`the template sets ${name} to "${value}", which is not one of Microsoft's hosts for it`);
  }
  return {
    OAUTH_URL: standIns.tokenService,
    DIRECT_LINE_BASE_URL: standIns.directLine,
    GRAPH_BASE_URL: standIns.graph,
    LOGIN_BASE_URL: standIns.login,
    CLOSURE_PORTAL_URL: standIns.portal,
    ToBotFromChannelOpenIdMetadataUrl: standIns.channelIssuer.openIdMetadataUrl,
    ToBotFromChannelTokenIssuer: standIns.channelIssuer.issuer,
  };
}
