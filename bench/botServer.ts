/**
 * The real bot as `npm run bench` runs it: `startBot` with settings from the environment (the orchestrator sets
 * SANDBOX_URL to the sandbox it started with `npm run sandbox`, STORAGE, DATA_DIR), in a process of its own that
 * answers CPU and memory probes. The background timers are off so the figures are the turns' alone.
 */
import { loadConfig } from '../config/config';
import { readEnvironment } from '../config/environment';
import { startBot } from '../index';
import { jsonLineSink } from '../services/logger';
import { answerProbes, READY_PREFIX } from './serverProbe';

async function main(): Promise<void> {
  const config = loadConfig(readEnvironment());
  const bot = await startBot(config, {
    timers: false,
    host: '127.0.0.1',
    logSink: (record) => {
      // Errors only, on stderr: the orchestrator counts and shows them.
      if (record.level === 'error') jsonLineSink(record);
    },
  });
  answerProbes();
  process.stdout.write(`${READY_PREFIX}${bot.url}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench bot failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
