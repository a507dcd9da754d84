import { randomUUID } from 'node:crypto';
import type { ConnectorActivity, ConnectorStub } from '../support/connectorStub';
import { buttonsOn } from '../../cards/cardActions';

/**
 * Speaks to the bot the way Microsoft Teams does: activities with channelId `msteams`, `29:` user ids with
 * `aadObjectId`, `a:`/`19:` conversation ids with a conversationType and the tenant, no `deliveryMode` (replies
 * and updates go to the serviceUrl, here the connector stub), and the invokes Teams sends for sign-in and
 * Universal Actions. Shapes: https://learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/conversation-basics
 */

export const TEAMS_TENANT_ID = '72f988bf-0000-4000-8000-0000000000aa';
export const BOT_TEAMS_ID = '28:6a1c5e0b-5b1f-4f55-8d8e-0c5a2b9f7d10';

export type TeamsConversationType = 'personal' | 'groupChat' | 'channel';

export interface TeamsMember {
  /** The Teams user id (`29:...`), what the bot sees as `from.id`. */
  readonly id: string;
  readonly name: string;
  readonly aadObjectId: string;
}

export interface TeamsConversation {
  readonly id: string;
  readonly type: TeamsConversationType;
}

export interface InvokeAnswer {
  readonly status: number;
  readonly body: unknown;
}

export interface TeamsClient {
  readonly member: TeamsMember;
  /** Sends a typed message; resolves with the HTTP status once the turn has ended. */
  says(text: string): Promise<number>;
  /** An `Action.Submit` press as Teams delivers it: a message whose `value` is the action's data. */
  submits(data: Record<string, unknown>): Promise<number>;
  invoke(name: string, value: unknown, extra?: Record<string, unknown>): Promise<InvokeAnswer>;
  /** Any other activity (a message with mention entities, a conversationUpdate), over the Teams defaults. */
  sends(activity: Record<string, unknown>): Promise<InvokeAnswer>;
  /** An `Action.Execute` press (or refresh) on the card carried by the message `cardActivityId`. */
  executes(cardActivityId: string, verb: string, data: Record<string, unknown>, trigger?: 'manual' | 'automatic'): Promise<InvokeAnswer>;
}

export function teamsMember(name: string, aadObjectId: string): TeamsMember {
  return { id: `29:1${randomUUID().replace(/-/g, '')}`, name, aadObjectId };
}

export function teamsConversation(type: TeamsConversationType): TeamsConversation {
  const id =
    type === 'personal'
      ? `a:1${randomUUID().replace(/-/g, '')}`
      : type === 'groupChat'
        ? `19:${randomUUID().replace(/-/g, '')}@thread.v2`
        : `19:${randomUUID().replace(/-/g, '')}@thread.tacv2;messageid=${Date.now()}`;
  return { id, type };
}

export function teamsClient(botUrl: string, connector: ConnectorStub, member: TeamsMember, conversation: TeamsConversation): TeamsClient {
  const post = async (activity: Record<string, unknown>): Promise<InvokeAnswer> => {
    const response = await fetch(`${botUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: `f:${randomUUID()}`,
        timestamp: new Date().toISOString(),
        localTimestamp: new Date().toISOString(),
        channelId: 'msteams',
        serviceUrl: connector.url,
        from: member,
        conversation: {
          id: conversation.id,
          conversationType: conversation.type,
          tenantId: TEAMS_TENANT_ID,
          ...(conversation.type === 'personal' ? {} : { isGroup: true }),
        },
        recipient: { id: BOT_TEAMS_ID, name: 'Account Closure Bot' },
        locale: 'en-US',
        channelData: {
          tenant: { id: TEAMS_TENANT_ID },
          ...(conversation.type === 'channel'
            ? {
                teamsChannelId: conversation.id.split(';')[0],
                teamsTeamId: '19:team@thread.tacv2',
                channel: { id: conversation.id.split(';')[0] },
                team: { id: '19:team@thread.tacv2' },
              }
            : {}),
        },
        entities: [{ type: 'clientInfo', locale: 'en-US', country: 'US', platform: 'Web', timezone: 'Europe/London' }],
        ...activity,
      }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    member,
    says: async (text) => (await post({ type: 'message', text, textFormat: 'plain' })).status,
    submits: async (data) => (await post({ type: 'message', value: data })).status,
    invoke: (name, value, extra = {}) => post({ type: 'invoke', name, value, ...extra }),
    sends: (activity) => post(activity),
    executes: (cardActivityId, verb, data, trigger = 'manual') =>
      post({
        type: 'invoke',
        name: 'adaptiveCard/action',
        replyToId: cardActivityId,
        value: { action: { type: 'Action.Execute', verb, data }, trigger },
      }),
  };
}

/** What reached the connector stub after `mark` (an index from `connector.received.length`). */
export function since(connector: ConnectorStub, mark: number): ConnectorActivity[] {
  return connector.received.slice(mark);
}

export function textsIn(activities: readonly ConnectorActivity[]): string {
  return activities.map((a) => (typeof a.activity.text === 'string' ? a.activity.text : '')).join('\n');
}

/** Waits until the stub has received something matching `predicate` (work done after an invoke's answer). */
export async function arrival(connector: ConnectorStub, predicate: (activity: ConnectorActivity) => boolean): Promise<ConnectorActivity> {
  for (;;) {
    const found = connector.received.find(predicate);
    if (found) return found;
    await connector.waitFor(connector.received.length + 1);
  }
}

export interface AttachmentLike {
  readonly contentType: string;
  readonly content: Record<string, unknown>;
}

export function attachmentsIn(activities: readonly ConnectorActivity[]): AttachmentLike[] {
  return activities.flatMap((a) => (a.activity.attachments as AttachmentLike[] | undefined) ?? []);
}

/**
 * The message carrying the warning: the chat sees a card without buttons whose `refresh` (verb `closure.refresh`,
 * `userIds` = the requester) makes Teams fetch the requester's own view. Returns that message and its refresh.
 */
export function warningMessageIn(activities: readonly ConnectorActivity[]): {
  activityId: string;
  content: Record<string, unknown>;
  refresh: Record<string, string>;
  userIds: string[];
} {
  for (const entry of activities) {
    for (const attachment of (entry.activity.attachments as AttachmentLike[] | undefined) ?? []) {
      const refresh = (attachment.content as { refresh?: { action: { verb?: string; data: Record<string, string> }; userIds: string[] } })
        .refresh;
      if (refresh?.action.verb === 'closure.refresh')
        return { activityId: entry.id, content: attachment.content, refresh: refresh.action.data, userIds: refresh.userIds };
    }
  }
  throw new Error(`no Universal Actions warning message in ${JSON.stringify(activities.map((a) => a.activity)).slice(0, 600)}`);
}

/** The Execute data of the Yes and No buttons on a card (the requester's view of the warning). */
export function decisionsOn(content: unknown): { confirm: Record<string, string>; decline: Record<string, string> } {
  const actions = buttonsOn(content) as Array<{ type: string; verb?: string; data?: Record<string, string> }>;
  const confirm = actions.find((a) => a.type === 'Action.Execute' && a.verb === 'closure.confirm')?.data;
  const decline = actions.find((a) => a.type === 'Action.Execute' && a.verb === 'closure.decline')?.data;
  if (!confirm || !decline) throw new Error(`no Yes/No on ${JSON.stringify(content).slice(0, 400)}`);
  return { confirm, decline };
}

/** Text of every TextRun/TextBlock in a card, for assertions on what a card says. */
export function cardText(content: unknown): string {
  const parts: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if ((record.type === 'TextRun' || record.type === 'TextBlock') && typeof record.text === 'string') parts.push(record.text);
      Object.values(record).forEach(walk);
    }
  };
  walk(content);
  return parts.join(' ');
}

/** Every `Action.*` left on a card: a final card has none. */
export function actionsOf(content: unknown): string[] {
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (typeof record.type === 'string' && record.type.startsWith('Action.')) found.push(record.type);
      Object.values(record).forEach(walk);
    }
  };
  walk(content);
  return found;
}
