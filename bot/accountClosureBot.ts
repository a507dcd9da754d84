import {
  MessageFactory, TeamsActivityHandler,
  type AdaptiveCardInvokeResponse, type AdaptiveCardInvokeValue, type BotState, type ConversationReference,
  type SigninStateVerificationQuery, type StatePropertyAccessor, type TurnContext,
} from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import { renderCard } from '../cards/renderCard';
import { FORGET_USER_KEY } from '../dialogs/dialogServices';
import { isStartRequest, type MainDialog } from '../dialogs/mainDialog';
import { Messages } from '../dialogs/messages';
import type { ClosureService } from '../services/closureService';
import type { Logger } from '../services/logger';
import { removeRecipientMention } from './recipientMention';
import { TeamsAfterReply } from './teamsAfterReply';
import { isSharedTeamsConversation, TeamsPrivateChat, type CreateConversation } from './teamsPrivateChat';
import { TeamsUniversalActions } from './teamsUniversalActions';
import { TeamsWarningCards } from './teamsWarningCards';

export interface AccountClosureBotOptions {
  /** Per-user conversation state (`PrivateConversationState`): members of a group chat never share a dialog. */
  readonly state: BotState;
  readonly dialog: MainDialog;
  readonly logger: Logger;
  readonly teams: {
    readonly closure: ClosureService;
    /** CloudAdapter.continueConversationAsync with the bot's app id: Universal Actions finish after the answer. */
    readonly continueConversation: (reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>) => Promise<void>;
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
  private readonly warningCards: TeamsWarningCards;
  private readonly afterReply: TeamsAfterReply;
  private readonly universalActions: TeamsUniversalActions;
  private readonly privateChat: TeamsPrivateChat;

  constructor(private readonly options: AccountClosureBotOptions) {
    super();
    this.dialogState = options.state.createProperty<DialogState>('dialogState');
    const { closure, clock, continueConversation } = options.teams;
    this.warningCards = new TeamsWarningCards({ state: options.state, closure, clock, logger: options.logger });
    this.afterReply = new TeamsAfterReply(options.logger);
    this.universalActions = new TeamsUniversalActions({
      closure, clock, continueConversation,
      cards: this.warningCards,
      afterReply: this.afterReply,
      runPress: (context, beforeSave) => this.runPressTurn(context, beforeSave),
      logger: options.logger,
    });
    this.privateChat = new TeamsPrivateChat({
      createConversation: options.teams.createConversation,
      runTurn: (context) => this.runPressTurn(context, async () => {}),
      logger: options.logger,
    });
    this.onMessage(async (context, next) => {
      if (isSharedTeamsConversation(context.activity) && isStartRequest(context.activity)) await this.privateChat.moveThere(context);
      else await this.runDialog(context);
      await next();
    });
    this.onTokenResponseEvent(async (context, next) => {
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
        await context.sendActivity(MessageFactory.attachment(renderCard('welcome', {})));
      }
      await next();
    });
  }

  override async run(context: TurnContext): Promise<void> {
    // Before anything reads the text: Teams sends `<at>Bot</at> cancel` in group chats and channels.
    if (context.activity.type === 'message') removeRecipientMention(context.activity);
    this.warningCards.watch(context);
    await super.run(context);
    await this.endTurn(context);
  }

  /** A proactive turn in the requester's conversation: their ended cards show their final state, then state is saved. */
  async settleWarningCards(context: TurnContext): Promise<void> {
    await this.warningCards.settle(context);
    await this.options.state.saveChanges(context, false);
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

  protected override async onAdaptiveCardInvoke(context: TurnContext, _value: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    return this.universalActions.onAction(context, () => this.runDialog(context));
  }

  /** A turn started by the bot (a Universal Actions press after its answer, a 1:1 chat it opened): the same dialog and state handling as any turn. */
  private async runPressTurn(context: TurnContext, beforeSave: (context: TurnContext) => Promise<void>): Promise<void> {
    this.warningCards.watch(context);
    await this.runDialog(context);
    await beforeSave(context);
    await this.endTurn(context);
  }

  /** Cards of requests that ended are settled while the state still holds them; then the state is saved or forgotten. */
  private async endTurn(context: TurnContext): Promise<void> {
    await this.warningCards.settle(context);
    if (context.turnState.get(FORGET_USER_KEY) === true) {
      await this.options.state.delete(context);
      this.options.logger.info('dropped the conversation state of a closed account', { conversationId: context.activity.conversation?.id });
    } else {
      await this.options.state.saveChanges(context, false);
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
