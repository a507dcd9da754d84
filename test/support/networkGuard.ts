import dns from 'node:dns';
import net from 'node:net';
import { promisify } from 'node:util';

/**
 * No test reaches the internet (issue 23): loaded by .mocharc.json before any test file, this refuses every
 * outbound TCP connection of the test process that is not to loopback, and fails the test that made it. Unix
 * sockets and named pipes pass, and so does everything a child process does (bot, sandbox and Azurite processes
 * talk to loopback on their own; only this process is patched). A name other than `localhost` (RFC 6761: it and
 * `*.localhost` are loopback) is refused before any DNS query goes out.
 *
 * The connection is refused the way an unreachable network is (an ENETUNREACH error on the socket), because code
 * under test may catch that error and carry on; the record of it is what fails the test, in the root hooks below.
 */

const refused: string[] = [];

/** Whether `host` (an address or a name) is this machine's loopback. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  // A connection to the unspecified address reaches this machine (a server's `address()` when it listens on all).
  if (bare === '0.0.0.0' || bare === '::') return true;
  const mapped = bare.startsWith('::ffff:') ? bare.slice('::ffff:'.length) : bare;
  if (net.isIPv4(mapped)) return mapped.startsWith('127.');
  if (net.isIPv6(bare)) return bare === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(bare);
  return false;
}

/** Takes the refused connections recorded so far (the guard's own test expects some, and clears them). */
export function takeRefused(): string[] {
  return refused.splice(0);
}

interface ConnectTarget {
  readonly host?: string;
  readonly port?: unknown;
  readonly path?: string | null;
}

/** The target of a `Socket#connect` call, in each form node accepts (net.js `normalizeArgs`). */
function targetOf(args: unknown[]): ConnectTarget | undefined {
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  if (first !== null && typeof first === 'object') return first;
  if (typeof first === 'string' && !/^\d+$/.test(first)) return { path: first };
  if (typeof first === 'number' || typeof first === 'string')
    return { port: first, host: typeof args[1] === 'string' ? args[1] : undefined };
  return undefined;
}

// Read as a plain function: it is only ever applied to the socket being connected.
const originalConnect = Object.getOwnPropertyDescriptor(net.Socket.prototype, 'connect')?.value as (...args: unknown[]) => net.Socket;
net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]): net.Socket {
  const target = targetOf(args);
  // No host means localhost (net.connect's default); a path is a unix socket or a named pipe (node's test: `!!path`;
  // node:http passes `path: null`).
  if (target && !target.path && !isLoopback(target.host ?? 'localhost')) {
    const where = `${target.host}:${String(target.port)}`;
    refused.push(where);
    const error = Object.assign(new Error(`the network guard refused a connection to ${where}: tests stay on loopback`), {
      code: 'ENETUNREACH',
    });
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return originalConnect.apply(this, args);
};

// Names looked up directly (not through a connect) are refused too: a query for a public name leaves the machine.
const originalLookup = dns.lookup;
const guardedLookup = function (hostname: string, ...rest: unknown[]): void {
  const callback = rest[rest.length - 1] as (error: Error | null) => void;
  if (hostname && !isLoopback(hostname) && net.isIP(hostname) === 0) {
    refused.push(`lookup ${hostname}`);
    const error = Object.assign(new Error(`the network guard refused to look up "${hostname}": tests stay on loopback`), {
      code: 'ENOTFOUND',
    });
    process.nextTick(() => callback(error));
    return;
  }
  (originalLookup as (...a: unknown[]) => void).call(dns, hostname, ...rest);
};
const originalPromisesLookup = dns.promises.lookup;
dns.promises.lookup = async function (hostname: string, ...rest: unknown[]) {
  if (hostname && !isLoopback(hostname) && net.isIP(hostname) === 0) {
    refused.push(`lookup ${hostname}`);
    throw Object.assign(new Error(`the network guard refused to look up "${hostname}": tests stay on loopback`), { code: 'ENOTFOUND' });
  }
  return (originalPromisesLookup as (...a: unknown[]) => Promise<unknown>).call(dns.promises, hostname, ...rest);
} as typeof dns.promises.lookup;
// `promisify(dns.lookup)` resolves `{ address, family }` through this symbol on the original; kept for the guarded one.
Object.defineProperty(guardedLookup, promisify.custom, {
  value: (hostname: string, options?: dns.LookupOptions) => dns.promises.lookup(hostname, options ?? {}),
});
dns.lookup = guardedLookup as typeof dns.lookup;

function failOnRefused(where: string): void {
  const seen = takeRefused();
  if (seen.length > 0) throw new Error(`${where} tried to leave loopback: ${[...new Set(seen)].join(', ')}`);
}

/** Mocha's root hooks (a `--require`d file that exports `mochaHooks`): every test, then the run as a whole. */
export const mochaHooks = {
  afterEach(this: Mocha.Context): void {
    failOnRefused(`"${this.currentTest?.fullTitle() ?? 'a test'}"`);
  },
  afterAll(): void {
    failOnRefused('a hook');
  },
};
