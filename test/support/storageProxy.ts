import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AZURITE_ACCOUNT, AZURITE_KEY } from './azurite';

/**
 * What the proxy answers instead of Azurite, or undefined to pass the request through. `drop` closes the connection at
 * once; `hang` answers nothing and closes the connection when the fault is changed or cleared (a partition that ends).
 */
export type StorageFault = (req: IncomingMessage) => { status: number; code?: string; body?: string } | 'drop' | 'hang' | undefined;

export interface StorageProxy {
  readonly blobEndpoint: string;
  readonly connectionString: string;
  /** Requests seen, as `METHOD path?query`, for assertions on what reached the store. */
  readonly seen: string[];
  /** Sets (or clears) the fault applied to every request from now on. */
  fault(fault: StorageFault | undefined): void;
  stop(): Promise<void>;
}

/**
 * A loopback proxy in front of Azurite that can answer like Azure does when it refuses (a status, the
 * `x-ms-error-code` header and the XML error body of https://learn.microsoft.com/rest/api/storageservices/status-and-error-codes2),
 * or drop the connection as an outage does, and pass everything else through unchanged (Shared Key signatures do not
 * cover the host, so they stay valid).
 */
export async function startStorageProxy(azuriteBlobEndpoint: string): Promise<StorageProxy> {
  const target = new URL(azuriteBlobEndpoint);
  let current: StorageFault | undefined;
  const seen: string[] = [];
  const hung = new Set<IncomingMessage>();
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const refusal = current?.(req);
    if (refusal === 'drop') {
      req.socket.destroy();
      return;
    }
    if (refusal === 'hang') {
      req.resume();
      hung.add(req);
      return;
    }
    if (refusal) {
      req.resume();
      const body =
        refusal.body ??
        `<?xml version="1.0" encoding="utf-8"?><Error><Code>${refusal.code ?? 'InternalError'}</Code><Message>refused by the test proxy\nRequestId:00000000-0000-0000-0000-000000000000\nTime:${new Date().toISOString()}</Message></Error>`;
      res.writeHead(refusal.status, {
        'content-type': 'application/xml',
        ...(refusal.code ? { 'x-ms-error-code': refusal.code } : {}),
        'x-ms-request-id': '00000000-0000-0000-0000-000000000000',
      });
      res.end(body);
      return;
    }
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  const blobEndpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  return {
    blobEndpoint,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${blobEndpoint};`,
    seen,
    fault: (fault) => {
      current = fault;
      for (const req of hung) req.socket.destroy();
      hung.clear();
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Azure's own answer to the 50,001st append: https://learn.microsoft.com/rest/api/storageservices/blob-service-error-codes */
export const BLOCK_COUNT_EXCEEDED = {
  status: 409,
  code: 'BlockCountExceedsLimit',
  body:
    '<?xml version="1.0" encoding="utf-8"?><Error><Code>BlockCountExceedsLimit</Code>' +
    '<Message>The committed block count cannot exceed the maximum limit of 50,000 blocks.\nRequestId:00000000-0000-0000-0000-000000000000\nTime:2026-12-07T12:00:00.0000000Z</Message></Error>',
} as const;
