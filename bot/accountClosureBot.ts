import {
  ActivityTypes,
  MessageFactory,
  TeamsActivityHandler,
  tokenResponseEventName,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type BotState,
  type ConversationReference,
  type CloudAdapter,
  type SigninStateVerificationQuery,
  type StatePropertyAccessor,
  type TurnContext,
} from 'botbuilder';
import type { UserTokenClient } from 'botframework-connector';
import type { DialogState } from 'botbuilder-dialogs';
import { renderCard, type ClosureMode } from '../cards/renderCard';
import { FORGET_USER_KEY, markForgetUser, STATE_DELETED_KEY, type ConversationProgress } from '../conversation/progress';
import { inLanguageOf } from '../locales/i18n';
import type { MainDialog } from '../dialogs/mainDialog';
import { isPersonalCommand, isStartRequest } from '../dialogs/interruptions';
import { Messages } from '../conversation/messages';
import { TERMINAL_STATUSES } from '../services/closureRequest';
import type { ClosureService } from '../services/closureService';
import { isAppError } from '../services/errors';
import { runAsOneTurn } from '../services/turnScope';
import type { Logger } from '../services/logger';
import type { HandOffCheckTurns } from './handOffCheckTurns';
import { confirmTokenResponse } from './tokenResponseCheck';
import { flushAuditBeforeReplies } from './auditBeforeReplies';
import { removeRecipientMention } from './recipientMention';
import { TeamsAfterReply } from './teams/afterReply';
import { isSharedTeamsConversation, TeamsPrivateChat, type CreateConversation } from './teams/privateChat';
import { TeamsUniversalActions } from './teams/universalActions';
import { TeamsWarningCards } from './teams/warningCards';
import { isUnstoredBlankState, LOCALE_PROPERTY } from './storage/blankState';

export interface AccountClosureBotOptions {
  /** Per-user conversation state (`PrivateConversationState`): members of a group chat never share a dialog. */
  readonly state: BotState;
  readonly dialog: MainDialog;
  readonly logger: Logger;
  /** The portal hand-off's "I've closed it, check" press, answered before the dialogs see the turn. */
  readonly handOffChecks?: HandOffCheckTurns;
  /** The OAuth connection a `tokens/response` event is confirmed against (with the token service). */
  readonly connectionName: string;
  readonly closure: ClosureService;
  /** Which closure this deployment performs (CLOSURE): what the welcome and Teams cards say follows it. */
  readonly closureMode?: ClosureMode;
  /** Whether a handed-off request's closure was verified since (its Teams cards then say so). */
  readonly handOffVerified?: (requestId: string) => Promise<boolean>;
  readonly teams: {
    /** CloudAdapter.continueConversationAsync with the bot's app id: Universal Actions finish after the answer. */
    readonly continueConversation: (
      reference: Partial<ConversationReference>,
      logic: (context: TurnContext) => Promise<void>,
    ) => Promise<void>;
    /** CloudAdapter.createConversationAsync with the bot's app id: a closure asked for in a group moves to the 1:1 chat. */
    readonly createConversation: CreateConversation;
    readonly clock: () => Date;
  };
}

/**
 * Routes every activity that carries user intent into the main dialog, including the sign-in invokes and
 * events (`signin/verifyState`, `signin/tokenExchange`, `tokens/response`), so none ends unanswered.
 * State is saved once per turn in `run`, or deleted when the dialog asked to forget the user.
 */
export class AccountClosureBot extends TeamsActivityHandler {
  private readonly dialogState: StatePropertyAccessor<DialogState>;
  private readonly locale: StatePropertyAccessor<string>;
  private readonly progress: StatePropertyAccessor<ConversationProgress>;
  private readonly warningCards: TeamsWarningCards;
  private readonly afterReply: TeamsAfterReply;
  private readonly universalActions: TeamsUniversalActions;
  private readonly privateChat: TeamsPrivateChat;

  constructor(private readonly options: AccountClosureBotOptions) {
    super();
    this.dialogState = options.state.createProperty<DialogState>('dialogState');
    this.locale = options.state.createProperty<string>(LOCALE_PROPERTY);
    this.progress = options.state.createProperty<ConversationProgress>('progress');
    const { closure } = options;
    const { clock, continueConversation } = options.teams;
    const { closureMode, handOffVerified } = options;
    this.warningCards = new TeamsWarningCards({
      state: options.state,
      closure,
      clock,
      logger: options.logger,
      closureMode,
      handOffVerified,
    });
    this.afterReply = new TeamsAfterReply(options.logger);
    this.universalActions = new TeamsUniversalActions({
      closure,
      continueConversation,
      cards: this.warningCards,
      afterReply: this.afterReply,
      runPress: (context) => this.runPressTurn(context),
      hasToken: async (context) =>
        (
          await userTokenClientOf(context)
            .getUserToken(context.activity.from.id, options.connectionName, context.activity.channelId, '')
            .catch(() => undefined)
        )?.token !== undefined,
      logger: options.logger,
      closureMode,
      handOffVerified,
    });
    this.privateChat = new TeamsPrivateChat({
      createConversation: options.teams.createConversation,
      runTurn: (context) => this.runPressTurn(context),
      logger: options.logger,
    });
    this.onMessage(async (context, next) => {
      if (await this.options.handOffChecks?.tryHandle(context)) return next();
      const shared = isSharedTeamsConversation(context.activity);
      if (shared && isStartRequest(context.activity)) await this.privateChat.moveThere(context);
      // The person's flow lives in their 1:1 chat: "@bot cancel" in a group cancels it there, and the group
      // learns nothing about it (issue 20).
      else if (shared && isPersonalCommand(context.activity)) await this.privateChat.moveThere(context, Messages.answeredInPrivateChat);
      else await this.runDialog(context);
      await next();
    });
    this.onTokenResponseEvent(async (context, next) => {
      // OAuthPrompt takes `activity.value.token` as it comes, and a client can send this event itself.
      if (await confirmTokenResponse(context, userTokenClientOf(context), options.connectionName, options.logger))
        await this.runDialog(context);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      const botId = context.activity.recipient?.id;
      const added = context.activity.membersAdded ?? [];
      if (isSharedTeamsConversation(context.activity)) {
        // One line when the bot joins a group chat or team, nothing when people join: the flow happens 1:1.
        if (added.some((member) => member.id === botId)) await context.sendActivity(Messages.groupHello);
      } else if (added.some((member) => member.id !== botId)) {
        await context.sendActivity(MessageFactory.attachment(renderCard('welcome', {}, { closureMode: options.closureMode })));
      }
      await next();
    });
  }

  override async run(context: TurnContext): Promise<void> {
    // Everything said in this turn, and in the work it starts, is in the language of the activity's locale.
    // Before anything reads the text: Teams sends `<at>Bot</at> cancel` in group chats and channels.
    if (context.activity.type === 'message') removeRecipientMention(context.activity);
    // One turn for the stores: its audit events written together, its records read once (issue 22).
    await runAsOneTurn(async () => {
      flushAuditBeforeReplies(context);
      await inLanguageOf(
        await this.localeOf(context),
        async () => {
          this.warningCards.watch(context);
          replyToNothingAfterTokenResponse(context);
          await super.run(context);
          await this.endTurn(context);
        },
        context.activity.channelId,
      );
    });
  }

  /**
   * The activity's locale, remembered per user: events the client never sent (the token service's
   * `tokens/response`, which the sandbox's Direct Line sends without one) are answered in the user's language too.
   */
  private async localeOf(context: TurnContext): Promise<string | undefined> {
    const sent = context.activity.locale;
    if (typeof sent === 'string' && sent.length > 0 && sent.length <= 35) {
      await this.locale.set(context, sent);
      return sent;
    }
    return this.locale.get(context);
  }

  /** Resolves once the work started after invoke answers (closing, card updates) has finished. */
  idle(): Promise<void> {
    return this.afterReply.idle();
  }

  /**
   * The SDK answers these invokes 200 unless the dialog (OAuthPrompt) set its own response, so a sign-in
   * invoke that arrives with no prompt waiting still gets an answer and never a 501.
   */
  protected override async handleTeamsSigninVerifyState(context: TurnContext, _query: SigninStateVerificationQuery): Promise<void> {
    await this.continueWaitingDialog(context);
  }

  protected override async handleTeamsSigninTokenExchange(context: TurnContext, _query: SigninStateVerificationQuery): Promise<void> {
    await this.continueWaitingDialog(context);
  }

  protected override async onAdaptiveCardInvoke(
    context: TurnContext,
    _value: AdaptiveCardInvokeValue,
  ): Promise<AdaptiveCardInvokeResponse> {
    return this.universalActions.onAction(context, () => this.runDialog(context));
  }

  /** A turn started by the bot (a Universal Actions press after its answer, a 1:1 chat it opened): the same dialog and state handling as any turn. */
  private async runPressTurn(context: TurnContext): Promise<void> {
    await runAsOneTurn(async () => {
      flushAuditBeforeReplies(context);
      this.warningCards.watch(context);
      await this.runDialog(context);
      await this.endTurn(context);
    });
  }

  /**
   * The state is saved, or deleted when the turn's request ended (by this turn, or by another turn or instance
   * meanwhile: a turn that loaded the state before the request ended must not write the personal data back).
   */
  private async endTurn(context: TurnContext): Promise<void> {
    // Already deleted from storage in this turn (the settle, bot/botClosureChannel.ts): nothing to save or delete.
    if (context.turnState.get(STATE_DELETED_KEY) === true) {
      this.afterReply.start(context);
      return;
    }
    const requestId = (await this.progress.get(context))?.requestId;
    // A turn that already knows its request ended needs no read of the record to say so (issue 22).
    if (context.turnState.get(FORGET_USER_KEY) !== true && requestId) {
      if (TERMINAL_STATUSES.includes((await this.options.closure.get(requestId))?.status ?? 'pending')) markForgetUser(context);
    }
    if (context.turnState.get(FORGET_USER_KEY) === true) {
      await this.options.state.delete(context);
      this.options.logger.info('dropped the conversation state of an ended request', { conversationId: context.activity.conversation?.id });
    } else if (!isUnstoredBlankState(this.options.state.get(context) as Record<string, unknown> | undefined)) {
      // A welcome turn of a new conversation has nothing to remember and writes nothing (bot/storage/blankState.ts).
      try {
        await this.options.state.saveChanges(context, false);
      } catch (error) {
        // Saves are last-writer-wins (eTag "*"); a storage that still reports a conflict lost this write to a
        // concurrent turn of the same user, whose state is as current. Failing the turn would tell the user
        // something went wrong with their answer, which it did not (20 concurrent presses, issue 9).
        if (!isAppError(error, 'RECORD_CONFLICT')) throw error;
        this.options.logger.warn('conversation state lost to a concurrent turn', {
          conversationId: context.activity.conversation?.id,
          error,
        });
      }
    }
    this.afterReply.start(context);
  }

  private async runDialog(context: TurnContext): Promise<void> {
    await this.options.dialog.run(context, this.dialogState);
  }

  /**
   * Sign-in invokes only ever answer a prompt. Teams tries SSO again whenever it renders an old OAuth card, so
   * one can arrive with nothing waiting: it must not start a conversation (a welcome card out of nowhere).
   */
  private async continueWaitingDialog(context: TurnContext): Promise<void> {
    const state = await this.dialogState.get(context, { dialogStack: [] });
    if (state.dialogStack.length === 0) {
      this.options.logger.debug('sign-in invoke with no dialog waiting', { name: context.activity.name });
      return;
    }
    await this.runDialog(context);
  }
}

/** The token client of this turn: CloudAdapter's, or the sandbox's injected by middleware under the same key. */
function userTokenClientOf(context: TurnContext): UserTokenClient {
  const client = context.turnState.get<UserTokenClient | undefined>((context.adapter as CloudAdapter).UserTokenClientKey);
  if (!client) throw new Error('no user token client in this turn');
  return client;
}

/**
 * The `tokens/response` event comes from the token service (or the sandbox's Direct Line), never from the client,
 * so a reply with `replyToId` set to that event's id points at an activity Web Chat never received: Web Chat then
 * holds the reply back up to 5 s waiting for it, and warns "Timed out while waiting for activity" in the console
 * (BotFramework-WebChat docs/ACCESSIBILITY.md, "message order", PR #3450). Replies in that turn answer nothing the
 * user sent, so they carry no `replyToId`.
 */
/** As a plain string: `activity.type` is a string, and comparing it with the enum member is what lint forbids. */
const EVENT_ACTIVITY: string = ActivityTypes.Event;

function replyToNothingAfterTokenResponse(context: TurnContext): void {
  const { activity } = context;
  if (activity.type !== EVENT_ACTIVITY || activity.name !== tokenResponseEventName) return;
  context.onSendActivities(async (_context, activities, next) => {
    for (const reply of activities) delete reply.replyToId;
    return next();
  });
}
