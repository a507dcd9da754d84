import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  /** Status the upstream answered, or undefined if it never did. */
  upstreamStatus?: number;
}

export interface LossyProxy {
  /** Stand-in for the upstream base URL with the same path, e.g. `${url}/graph`. */
  readonly url: string;
  readonly requests: ProxiedRequest[];
  /** The next `times` matching requests reach upstream, which acts on them, but the client's connection is then destroyed. */
  loseAnswers(rule: { method: string; path: RegExp; times?: number }): void;
  stop(): Promise<void>;
}

/**
 * A forwarding proxy on 127.0.0.1:0 that can lose answers: the case the sandbox's own `reset` fault (which drops
 * the request before it is handled) cannot show, where the directory deleted the user and the bot never heard.
 */
export async function startLossyProxy(upstream: string): Promise<LossyProxy> {
  const target = new URL(upstream);
  const requests: ProxiedRequest[] = [];
  const rules: Array<{ method: string; path: RegExp; remaining: number }> = [];
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    const recorded: ProxiedRequest = { method: req.method ?? '', path: path.split('?')[0] ?? '', headers: req.headers };
    requests.push(recorded);
    const rule = rules.find((r) => r.remaining > 0 && r.method === req.method && r.path.test(recorded.path));
    if (rule) rule.remaining -= 1;
    const forwarded = http.request(
      { host: target.hostname, port: target.port, method: req.method, path, headers: { ...req.headers, host: target.host } },
      (upstreamRes) => {
        recorded.upstreamStatus = upstreamRes.statusCode;
        if (rule) {
          upstreamRes.resume();
          upstreamRes.on('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    forwarded.on('error', () => req.socket.destroy());
    req.pipe(forwarded);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    loseAnswers: ({ method, path, times = 1 }) => void rules.push({ method, path, remaining: times }),
    stop: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
