import type { BotTelemetryClient } from 'botbuilder';
import { redactUrl } from '../services/logger';

/** A flush at shutdown waits at most this long for the ingestion endpoint. */
const FLUSH_TIMEOUT_MS = 5_000;

/** What the composition root needs: the SDK's telemetry client, and a flush for shutdown. */
export interface BotTelemetry {
  readonly client: BotTelemetryClient;
  /** Sends what is buffered; resolves once it was sent, refused, or FLUSH_TIMEOUT_MS passed. */
  flush(): Promise<void>;
}

interface Envelope {
  data?: { baseType?: string; baseData?: Record<string, unknown> };
}

/**
 * Application Insights for the bot: the SDK's client, whose auto-collection records every outside call. Those
 * URLs can carry personal data (the user-realm lookup has the address in its path; SAS links carry signatures),
 * so a processor cuts every dependency and request URL down to what `redactUrl` keeps. Loaded only when a
 * connection string is configured, because the package patches async context tracking when imported.
 */
export async function createBotTelemetry(connectionString: string): Promise<BotTelemetry> {
  const { ApplicationInsightsTelemetryClient } = await import('botbuilder-applicationinsights');
  const telemetry = new ApplicationInsightsTelemetryClient(connectionString);
  telemetry.defaultClient.addTelemetryProcessor((envelope: Envelope) => {
    redactTelemetryUrls(envelope);
    return true;
  });
  // The SDK sends its buffer every 15 s (applicationinsights 2.x Config.maxBatchIntervalMs); a process that exits
  // right after a fire-and-forget flush (SIGTERM: App Service restarts and scale-ins) loses the last batch. Its
  // flush callback is called when the send ends, well or not (Channel.triggerSend, Sender.send).
  const flush = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, FLUSH_TIMEOUT_MS);
      telemetry.defaultClient.flush({
        callback: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  return { client: telemetry, flush };
}

/** Exported for tests: strips query strings and address-like path segments from URL fields. */
export function redactTelemetryUrls(envelope: Envelope): void {
  const base = envelope.data?.baseData;
  if (!base) return;
  for (const field of ['data', 'url', 'target', 'name']) {
    const value = base[field];
    if (typeof value !== 'string') continue;
    const match = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (.+)$/.exec(value);
    const method = match?.[1];
    const rest = match?.[2] ?? value;
    const redacted = /^https?:\/\//i.test(rest) ? redactUrl(rest) : rest.split('?')[0].replace(/[^/]*(@|%40)[^/]*/gi, '{redacted}');
    base[field] = method ? `${method} ${redacted}` : redacted;
  }
}
