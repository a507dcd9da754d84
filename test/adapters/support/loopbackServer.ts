import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type Logger, type LogRecord } from '../../../services/logger';

/** What the scripted server does with one request. */
export type ScriptedAnswer =
  | { readonly status: number; readonly headers?: Record<string, string>; readonly body?: unknown }
  | 'reset'
  | 'hang'
  /** Sends the status line and headers, then never the body. */
  | 'stallBody'
  /** Reads the request, then destroys the socket: the server acted, the client never hears. */
  | { readonly resetAfter: (req: RecordedRequest) => void };

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export interface ScriptedServer {
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  /** Answers for the next requests, in order; when they run out, `fallback` answers. */
  script(...answers: ScriptedAnswer[]): void;
  stop(): Promise<void>;
}

/**
 * A real HTTP server on 127.0.0.1:0 that answers from a script. `fallback` answers anything unscripted, so a
 * test can route by path as well.
 */
export async function startScriptedServer(fallback?: (req: RecordedRequest) => ScriptedAnswer): Promise<ScriptedServer> {
  const queue: ScriptedAnswer[] = [];
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      const answer = queue.shift() ??
        fallback?.(recorded) ?? { status: 500, body: { error: { code: 'Unscripted', message: 'no answer scripted' } } };
      if (answer === 'hang') return;
      if (answer === 'stallBody') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        return void res.write('{');
      }
      if (answer === 'reset') return req.socket.destroy();
      if ('resetAfter' in answer) {
        answer.resetAfter(recorded);
        return req.socket.destroy();
      }
      const body = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      const headers = { ...(typeof answer.body === 'object' ? { 'content-type': 'application/json' } : {}), ...answer.headers };
      // Two calls, not a chain: restify (loaded by other suites) patches ServerResponse.writeHead to return nothing.
      res.writeHead(answer.status, headers);
      res.end(body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    script: (...answers) => queue.push(...answers),
    stop: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** A logger that keeps every record (debug and up), after the logger's own field redaction. */
export function createRecordingLogger(): { logger: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  return { logger: createLogger('test', (record) => records.push(record), 'debug'), records };
}

/** A `sleep` that returns at once and remembers what it was asked to wait. */
export function createRecordingSleep(): { sleep: (ms: number) => Promise<void>; waits: number[] } {
  const waits: number[] = [];
  return { sleep: async (ms) => void waits.push(ms), waits };
}
