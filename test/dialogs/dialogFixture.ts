import { ConversationState, MemoryStorage, PrivateConversationState, type Activity, type Middleware, type TestAdapter } from 'botbuilder';
import { BotClosureChannels } from '../../bot/botClosureChannel';
import { ClosureWorkflow } from '../../services/closureWorkflow';
import { DialogTestClient } from 'botbuilder-testing';
import type { AccountCloser, CloseOutcome } from '../../services/accountCloser';
import type { ClosureAccount } from '../../services/closure/closureAccounts';
import type { AccountClosureLock, ClosureRequest } from '../../services/closureRequest';
import { ClosureService } from '../../services/closureService';
import type { DataExporter, ExportStatus } from '../../services/dataExporter';
import { AppError } from '../../services/errors';
import { ExportService, type ExportJob } from '../../services/exportService';
import type { VerifiedIdentity } from '../../services/identity';
import { silentLogger } from '../../services/logger';
import { MemoryAuditTrail } from '../../adapters/storage/memoryAuditTrail';
import { MemoryRecordStore } from '../../adapters/storage/memoryRecordStore';
import type { RealmVerdict } from '../../services/userRealm';
import type { ConversationProgress } from '../../conversation/progress';
import { MainDialog } from '../../dialogs/mainDialog';
export { cardActionData as actionData } from '../support/botHarness';

export const CONNECTION = 'TestConnection';
export const MAGIC_CODE = '246810';
export const TTL_MS = 10 * 60_000;

export const KIM: VerifiedIdentity = {
  objectId: '22222222-0000-4000-8000-000000000001',
  tenantId: '11111111-0000-4000-8000-000000000001',
  upn: 'kim@tailspin.example',
  displayName: 'Kim Akers',
  organizationName: 'Tailspin Hobbyists',
};

export interface FixtureOptions {
  readonly identity?: VerifiedIdentity;
  readonly verdict?: RealmVerdict | AppError;
  readonly closeOutcome?: () => Promise<CloseOutcome>;
  readonly exportStart?: () => Promise<void>;
  readonly exportStatus?: ExportStatus;
  /** The words' mode; `graph` by default, as the fake closer closes the account itself. */
  readonly closureMode?: 'portal' | 'graph';
}

/** The main dialog with real domain services on memory stores, and small fakes for what lies outside. */
export function createDialogFixture(options: FixtureOptions = {}) {
  const identity = options.identity ?? KIM;
  const audit = new MemoryAuditTrail();
  const closerCalls: string[] = [];
  const closer: AccountCloser = {
    async close(account, { requestId }) {
      closerCalls.push(`${account.objectId}:${requestId}`);
      return options.closeOutcome ? options.closeOutcome() : { kind: 'closed' };
    },
  };
  const exporter: DataExporter = {
    async start() {
      await options.exportStart?.();
      return { operationUrl: 'https://graph.test/v1.0/dataPolicyOperations/op-1', tenantId: KIM.tenantId };
    },
    async status() {
      return options.exportStatus ?? { kind: 'running' };
    },
  };
  const requests = new MemoryRecordStore<ClosureRequest>();
  const realm = {
    async lookup(): Promise<RealmVerdict> {
      if (options.verdict instanceof AppError) throw options.verdict;
      return options.verdict ?? { kind: 'unmanaged', organizationName: identity.organizationName };
    },
  };
  const accounts = new MemoryRecordStore<ClosureAccount>();
  const jobs = new MemoryRecordStore<ExportJob>();
  const closure = new ClosureService({
    requests,
    locks: new MemoryRecordStore<AccountClosureLock>(),
    accounts,
    audit,
    realm,
    closer,
    hashUpn: () => 'upn-hash',
    clock: () => new Date(),
    confirmationTtlMs: TTL_MS,
    closingLeaseMs: 60_000,
    maxCloseAttempts: 3,
    logger: silentLogger,
  });
  const exports = new ExportService({
    jobs,
    listing: closure.accounts,
    exporter,
    audit,
    clock: () => new Date(),
    logger: silentLogger,
  });
  const storage = new MemoryStorage();
  const conversationState = new ConversationState(storage);
  const workflow = new ClosureWorkflow({
    closure,
    forgetPerson: (person) => exports.forget(person),
    settleLeaseMs: 60_000,
    logger: silentLogger,
  });
  const channels = new BotClosureChannels({
    continueConversation: async () => {
      throw new Error('no proactive turns in dialog tests');
    },
    state: new PrivateConversationState(storage),
    storage,
    connectionName: CONNECTION,
    clock: () => new Date(),
    logger: silentLogger,
  });
  const dialog = new MainDialog({
    workflow,
    closureChannel: (context) => channels.forTurn(context),
    directory: {
      async whoAmI(token) {
        if (token !== 'token-of-kim') throw new AppError('SIGN_IN_REJECTED', 'unknown token');
        return identity;
      },
    },
    realm,
    closure,
    exports,
    audit,
    hashUpn: () => 'upn-hash',
    clock: () => new Date(),
    logger: silentLogger,
    connectionName: CONNECTION,
    signInTimeoutMs: 60_000,
    progress: conversationState.createProperty<ConversationProgress>('progress'),
    closureMode: options.closureMode ?? 'graph',
    portalUrl: 'https://go.microsoft.com/fwlink/?linkid=873123',
    handOffVerified: async () => false,
  });
  // The test adapter's own token store stands in for the token service: the magic code yields the token.
  let seeded = false;
  const tokenSeeder: Middleware = {
    async onTurn(context, next) {
      if (!seeded) {
        (context.adapter as TestAdapter).addUserToken(
          CONNECTION,
          context.activity.channelId,
          context.activity.from.id,
          'token-of-kim',
          MAGIC_CODE,
        );
        seeded = true;
      }
      await next();
    },
  };
  const client = new DialogTestClient('test', dialog, undefined, [tokenSeeder], conversationState);
  return { client, dialog, audit, closerCalls, requests, exports, closure, stores: { accounts, jobs } };
}

export type DialogFixture = ReturnType<typeof createDialogFixture>;

/** Sends one activity and collects every reply the turn produced. */
export async function turn(fixture: DialogFixture, activity: Partial<Activity> | string): Promise<Array<Partial<Activity>>> {
  const replies: Array<Partial<Activity>> = [];
  let reply = (await fixture.client.sendActivity(activity)) as Partial<Activity> | undefined;
  while (reply) {
    replies.push(reply);
    reply = fixture.client.getNextReply();
  }
  return replies;
}

export function textOf(replies: Array<Partial<Activity>>): string {
  return replies.map((r) => r.text ?? '').join('\n');
}

export function press(data: Record<string, string>): Partial<Activity> {
  return { type: 'message', value: data };
}

export function contentTypes(replies: Array<Partial<Activity>>): string[] {
  return replies.flatMap((r) => (r.attachments ?? []).map((a) => a.contentType));
}
