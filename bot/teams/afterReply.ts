import type { TurnContext } from 'botbuilder';
import type { Logger } from '../../services/logger';

const QUEUE_KEY = Symbol('teamsAfterReply');

interface QueuedWork {
  readonly name: string;
  readonly work: () => Promise<void>;
}

/**
 * Work that must not delay an invoke's answer. Teams waits only a few seconds for an `adaptiveCard/action`
 * response (https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/universal-actions-for-adaptive-cards/user-specific-views),
 * and CloudAdapter writes the HTTP answer only when the turn has ended; so closing an account is queued during
 * the turn and started once the turn's state is saved, in a turn of its own.
 */
export class TeamsAfterReply {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly logger: Logger) {}

  /** Queues `work` to start when this turn has ended (see `start`). */
  later(context: TurnContext, name: string, work: () => Promise<void>): void {
    const queue = context.turnState.get<QueuedWork[] | undefined>(QUEUE_KEY) ?? [];
    queue.push({ name, work });
    context.turnState.set(QUEUE_KEY, queue);
  }

  /** Starts the turn's queued work without waiting for it; its failures are logged, never thrown into the turn. */
  start(context: TurnContext): void {
    const queue = context.turnState.get<QueuedWork[] | undefined>(QUEUE_KEY) ?? [];
    context.turnState.delete(QUEUE_KEY);
    for (const { name, work } of queue) {
      const running: Promise<void> = work().catch((error: unknown) => {
        this.logger.error('work after the reply failed', { work: name, error });
      });
      this.running.add(running);
      void running.finally(() => this.running.delete(running));
    }
  }

  /** Resolves once all started work has finished (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
