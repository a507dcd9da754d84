import { MessageFactory, type CloudAdapter, type ConversationReference, type TurnContext } from 'botbuilder';
import { renderCard } from '../cards/renderCard';
import { readerOf } from '../conversation/address';
import { formatTime } from '../conversation/formatting';
import { Messages } from '../conversation/messages';
import { answerNothing } from './proactiveTurn';
import { inLanguageOf } from '../locales/i18n';
import { JobRunner, recordJob, sweepJob, type BackgroundJob, type JobHealth, type PassReport } from '../services/background/jobRunner';
import type { Quarantine } from '../services/background/quarantine';
import type { ClosureRequest } from '../services/closureRequest';
import type { ClosureService } from '../services/closureService';
import type { ClosureChannel } from '../services/closureChannel';
import type { ClosureWorkflow } from '../services/closureWorkflow';
import type { ExportJob, ExportService } from '../services/exportService';
import type { HandOffCheck, HandOffChecks } from '../services/handOff/handOffChecks';
import type { Logger } from '../services/logger';
import type { RecordStore } from '../services/recordStore';
import type { HandOffCheckTurns } from './handOffCheckTurns';

/** How often each job runs (its own schedule; README "Background work"). */
export interface BackgroundSchedule {
  readonly exportPollMs: number;
  /** Expiry, reconcile and the small sweeps (SSO marks, idle state). */
  readonly reconcileMs: number;
  readonly handOffCheckMs: number;
  /** Temp files a crash left (STORAGE=file). */
  readonly tempFilesMs: number;
  /** Finished records past CLOSED_RECORD_RETENTION_DAYS. */
  readonly retentionMs: number;
}

export interface BackgroundWorkOptions {
  readonly adapter: CloudAdapter;
  /** The bot's app id; empty without Bot Framework auth (sandbox, Emulator). */
  readonly botAppId: string;
  readonly closure: ClosureService;
  readonly workflow: ClosureWorkflow;
  /** The decision workflow's channel port for work outside any turn. */
  readonly channel: ClosureChannel;
  readonly exports: ExportService;
  /** The open closure requests, export jobs and hand-off checks (OpenRecordIndex walks, streamed). */
  readonly records: {
    readonly closureRequests: RecordStore<ClosureRequest>;
    readonly exportJobs: RecordStore<ExportJob>;
    readonly handOffChecks: RecordStore<HandOffCheck>;
  };
  readonly handOff: {
    readonly checks: HandOffChecks;
    readonly turns: HandOffCheckTurns;
  };
  readonly quarantine: Quarantine;
  readonly schedule: BackgroundSchedule;
  readonly clock: () => Date;
  readonly logger: Logger;
  /** The Teams SSO dedupe marks, dropped once no duplicate invoke can still come. */
  readonly ssoDedupe: { sweep(): Promise<number> };
  /** Deletes the conversation state of idle conversations (bot/storage/stateExpiry.ts); none for memory storage. */
  readonly stateExpiry?: { sweep(): Promise<number> };
  /** Record stores whose finished records expire (services/openRecordIndex.ts). */
  readonly retention?: ReadonlyArray<{ sweepClosed(): Promise<number> }>;
  /** Removes temp files a crash left (STORAGE=file); none for other storage. */
  readonly tempFiles?: () => Promise<number>;
}

/**
 * Work that happens outside a user's turn, all through one JobRunner (services/background): each job lists what is
 * due (streamed), claims each record by compare-and-swap, acts, delivers and marks it done, on its own schedule;
 * a record that cannot be read or keeps failing is set aside, never stopping the pass or another job.
 */
export class BackgroundWork {
  private readonly runner: JobRunner;

  constructor(private readonly options: BackgroundWorkOptions) {
    this.runner = new JobRunner({ jobs: this.jobs(), quarantine: options.quarantine, clock: options.clock, logger: options.logger });
  }

  /** Runs every job now and then on its schedule. */
  start(): void {
    this.runner.start();
  }

  stop(): void {
    this.runner.stop();
  }

  /** Resolves once no pass is running. */
  idle(): Promise<void> {
    return this.runner.idle();
  }

  /** Each job's passes and failures. */
  health(): JobHealth[] {
    return this.runner.health();
  }

  /** One pass of one job by name (`expiry`, `reconcile`, `exportPoll`, `handOffChecks`, or a sweep). */
  run(job: string): Promise<PassReport> {
    return this.runner.runOnce(job);
  }

  /**
   * Checks running exports once and tells each owner whose export finished; the message stays owed on the job
   * until a send went through, so a failed send is tried again by the next poll (ExportService.poll, bounded).
   */
  async pollExports(): Promise<number> {
    return (await this.run('exportPoll')).done;
  }

  /**
   * Expires overdue warnings: the requester's conversation state goes (so "close my account" starts afresh), and in
   * Teams the card turns into "Expired" for everyone without anyone pressing it.
   */
  async expireWarnings(): Promise<number> {
    return (await this.run('expiry')).done;
  }

  /** Finishes stranded closures once and settles each ended request (told once, forgotten, card updated). */
  async reconcileClosures(): Promise<number> {
    return (await this.run('reconcile')).done;
  }

  /** Checks due hand-offs (and tells again a final answer that did not go out). */
  async checkHandOffs(): Promise<number> {
    return (await this.run('handOffChecks')).done;
  }

  private jobs(): BackgroundJob[] {
    const { closure, workflow, channel, exports, records, handOff, schedule } = this.options;
    const continueConversation = (reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>) =>
      this.options.adapter.continueConversationAsync(this.options.botAppId, reference, logic);
    const jobs: BackgroundJob[] = [
      recordJob<ClosureRequest>({
        name: 'expiry',
        everyMs: schedule.reconcileMs,
        kind: 'closureRequests',
        records: records.closureRequests,
        isDue: (request, now) => request.status === 'pending' && Date.parse(request.expiresAt) <= now.getTime(),
        handle: (id) => workflow.expire(id, channel),
      }),
      recordJob<ClosureRequest>({
        name: 'reconcile',
        everyMs: schedule.reconcileMs,
        kind: 'closureRequests',
        records: records.closureRequests,
        isDue: (request) => closure.needsReconcile(request),
        handle: (_id, record) => workflow.reconcileOne(record, channel),
      }),
      recordJob<ExportJob>({
        name: 'exportPoll',
        everyMs: schedule.exportPollMs,
        kind: 'exportJobs',
        records: records.exportJobs,
        // Running jobs are asked about; a finished one whose message is still owed (a failed send) is told again.
        isDue: (job) => job.status === 'running' || job.tell?.owed === true,
        handle: async (id, record) => {
          const finished = await exports.pollOne(id, record);
          if (!finished) return false;
          if (await this.tell(finished)) await exports.told(finished);
          else await exports.sendFailed(finished);
          return true;
        },
      }),
      recordJob<HandOffCheck>({
        name: 'handOffChecks',
        everyMs: schedule.handOffCheckMs,
        kind: 'handOffChecks',
        records: records.handOffChecks,
        isDue: (check) => handOff.checks.isDue(check),
        handle: async (_id, record) => {
          try {
            return await handOff.turns.checkOne(record.value, continueConversation);
          } catch (error) {
            // An ended check whose final answer did not go out is counted toward giving it up (MAX_VERDICT_SENDS).
            await handOff.checks.tellFailed(record.value.requestId);
            throw error;
          }
        },
      }),
      sweepJob({ name: 'ssoMarks', everyMs: schedule.reconcileMs, sweep: () => this.options.ssoDedupe.sweep() }),
      sweepJob({
        name: 'retention',
        everyMs: schedule.retentionMs,
        sweep: async () => {
          let removed = 0;
          for (const store of this.options.retention ?? []) removed += await store.sweepClosed();
          return removed;
        },
      }),
    ];
    const { stateExpiry, tempFiles } = this.options;
    if (stateExpiry) jobs.push(sweepJob({ name: 'idleState', everyMs: schedule.reconcileMs, sweep: () => stateExpiry.sweep() }));
    if (tempFiles) jobs.push(sweepJob({ name: 'tempFiles', everyMs: schedule.tempFilesMs, sweep: tempFiles }));
    return jobs;
  }

  /**
   * Tells an export's owner it finished; whether the send went through. The job is claimed for this send: a failed
   * one stays owed on the job, and a later pass claims it again (bounded: ExportService gives it up and audits it).
   */
  private async tell(job: ExportJob): Promise<boolean> {
    try {
      // A proactive turn does not pass through the bot's `run`: it is said in the language kept with the conversation.
      const { locale, timeZone } = readerOf(job.conversation);
      await this.options.adapter.continueConversationAsync(this.options.botAppId, job.conversation, async (context) => {
        answerNothing(context);
        await inLanguageOf(locale, () => context.sendActivity(exportMessage(job, timeZone)), context.activity.channelId);
      });
      return true;
    } catch (error) {
      // Still owed on the job: a later pass claims it again (bounded). Logged for support.
      this.options.logger.error('proactive message could not be delivered; a later pass tries again', { itemId: job.exportId, error });
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
  return MessageFactory.text(Messages.exportFailedBefore);
}
