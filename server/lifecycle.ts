import { portInUse } from '../services/errors';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Server } from 'restify';
import type { Logger } from '../services/logger';

export interface ListeningServer {
  readonly url: string;
  /**
   * Stops accepting at once, lets the requests already in (each carrying a turn) and `alsoWaitFor` finish
   * within the grace period, then closes the remaining keep-alive sockets.
   */
  stop(alsoWaitFor?: () => Promise<unknown>): Promise<void>;
}

export interface ListenOptions {
  readonly port: number;
  readonly host: string;
  /** Longest a stop waits for work in flight. */
  readonly graceMs: number;
  readonly logger: Logger;
}

/** Starts listening; resolves with the bound address and a graceful `stop`. */
export async function startServer(server: Server, options: ListenOptions): Promise<ListeningServer> {
  // restify serves plain HTTP here (no TLS or SPDY options), so its server is node's http.Server.
  const httpServer = server.server as HttpServer;
  const inFlight = trackRequests(httpServer);
  const sockets = trackSockets(httpServer);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: unknown) => reject(portInUse(error, options.port, options.host, 'PORT')));
    server.listen(options.port, options.host, () => resolve());
  });
  const shownHost = options.host === '0.0.0.0' ? 'localhost' : options.host;
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${server.address().port}`,
    stop(alsoWaitFor) {
      stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => {
          server.close(() => resolve());
        });
        const drained = await withinGrace(Promise.all([inFlight.idle().then(() => alsoWaitFor?.())]), options.graceMs);
        if (!drained) options.logger.warn('stopping with work still in flight', { requests: inFlight.count(), graceMs: options.graceMs });
        // Keep-alive sockets would hold close() open until they time out; a socket node handed to an `upgrade`
        // listener is no longer node's to close, so every socket ever accepted is destroyed too.
        httpServer.closeAllConnections();
        sockets.destroyAll();
        await closed;
      })();
      return stopping;
    },
  };
}

/** Counts requests not yet answered, so a shutdown waits for the turns they carry, not just for sockets. */
function trackRequests(server: HttpServer): { count(): number; idle(): Promise<void> } {
  let active = 0;
  const waiters: Array<() => void> = [];
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    active += 1;
    res.once('close', () => {
      active -= 1;
      if (active === 0) for (const wake of waiters.splice(0)) wake();
    });
  });
  return {
    count: () => active,
    idle: () => (active === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
  };
}

/** Every socket the server accepted and that is still open, upgraded ones included. */
function trackSockets(server: HttpServer): { destroyAll(): void } {
  const open = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  return { destroyAll: () => open.forEach((socket) => socket.destroy()) };
}

/** True when `work` ended within `graceMs`, false when the grace ran out first. */
async function withinGrace(work: Promise<unknown>, graceMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)));
  try {
    return await Promise.race([work.then(() => true as const), grace]);
  } finally {
    clearTimeout(timer);
  }
}
