import { MessageFactory, type CloudAdapter, type TurnContext } from 'botbuilder';
import { renderCard } from '../cards/renderCard';
import { readerOf } from '../dialogs/conversationAddress';
import { formatTime, Messages } from '../dialogs/messages';
import { inLanguageOf } from '../locales/i18n';
import type { ClosureChannel, ClosureWorkflow } from '../services/closureWorkflow';
import type { ExportJob, ExportService } from '../services/exportService';
import type { Logger } from '../services/logger';

export interface BackgroundWorkOptions {
  readonly adapter: CloudAdapter;
  /** The bot's app id; empty without Bot Framework auth (sandbox, Emulator). */
  readonly botAppId: string;
  readonly workflow: ClosureWorkflow;
  /** The decision workflow's channel port for work outside any turn. */
  readonly channel: ClosureChannel;
  readonly exports: ExportService;
  readonly logger: Logger;
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

  /**
   * Checks running exports once and tells each owner whose export finished; the message stays owed on the job
   * until a send went through, so a failed send is tried again by the next poll (ExportService.poll, bounded).
   */
  async pollExports(): Promise<number> {
    const finished = await this.options.exports.poll();
    for (const job of finished) {
      const told = await this.tell(
        job.conversation,
        (context) => context.sendActivity(exportMessage(job, readerOf(job.conversation).timeZone)),
        job.exportId,
      );
      if (told) await this.options.exports.told(job);
    }
    return finished.length;
  }

  /**
   * Expires overdue warnings: the requester's conversation state goes (so "close my account" starts afresh), and in
   * Teams the card turns into "Expired" for everyone without anyone pressing it.
   */
  async expireWarnings(): Promise<number> {
    return this.options.workflow.expireOverdue(this.options.channel);
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

  /** Finishes stranded closures once and settles each ended request (told once, forgotten, card updated). */
  async reconcileClosures(): Promise<number> {
    return this.options.workflow.reconcile(this.options.channel);
  }

  private async tell(
    conversation: Record<string, unknown>,
    send: (context: TurnContext) => Promise<unknown>,
    itemId: string,
  ): Promise<boolean> {
    try {
      // A proactive turn does not pass through the bot's `run`: it is said in the language kept with the conversation.
      const { locale } = readerOf(conversation);
      await this.options.adapter.continueConversationAsync(this.options.botAppId, conversation, async (context) => {
        await inLanguageOf(locale, () => send(context));
      });
      return true;
    } catch (error) {
      // Still owed on the item: the next poll claims it again (bounded). Log for support.
      this.options.logger.error('proactive message could not be delivered; the next poll tries again', { itemId, error });
      return false;
    }
  }
}

function exportMessage(job: ExportJob, timeZone: string | undefined) {
  if (job.status === 'ready' && job.files && job.linkExpiresAt) {
    // Complete with an empty folder: said as it is, never a button that would download nothing.
    if (job.files.length === 0) return MessageFactory.text(Messages.exportNoFiles);
    return MessageFactory.attachment(
      renderCard('exportReady', {
        files: Messages.exportDownloads(job.files),
        expiresAt: formatTime(new Date(job.linkExpiresAt), timeZone),
      }),
      Messages.exportReady,
    );
  }
  return MessageFactory.text(Messages.exportFailedBefore(job.failureReason ?? 'unknown reason'));
}
