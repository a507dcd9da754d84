/**
 * The framework floor for `npm run bench`: a CloudAdapter bot that echoes the text, built from the same
 * node_modules and served by the same `server/createServer` (restify, body parser, limits, validation) as the
 * real bot. Anonymous (no app id), like the bot in sandbox mode. Whatever the real bot's welcome turn costs beyond
 * this is the bot's own.
 */
import { type Activity, ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { createServer, DEFAULT_MAX_BODY_BYTES } from '../server/createServer';
import { startServer } from '../server/lifecycle';
import { silentLogger } from '../services/logger';
import { answerProbes, READY_PREFIX } from './serverProbe';

class EchoBot extends ActivityHandler {
  constructor() {
    super();
    this.onMessage(async (context, next) => {
      await context.sendActivity(`Echo: ${context.activity.text ?? ''}`);
      await next();
    });
  }
}

async function main(): Promise<void> {
  const authentication = new ConfigurationBotFrameworkAuthentication({});
  const adapter = new CloudAdapter(authentication);
  const server = createServer({
    adapter,
    bot: new EchoBot(),
    logger: silentLogger,
    maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
    // The same inbound check the bot's server runs (no app id: it lets every activity through, as for the bot).
    authenticate: (activity, authHeader) => authentication.authenticateRequest(activity as Activity, authHeader),
  });
  const listening = await startServer(server, { port: 0, host: '127.0.0.1', graceMs: 1_000, logger: silentLogger });
  answerProbes();
  process.stdout.write(`${READY_PREFIX}${listening.url}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`echo bot failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
