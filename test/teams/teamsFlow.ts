import { strict as assert } from 'node:assert';
import type { LogRecord } from '../../services/logger';
import type { ConnectorStub } from '../support/connectorStub';
import { attachmentsIn, decisionsOn, since, warningMessageIn, type TeamsClient } from './teamsClient';

/** The OAuth card of a Teams sign-in prompt: Teams tries SSO with `tokenExchangeResource` before showing it. */
export interface TeamsOAuthCard {
  readonly connectionName: string;
  readonly exchangeId: string;
  readonly signInLink: string;
}

export function oauthCardIn(connector: ConnectorStub, mark: number): TeamsOAuthCard {
  const card = attachmentsIn(since(connector, mark)).find((a) => a.contentType === 'application/vnd.microsoft.card.oauth');
  assert.ok(card, 'an OAuth card was sent');
  const content = card.content as { connectionName: string; tokenExchangeResource?: { id: string }; buttons: Array<{ value: string }> };
  assert.ok(content.tokenExchangeResource?.id, 'the card carries a token exchange resource, so Teams tries SSO first');
  return { connectionName: content.connectionName, exchangeId: content.tokenExchangeResource.id, signInLink: content.buttons[0].value };
}

/** What the Teams client gets from Entra for the bot's app without asking the user (the sandbox stands in). */
export async function ssoTokenFor(loginBaseUrl: string, username: string, password: string): Promise<string> {
  const response = await fetch(`${loginBaseUrl}/teams-sso-token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password }).toString(),
  });
  assert.equal(response.status, 200, 'the sandbox issues an SSO token');
  return ((await response.json()) as { access_token: string }).access_token;
}

export function exchangeValue(card: TeamsOAuthCard, token: string): Record<string, string> {
  return { id: card.exchangeId, connectionName: card.connectionName, token };
}

/**
 * Signs in by SSO in the requester's 1:1 chat and skips the export: the warning is out. The card as posted shows
 * Yes and No (for clients that do not refresh); the requester's client refreshes it too (as Teams does
 * automatically for `refresh.userIds`) and gets Yes and No. Returns the message id, the refresh data and the
 * buttons' data.
 */
export async function reachWarning(
  client: TeamsClient,
  connector: ConnectorStub,
  loginBaseUrl: string,
  account: { upn: string; password: string },
) {
  const mark = connector.received.length;
  assert.equal(await client.says('close my account'), 200);
  const card = oauthCardIn(connector, mark);
  const answer = await client.invoke(
    'signin/tokenExchange',
    exchangeValue(card, await ssoTokenFor(loginBaseUrl, account.upn, account.password)),
  );
  assert.equal(answer.status, 200, `SSO exchange answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  const beforeWarning = connector.received.length;
  assert.equal(await client.submits({ action: 'closure.skipExport' }), 200);
  const message = warningMessageIn(since(connector, beforeWarning));
  const posted = decisionsOn(message.content);
  assert.equal(posted.confirm.requestId, message.refresh.requestId, 'the card as posted shows Yes and No for this request');
  assert.deepEqual(message.userIds, [client.member.id], "only the requester's client refreshes it");
  const view = await client.executes(message.activityId, 'closure.refresh', message.refresh, 'automatic');
  assert.equal(view.status, 200, `refresh answered ${view.status}`);
  const { confirm, decline } = decisionsOn((view.body as { value: unknown }).value);
  return { activityId: message.activityId, refresh: message.refresh, confirm, decline };
}

export function exchangesLogged(logs: readonly LogRecord[]): number {
  return logs.filter((record) => /^SSO token exchanged/.test(String(record.message))).length;
}
