import { MessageFactory, type CloudAdapter, type TurnContext } from 'botbuilder';
import { renderCard } from '../cards/renderCard';
import { formatTime, Messages } from '../dialogs/messages';
import type { ClosureRequest } from '../services/closureRequest';
import type { ClosureService, ConfirmResult } from '../services/closureService';
import type { ExportJob, ExportService } from '../services/exportService';
import type { Logger } from '../services/logger';

export interface BackgroundWorkOptions {
  readonly adapter: CloudAdapter;
  /** The bot's app id; empty without Bot Framework auth (sandbox, Emulator). */
  readonly botAppId: string;
  readonly closure: ClosureService;
  readonly exports: ExportService;
  readonly logger: Logger;
  /** Brings the requester's warning cards up to date in a proactive turn (Teams: replaces an expired card). */
  readonly settleCards: (context: TurnContext) => Promise<void>;
  /** The Teams SSO dedupe marks, dropped once no duplicate invoke can still come. */
  readonly ssoDedupe: { sweep(): Promise<number> };
  /** Deletes the conversation state of idle conversations (bot/storage/stateExpiry.ts); none for memory storage. */
  readonly stateExpiry?: { sweep(): Promise<number> };
  /** Record stores whose finished records expire (services/storage/openRecordIndex.ts). */
  readonly retention?: ReadonlyArray<{ sweepClosed(): Promise<number> }>;
}

/**
 * Work that happens outside a user's turn: export jobs finishing, closures a crash or a silent directory left
 * unfinished. Each pass claims its items by compare-and-swap, so with several instances one message is sent.
 */
export class BackgroundWork {
  constructor(private readonly options: BackgroundWorkOptions) {}

  /** Checks running exports once and tells each owner whose export finished. */
  async pollExports(): Promise<number> {
    const finished = await this.options.exports.poll();
    for (const job of finished) await this.tell(job.conversation, (context) => context.sendActivity(exportMessage(job)), job.exportId);
    return finished.length;
  }

  /** Expires overdue warnings; in Teams the card turns into "Expired" for everyone without anyone pressing it. */
  async expireWarnings(): Promise<number> {
    const expired = await this.options.closure.expireOverdue();
    for (const request of expired) {
      if (request.channelId !== 'msteams' || !request.conversation) continue;
      await this.tell(request.conversation, (context) => this.options.settleCards(context), request.requestId);
    }
    return expired.length;
  }

  /** Deletes the state of conversations idle past CONVERSATION_STATE_TTL_DAYS (at most hourly). */
  async sweepIdleState(): Promise<number> {
    return (await this.options.stateExpiry?.sweep()) ?? 0;
  }

  /** Deletes finished closure requests and export jobs past CLOSED_RECORD_RETENTION_DAYS (at most daily). */
  async sweepClosedRecords(): Promise<number> {
    let removed = 0;
    for (const store of this.options.retention ?? []) removed += await store.sweepClosed();
    return removed;
  }

  /** Drops Teams SSO dedupe marks nobody needs any more. */
  async sweepSsoMarks(): Promise<number> {
    return this.options.ssoDedupe.sweep();
  }

  /** Finishes stranded closures once and tells each requester the outcome. */
  async reconcileClosures(): Promise<number> {
    const finished = await this.options.closure.reconcile();
    for (const { request, result } of finished) {
      if (!request.conversation || request.outcomeNotified) continue;
      await this.tell(request.conversation, (context) => context.sendActivity(closureMessage(request, result)), request.requestId);
      await this.options.closure.markNotified(request.requestId);
    }
    return finished.length;
  }

  private async tell(conversation: Record<string, unknown>, send: (context: TurnContext) => Promise<unknown>, itemId: string): Promise<void> {
    try {
      await this.options.adapter.continueConversationAsync(this.options.botAppId, conversation, async (context) => {
        await send(context);
      });
    } catch (error) {
      // The item is already claimed; the user will see the state the next time they ask. Log for support.
      this.options.logger.error('proactive message could not be delivered', { itemId, error });
    }
  }
}

function exportMessage(job: ExportJob) {
  if (job.status === 'ready' && job.downloadUrl && job.linkExpiresAt) {
    return MessageFactory.attachment(renderCard('exportReady', { downloadUrl: job.downloadUrl, expiresAt: formatTime(new Date(job.linkExpiresAt)) }), Messages.exportReady);
  }
  return MessageFactory.text(Messages.exportFailedBefore(job.failureReason ?? 'unknown reason'));
}

function closureMessage(request: ClosureRequest, result: ConfirmResult) {
  switch (result.kind) {
    case 'closed': return MessageFactory.text(Messages.closedInBackground(request.requestId, result.closedAt));
    case 'handedOff': return MessageFactory.text(Messages.handedOff(result.portalUrl, result.reason));
    case 'notEligible': return MessageFactory.text(Messages.noLongerEligible(result.verdict));
    case 'failed': return MessageFactory.text(result.error.userMessage);
    case 'rejected': return MessageFactory.text(Messages.rejected(result.reason));
    case 'stillClosing': return MessageFactory.text(Messages.stillClosing);
  }
}
