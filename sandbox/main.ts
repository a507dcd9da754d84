/**
 * The standalone sandbox, `npm run sandbox`: one sandbox that several bot processes share (each started with
 * `SANDBOX_URL` set to the URL printed here). Settings: SANDBOX_PORT, SANDBOX_DATA_DIR, SANDBOX_SEED,
 * SANDBOX_EXPORT_DELAY_MS, LOG_LEVEL. `--enable-faults` adds `/_sandbox/faults` for crash tests; never on by default.
 */
import { SandboxError } from './errors';
import { loadSeedFile, startSandbox } from './index';
import { createLogger, jsonLineSink } from './logger';
import { sandboxControlRoutes } from './remote';
import { readEnvironment, readSandboxSettings, type SandboxSettings } from './settings';

const ENABLE_FAULTS_FLAG = '--enable-faults';
/** Stop waiting for hung fault requests and keep-alive clients after this long. */
const STOP_GRACE_MS = 5_000;

async function main(argv: readonly string[]): Promise<void> {
  const unknown = argv.filter((arg) => arg !== ENABLE_FAULTS_FLAG);
  if (unknown.length > 0)
    throw new SandboxError('CONFIG_INVALID', `unknown argument "${unknown[0]}"; the only flag is ${ENABLE_FAULTS_FLAG}`);
  const enableFaults = argv.includes(ENABLE_FAULTS_FLAG);
  const settings: SandboxSettings = readSandboxSettings(readEnvironment());
  const logger = createLogger('standalone', jsonLineSink, settings.logLevel);
  const seed = settings.seedPath ? await loadSeedFile(settings.seedPath) : undefined;
  const sandbox = await startSandbox({
    port: settings.port,
    dataDir: settings.dataDir,
    seed,
    exportDelayMs: settings.exportDelayMs,
    logger,
    extraRoutes: (self) => sandboxControlRoutes({ sandbox: self, enableFaults, logger: logger.child('control') }),
  });
  if (enableFaults)
    logger.warn(`fault injection is on: anyone on this machine can break "${sandbox.url}" on purpose (${ENABLE_FAULTS_FLAG})`);
  process.stdout.write(`Sandbox listening at ${sandbox.url}\nStart each bot with SANDBOX_URL=${sandbox.url}\n`);

  const shutdown = (signal: string) => {
    logger.info(`${signal}: stopping`);
    const forced = setTimeout(() => process.exit(1), STOP_GRACE_MS).unref();
    sandbox.stop().then(
      () => {
        clearTimeout(forced);
        process.exit(0);
      },
      (error: unknown) => {
        logger.error('the sandbox did not stop cleanly', { error });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`The sandbox failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
