import type { BotConfig } from '../config/config';
import type { Services } from '../services/createServices';
import type { Logger } from '../services/logger';
import type { OpenStores } from '../adapters/storage/openStores';
import { STALE_TEMP_FILE_MS } from '../adapters/storage/atomicFile';
import { RETENTION_SWEEP_EVERY_MS } from '../services/openRecordIndex';
import { BackgroundWork, type BackgroundSchedule } from './backgroundWork';
import type { Bot } from './createBot';
import type { StateExpiry } from './storage/stateExpiry';

export type BackgroundSettings = Pick<BotConfig, 'directory' | 'export' | 'closure'>;

/** The background runner's jobs (expiry, reconcile, export polling, hand-off checks, sweeps), each on its schedule. */
export function createBackgroundJobs(
  settings: BackgroundSettings,
  deps: {
    readonly bot: Bot;
    readonly services: Services;
    readonly stores: OpenStores;
    readonly stateExpiry?: StateExpiry;
    readonly clock: () => Date;
    readonly logger: Logger;
  },
): BackgroundWork {
  const { bot, services, stores } = deps;
  const { closureRequests, exportJobs, handOffChecks } = services.records;
  return new BackgroundWork({
    adapter: bot.adapter,
    botAppId: bot.botAppId,
    closure: services.closure,
    workflow: services.workflow,
    channel: bot.channels.background(),
    ssoDedupe: bot.ssoDedupe,
    stateExpiry: deps.stateExpiry,
    retention: [closureRequests, exportJobs, handOffChecks],
    exports: services.exports,
    records: services.records,
    handOff: { checks: services.handOffChecks, turns: bot.handOffTurns },
    quarantine: services.quarantine,
    schedule: backgroundSchedule(settings),
    clock: deps.clock,
    logger: deps.logger.child('background'),
    ...(stores.sweepTempFiles ? { tempFiles: stores.sweepTempFiles } : {}),
  });
}

/** Each background job's schedule (README "Background work"); the runner never overlaps a job's passes. */
function backgroundSchedule(settings: BackgroundSettings): BackgroundSchedule {
  return {
    // The sandbox's exports finish in seconds (SANDBOX_EXPORT_DELAY_MS): polled at least every 2 s there.
    exportPollMs:
      settings.directory.kind === 'sandbox'
        ? Math.min(settings.export.pollIntervalSeconds * 1000, 2_000)
        : settings.export.pollIntervalSeconds * 1000,
    reconcileMs: settings.closure.reconcileIntervalSeconds * 1000,
    handOffCheckMs: settings.closure.handOffCheckIntervalSeconds * 1000,
    tempFilesMs: STALE_TEMP_FILE_MS,
    retentionMs: RETENTION_SWEEP_EVERY_MS,
  };
}
