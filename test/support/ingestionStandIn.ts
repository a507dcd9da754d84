import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** One Application Insights envelope as the SDK sends it (only the fields tests read are typed). */
export interface Envelope {
  readonly name?: string;
  readonly data?: { readonly baseType?: string; readonly baseData?: { readonly name?: string } & Record<string, unknown> };
}

export interface IngestionStandIn {
  /** The connection string's `IngestionEndpoint`. */
  readonly url: string;
  readonly envelopes: Envelope[];
  /** A connection string pointing the SDK here. */
  readonly connectionString: string;
  /** Resolves once an envelope whose baseData.name is `name` arrived (at index `since` or later), or rejects after `timeoutMs`. */
  waitForEvent(name: string, timeoutMs?: number, since?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Application Insights' ingestion endpoint on loopback (`POST {IngestionEndpoint}/v2.1/track` or `/v2/track`):
 * records every envelope that arrives, gzip or plain, JSON array or newline-delimited, and answers as the service
 * does (https://learn.microsoft.com/azure/azure-monitor/app/api-custom-events-metrics#track-http: itemsReceived,
 * itemsAccepted, errors).
 */
export async function startIngestionStandIn(): Promise<IngestionStandIn> {
  const envelopes: Envelope[] = [];
  const arrivals: Array<() => void> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
      const received = text.trim().startsWith('[')
        ? (JSON.parse(text) as Envelope[])
        : text
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as Envelope);
      envelopes.push(...received);
      for (const arrival of arrivals.splice(0)) arrival();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ itemsReceived: received.length, itemsAccepted: received.length, errors: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const has = (name: string, since: number) => envelopes.slice(since).some((envelope) => envelope.data?.baseData?.name === name);
  return {
    url,
    envelopes,
    connectionString: `InstrumentationKey=00000000-0000-4000-8000-000000000000;IngestionEndpoint=${url}`,
    async waitForEvent(name, timeoutMs = 30_000, since = 0) {
      const deadline = Date.now() + timeoutMs;
      while (!has(name, since)) {
        const left = deadline - Date.now();
        if (left <= 0) {
          const seen = [...new Set(envelopes.map((envelope) => envelope.data?.baseData?.name ?? envelope.name))];
          throw new Error(`no "${name}" event within ${timeoutMs} ms; events seen: ${seen.join(', ') || 'none'}`);
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          arrivals.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
