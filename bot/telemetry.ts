import type { BotTelemetryClient } from 'botbuilder';
import { redactUrl } from '../services/http/httpError';

/** What the composition root needs: the SDK's telemetry client, and a flush for shutdown. */
export interface BotTelemetry {
  readonly client: BotTelemetryClient;
  flush(): void;
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
  return { client: telemetry, flush: () => telemetry.flush() };
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
