/**
 * The composition root, a table of contents: settings -> stand-ins -> stores -> adapters -> services -> dialogs -> bot
 * -> server -> timers, each one call into the room that builds it with its slice of the settings. The only file that
 * reads the environment (through config/) and picks the sandbox or Azure.
 */
import * as dotenv from 'dotenv';
import { createBackgroundJobs } from './bot/backgroundJobs';
import type { BackgroundWork } from './bot/backgroundWork';
import { createBot } from './bot/createBot';
import { createBotState } from './bot/storage/botState';
import { ConfigError, loadConfig, summarizeConfig, type BotConfig } from './config/config';
import { connectSandbox, loadSeedFile, startSandbox, type Sandbox, type SandboxConnection } from '@account-closure-bot/sandbox';
import { createDialogs } from './dialogs/createDialogs';
import { startBotServer } from './server/startBotServer';
import { loopbackSiteOf } from './server/webchatRoutes';
import { createAdapters } from './adapters/createAdapters';
import { createServices } from './services/createServices';
import { managedIdentity } from './adapters/credentials/managedIdentity';
import { createLogger, jsonLineSink, type Logger, type LogRecord } from './services/logger';
import { openStores } from './adapters/storage/openStores';

export interface RunningBot {
  readonly url: string;
  /** The embedded sandbox; undefined with SANDBOX_URL (a shared one) or DIRECTORY=graph. */
  readonly sandbox?: Sandbox;
  readonly background: BackgroundWork;
  /** The hand-off checks' background pass (the timer runs it every HANDOFF_CHECK_INTERVAL_SECONDS); returns how many were checked. */
  checkHandOffs(): Promise<number>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Where log records go; default JSON lines on stderr. */
  readonly logSink?: (record: LogRecord) => void;
  /** Host to listen on; default the HOST setting. */
  readonly host?: string;
  /** Start the export poller and reconciler timers; tests drive `background` themselves. */
  readonly timers?: boolean;
}

export async function startBot(config: BotConfig, options: StartOptions = {}): Promise<RunningBot> {
  const logger = createLogger('bot', options.logSink ?? jsonLineSink, config.logLevel);
  logger.info('starting', summarizeConfig(config));
  const root = { clock: () => new Date(), logger, credential: managedIdentity(config) };
  const sandbox =
    config.directory.kind === 'sandbox' && !config.sandbox.url ? await startEmbeddedSandbox(config.sandbox, logger) : undefined;
  const standIn: SandboxConnection | undefined =
    sandbox ?? (config.sandbox.url ? await connectSandbox(config.sandbox.url, { logger: logger.child('sandbox') }) : undefined);

  const stores = await openStores(config.storage, root);
  const botState = createBotState(config, { ...root, container: stores.container });
  const adapters = createAdapters(config, standIn, root);
  // `bot` is built below; its closure channels are used only in turns and background passes, after start-up.
  const services = await createServices(config, { ...root, stores, adapters, channels: () => bot.channels });
  const dialog = createDialogs(config, { ...root, services, adapters, stores, botState, channels: () => bot.channels });
  const bot = await createBot(config, { ...root, botState, dialog, services, stores, adapters, tokenServiceUrl: standIn?.tokenServiceUrl });
  const background = createBackgroundJobs(config, { ...root, bot, services, stores, stateExpiry: botState.expiry });
  const server = { ...root, ...bot, storageProbe: stores.probe, webChatTokens: adapters.webChatTokens, host: options.host };
  const listening = await startBotServer(config, server);
  logger.info('listening', { url: `${listening.url}/api/messages`, sandbox: standIn?.url });
  // The sandbox's Direct Line forwards web chat activities here; loopback, since it runs on this machine.
  await standIn?.attachBot(`${listening.url.replace('//localhost:', '//127.0.0.1:')}/api/messages`);

  if (options.timers !== false) background.start();
  let stopping: Promise<void> | undefined;
  return {
    url: listening.url,
    sandbox,
    background,
    checkHandOffs: () => background.checkHandOffs(),
    stop() {
      stopping ??= (async () => {
        background.stop();
        // A Teams press answered before its closing ran starts that work when its request ends: wait for it too.
        await listening.stop(() => Promise.all([bot.bot.idle(), background.idle()]));
        await standIn?.stop();
        await bot.telemetry?.flush();
        logger.info('stopped');
      })();
      return stopping;
    },
  };
}

/** The stand-ins of Microsoft's services, embedded in this process (the default without SANDBOX_URL). */
async function startEmbeddedSandbox(settings: BotConfig['sandbox'], logger: Logger): Promise<Sandbox> {
  const seed = settings.seedPath ? await loadSeedFile(settings.seedPath) : undefined;
  return startSandbox({ port: settings.port, dataDir: settings.dataDir, seed, exportDelayMs: settings.exportDelayMs, logger });
}

async function main(): Promise<void> {
  dotenv.config({ quiet: true });
  let config: BotConfig;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\nSee .env.example for every setting.\n`);
    process.exit(1);
  }
  const running = await startBot(config);
  // The web chat on the sandbox's host name: the page and the sandbox's Direct Line must be one site (server/webchatRoutes.ts).
  const webChat = (running.sandbox && loopbackSiteOf(running.sandbox.url, new URL(running.url).host, '/')) ?? `${running.url}/`;
  process.stdout.write(
    `Account Closure Bot: connect the Bot Framework Emulator to ${running.url}/api/messages` +
      (running.sandbox ? ` (sandbox at ${running.sandbox.url})` : '') +
      `; web chat at ${webChat}\n`,
  );
  const shutdown = (signal: string) => {
    process.stdout.write(`${signal}: finishing turns in flight, then stopping.\n`);
    running.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

/**
 * Runs the bot as a program: `npm start` runs this file itself; the built start (dist/index.js) calls this, and
 * keeps its code cache only from a start that got this far (resolved once the bot listens).
 */
export function run(): Promise<void> {
  return main().catch((error: unknown) => {
    process.stderr.write(`Account Closure Bot failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}

if (require.main === module) void run();
