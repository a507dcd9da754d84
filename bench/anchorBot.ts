/**
 * The same-shape anchor for `npm run bench` (issue 22, item 3): the closure written the plain way on the same
 * packages, as a botbuilder sample would write it. The same five turns (hello -> welcome card; Start -> OAuthPrompt's
 * sign-in card; magic code -> /me, /organization, user realm, export offer card; Skip -> a closure record, the
 * warning card; Yes -> nonce and requester checked, token again, /me, /organization, realm again, app token, find,
 * delete, purge, sign out, "has been closed"), the same 14 outgoing calls to the same sandbox, the same card
 * templates (cards/*.json) and English strings (locales/en.json through i18next), PrivateConversationState on
 * MemoryStorage, and in memory the closure record and the audit events the bot keeps. What it leaves out is what
 * makes the bot a product (languages per turn, Teams, group chats, cancel and help, checks of every input, the
 * reconciler, export jobs), so the bot's CPU per closure over this one is what those cost.
 * Framework pieces as shipped, used as a careful sample would: botbuilder's UserTokenClientImpl (built once,
 * installed by middleware), each card template parsed once and expanded per card, i18next's `t` on every string.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { Template } from 'adaptivecards-templating';
import {
  ActivityHandler,
  CardFactory,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  MemoryStorage,
  MessageFactory,
  PrivateConversationState,
  type Activity,
  type TurnContext,
} from 'botbuilder';
import { ComponentDialog, DialogSet, DialogTurnStatus, OAuthPrompt, WaterfallDialog, type WaterfallStepContext } from 'botbuilder-dialogs';
import type { UserTokenClient } from 'botframework-connector';
import { UserTokenClientImpl } from 'botframework-connector/lib/auth/userTokenClientImpl';
import i18next from 'i18next';
import exportOfferCard from '../cards/exportOffer.json';
import warningCard from '../cards/warning.json';
import welcomeCard from '../cards/welcome.json';
import en from '../locales/en.json';
import { createServer, DEFAULT_MAX_BODY_BYTES } from '../server/createServer';
import { startServer } from '../server/lifecycle';
import { silentLogger } from '../services/logger';
import { answerProbes, READY_PREFIX } from './serverProbe';

/** The sandbox's built-in app registration (sandbox/index.ts); the anchor reaches the sandbox over HTTP only. */
const APP = { clientId: '6a1c5e0b-5b1f-4f55-8d8e-0c5a2b9f7d10', clientSecret: 'sandbox-client-secret' };
const CONNECTION = 'GraphConnection';
const FORGET = Symbol('forget');
const agent = new http.Agent({ keepAlive: true });
const t = i18next.createInstance();

interface Endpoints {
  readonly graphBaseUrl: string;
  readonly loginBaseUrl: string;
  readonly tokenServiceUrl: string;
}
interface Identity {
  readonly objectId: string;
  readonly tenantId: string;
  readonly upn: string;
  readonly displayName: string;
  readonly organizationName: string;
}
interface ClosureRecord {
  readonly requestId: string;
  readonly userId: string;
  readonly objectId: string;
  readonly tenantId: string;
  readonly upn: string;
  readonly nonceHash: string;
  status: 'pending' | 'closing' | 'closed';
  readonly expiresAt: number;
}

function call(method: string, url: string, token?: string, form?: Record<string, string>): Promise<{ status: number; body: unknown }> {
  const body = form ? new URLSearchParams(form).toString() : undefined;
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method,
        agent,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } : {}),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: response.statusCode ?? 0, body: text ? (JSON.parse(text) as unknown) : undefined });
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** Each template parsed once, as any bot would hold it; expanded per card with i18next's strings. */
const TEMPLATES = new Map<object, Template>();

function card(template: object, data: Record<string, unknown>, strings: string) {
  let compiled = TEMPLATES.get(template);
  if (!compiled) TEMPLATES.set(template, (compiled = new Template(template)));
  return CardFactory.adaptiveCard(compiled.expand({ $root: { ...data, strings: t.t(strings, { returnObjects: true }) } }));
}

class CloseAccount extends ComponentDialog {
  private readonly records = new Map<string, ClosureRecord>();
  private readonly audit: object[] = [];
  private appToken?: { token: string; expiresAt: number };

  constructor(private readonly endpoints: Endpoints) {
    super('close');
    this.addDialog(
      new OAuthPrompt('signIn', { connectionName: CONNECTION, title: t.t('signInTitle'), text: t.t('signInPrompt'), showSignInLink: true }),
    );
    this.addDialog(
      new WaterfallDialog('steps', [this.signIn.bind(this), this.offerExport.bind(this), this.warn.bind(this), this.close.bind(this)]),
    );
    this.initialDialogId = 'steps';
  }

  private async signIn(step: WaterfallStepContext) {
    return step.beginDialog('signIn');
  }

  private async offerExport(step: WaterfallStepContext) {
    const identity = await this.whoAmI((step.result as { token: string }).token);
    await this.eligible(identity);
    (step.values as { identity?: Identity }).identity = identity;
    await step.context.sendActivity(t.t('signedInAs', { ...identity }));
    await step.context.sendActivity(t.t('eligible'));
    this.audit.push({ type: 'exportOffered', at: new Date().toISOString(), objectId: identity.objectId, tenantId: identity.tenantId });
    const offer = card(exportOfferCard, { upn: identity.upn, organizationName: identity.organizationName }, 'cards.exportOffer');
    await step.context.sendActivity(MessageFactory.attachment(offer, t.t('exportPrompt')));
    return ComponentDialog.EndOfTurn;
  }

  private async warn(step: WaterfallStepContext) {
    const identity = (step.values as { identity: Identity }).identity;
    this.audit.push({ type: 'exportSkipped', at: new Date().toISOString(), objectId: identity.objectId, tenantId: identity.tenantId });
    const nonce = randomBytes(32).toString('base64url');
    const record: ClosureRecord = {
      requestId: `cr_${randomUUID().replaceAll('-', '')}`,
      userId: step.context.activity.from.id,
      objectId: identity.objectId,
      tenantId: identity.tenantId,
      upn: identity.upn,
      nonceHash: createHash('sha256').update(nonce).digest('hex'),
      status: 'pending',
      expiresAt: Date.now() + 10 * 60_000,
    };
    this.records.set(record.requestId, record);
    this.audit.push({ type: 'warningShown', at: new Date().toISOString(), requestId: record.requestId });
    const data = {
      ...identity,
      requestId: record.requestId,
      nonce,
      expiresAt: new Date(record.expiresAt).toISOString(),
      universalActions: false,
    };
    await step.context.sendActivity(MessageFactory.attachment(card(warningCard, data, 'cards.warning'), t.t('warningPrompt')));
    return ComponentDialog.EndOfTurn;
  }

  private async close(step: WaterfallStepContext) {
    const value = step.context.activity.value as { action?: string; requestId?: string; nonce?: string };
    const record = this.records.get(value.requestId ?? '');
    const nonceHash = createHash('sha256')
      .update(value.nonce ?? '')
      .digest('hex');
    if (value.action !== 'closure.confirm' || record?.status !== 'pending' || record.userId !== step.context.activity.from.id)
      throw new Error('not a valid confirmation');
    if (record.nonceHash !== nonceHash || record.expiresAt < Date.now()) throw new Error('not a valid confirmation');
    const tokens = step.context.turnState.get<UserTokenClient>((step.context.adapter as CloudAdapter).UserTokenClientKey);
    const { activity } = step.context;
    const signedIn = await tokens.getUserToken(activity.from.id, CONNECTION, activity.channelId ?? '', '');
    const identity = await this.whoAmI(signedIn.token ?? '');
    if (identity.objectId !== record.objectId) throw new Error('another account');
    await this.eligible(identity);
    record.status = 'closing';
    this.audit.push({ type: 'confirmed', at: new Date().toISOString(), requestId: record.requestId });
    const appToken = await this.appTokenFor(record.tenantId);
    const users = `${this.endpoints.graphBaseUrl}/v1.0/users/${record.objectId}`;
    await call('GET', `${users}?$select=id`, appToken);
    await call('DELETE', users, appToken);
    await call('DELETE', `${this.endpoints.graphBaseUrl}/v1.0/directory/deletedItems/${record.objectId}`, appToken);
    record.status = 'closed';
    this.audit.push({ type: 'closed', at: new Date().toISOString(), requestId: record.requestId });
    await tokens.signOutUser(activity.from.id, CONNECTION, activity.channelId ?? '');
    const closedAt = new Date().toISOString().slice(0, 16).replace('T', ' ');
    await step.context.sendActivity(t.t('closed', { upn: record.upn, requestId: record.requestId, closedAt: `${closedAt} UTC` }));
    // The conversation's personal data goes, as the bot forgets it after a closure.
    step.context.turnState.set(FORGET, true);
    return step.endDialog();
  }

  private async whoAmI(token: string): Promise<Identity> {
    const [me, organization] = await Promise.all([
      call('GET', `${this.endpoints.graphBaseUrl}/v1.0/me?$select=id,userPrincipalName,displayName`, token),
      call('GET', `${this.endpoints.graphBaseUrl}/v1.0/organization?$select=id,displayName`, token),
    ]);
    const user = me.body as { id: string; userPrincipalName: string; displayName: string };
    const org = (organization.body as { value: Array<{ id: string; displayName: string }> }).value[0];
    const identity = {
      objectId: user.id,
      tenantId: org?.id ?? '',
      upn: user.userPrincipalName,
      displayName: user.displayName,
      organizationName: org?.displayName ?? '',
    };
    this.audit.push({ type: 'signedIn', at: new Date().toISOString(), objectId: identity.objectId, tenantId: identity.tenantId });
    return identity;
  }

  private async eligible(identity: Identity): Promise<void> {
    const realm = await call('GET', `${this.endpoints.loginBaseUrl}/common/userrealm/${encodeURIComponent(identity.upn)}?api-version=2.1`);
    const viral = (realm.body as { IsViral?: boolean }).IsViral === true;
    this.audit.push({
      type: 'realmChecked',
      at: new Date().toISOString(),
      objectId: identity.objectId,
      detail: viral ? 'unmanaged' : 'other',
    });
    if (!viral) throw new Error('not unmanaged');
  }

  private async appTokenFor(tenantId: string): Promise<string> {
    if (this.appToken && this.appToken.expiresAt > Date.now() + 300_000) return this.appToken.token;
    const scope = `${new URL(this.endpoints.graphBaseUrl).origin}/.default`;
    const response = await call('POST', `${this.endpoints.loginBaseUrl}/${tenantId}/oauth2/v2.0/token`, undefined, {
      grant_type: 'client_credentials',
      client_id: APP.clientId,
      client_secret: APP.clientSecret,
      scope,
    });
    const body = response.body as { access_token: string; expires_in: number };
    this.appToken = { token: body.access_token, expiresAt: Date.now() + body.expires_in * 1000 };
    return body.access_token;
  }
}

class AnchorBot extends ActivityHandler {
  constructor(state: PrivateConversationState, dialogs: DialogSet) {
    super();
    this.onMessage(async (context, next) => {
      const dc = await dialogs.createContext(context);
      const result = await dc.continueDialog();
      if (result.status === DialogTurnStatus.empty) {
        if ((context.activity.value as { action?: string } | undefined)?.action === 'closure.start') await dc.beginDialog('close');
        else await context.sendActivity(MessageFactory.attachment(card(welcomeCard, {}, 'cards.welcome')));
      }
      await next();
    });
    this.onDialog(async (context, next) => {
      if (context.turnState.get(FORGET) === true) await state.delete(context);
      else await state.saveChanges(context, false);
      await next();
    });
  }
}

async function main(): Promise<void> {
  await t.init({ resources: { en: { translation: en } }, lng: 'en', interpolation: { escapeValue: false }, initAsync: false });
  const endpoints = (await (await fetch(`${process.env.SANDBOX_URL}/_sandbox/endpoints`)).json()) as Endpoints;
  const state = new PrivateConversationState(new MemoryStorage());
  const dialogs = new DialogSet(state.createProperty('dialogState'));
  dialogs.add(new CloseAccount(endpoints));
  const authentication = new ConfigurationBotFrameworkAuthentication({});
  const adapter = new CloudAdapter(authentication);
  adapter.onTurnError = async (_context, error) => {
    // As a JSON error line: the orchestrator counts them under "errors logged by the bots".
    process.stderr.write(`${JSON.stringify({ level: 'error', message: 'anchor turn failed', error: String(error.stack ?? error) })}\n`);
    throw error;
  };
  // Without an app id CloudAdapter cannot build the token client itself (DESIGN.md pitfalls): the SDK's own, once.
  const tokens = new UserTokenClientImpl('', { signRequest: async (request) => request }, endpoints.tokenServiceUrl);
  adapter.use(async (context: TurnContext, next) => {
    context.turnState.set(adapter.UserTokenClientKey, tokens);
    await next();
  });
  const server = createServer({
    adapter,
    bot: new AnchorBot(state, dialogs),
    logger: silentLogger,
    maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
    authenticate: (activity, authHeader) => authentication.authenticateRequest(activity as Activity, authHeader),
  });
  const listening = await startServer(server, { port: 0, host: '127.0.0.1', graceMs: 1_000, logger: silentLogger });
  answerProbes();
  process.stdout.write(`${READY_PREFIX}${listening.url}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`anchor bot failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
