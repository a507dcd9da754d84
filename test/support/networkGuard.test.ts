import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import dns from 'node:dns';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { isLoopback, takeRefused } from './networkGuard';

/** A loopback HTTP server that answers "ok"; `host` is where it listens. */
async function startServer(host: string): Promise<{ port: number; stop(): Promise<void> }> {
  const server = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Connects a raw socket; resolves with the error code, or "connected". */
function tryConnect(options: net.NetConnectOpts): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(options, () => {
      socket.destroy();
      resolve('connected');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe('the network guard every test runs under', () => {
  afterEach(() => takeRefused());

  describe('what it refuses', () => {
    it('refuses a connection to a public address, and records it so the test fails', async () => {
      assert.equal(await tryConnect({ host: '192.0.2.10', port: 443 }), 'ENETUNREACH');
      assert.deepEqual(takeRefused(), ['192.0.2.10:443']);
    });

    it('refuses fetch to login.botframework.com before any DNS query, with the caller seeing a network error', async () => {
      await assert.rejects(fetch('https://login.botframework.com/v1/.well-known/openidconfiguration'), TypeError);
      assert.deepEqual(takeRefused(), ['login.botframework.com:443']);
    });

    it('refuses node:http and a direct DNS lookup of a public name', async () => {
      const code = await new Promise<string>((resolve) => {
        http.get('http://example.com/', () => resolve('answered')).on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? ''));
      });
      assert.equal(code, 'ENETUNREACH');
      await assert.rejects(dns.promises.lookup('example.com'), { code: 'ENOTFOUND' });
      await assert.rejects(promisify(dns.lookup)('example.com'), { code: 'ENOTFOUND' });
      assert.deepEqual(takeRefused(), ['example.com:80', 'lookup example.com', 'lookup example.com']);
    });
  });

  describe('how a test fails', () => {
    it('fails a test that swallowed the refused connection, naming the test and the address', async function () {
      this.timeout(60_000);
      const root = path.resolve(__dirname, '../..');
      const mocha = require.resolve('mocha/bin/mocha.js');
      const run = await promisify(execFile)(
        process.execPath,
        [mocha, '--config', '.mocharc.json', 'test/support/fixtures/leavesLoopback.ts'],
        {
          cwd: root,
        },
      ).then(
        () => ({ code: 0, stdout: '' }),
        (error: { code: number; stdout: string }) => error,
      );
      assert.equal(run.code, 1, 'one failure');
      assert.match(run.stdout, /1 passing/);
      assert.match(
        run.stdout,
        /"a test that leaves loopback swallows the network error and would otherwise pass" tried to leave loopback: login\.botframework\.com:443/,
      );
    });
  });

  describe('what it lets through', () => {
    it('lets connections to 127.0.0.1, localhost and ::1 through', async () => {
      const v4 = await startServer('127.0.0.1');
      try {
        assert.equal(await (await fetch(`http://127.0.0.1:${v4.port}/`)).text(), 'ok');
        assert.equal(await tryConnect({ host: 'localhost', port: v4.port, family: 4 }), 'connected');
        assert.equal(await tryConnect({ port: v4.port, host: '127.0.0.1' }), 'connected');
      } finally {
        await v4.stop();
      }
      const v6 = await startServer('::1').catch(() => undefined);
      if (v6) {
        try {
          assert.equal(await (await fetch(`http://[::1]:${v6.port}/`)).text(), 'ok');
        } finally {
          await v6.stop();
        }
      }
      assert.deepEqual(takeRefused(), []);
    });

    it('lets a unix socket through', async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'guard-'));
      const socketPath = path.join(dir, 'server.sock');
      const server = net.createServer((socket) => socket.end());
      await new Promise<void>((resolve) => server.listen(socketPath, resolve));
      try {
        assert.equal(await tryConnect({ path: socketPath }), 'connected');
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await rm(dir, { recursive: true, force: true });
      }
      assert.deepEqual(takeRefused(), []);
    });

    it("lets a child process make its own loopback connection to this process's server", async () => {
      const server = await startServer('127.0.0.1');
      try {
        const { stdout } = await promisify(execFile)(process.execPath, [
          '-e',
          `fetch('http://127.0.0.1:${server.port}/').then((r) => r.text()).then((t) => process.stdout.write(t))`,
        ]);
        assert.equal(stdout, 'ok');
      } finally {
        await server.stop();
      }
      assert.deepEqual(takeRefused(), []);
    });
  });

  describe('isLoopback', () => {
    it('knows loopback addresses and names from the rest', () => {
      for (const host of ['127.0.0.1', '127.8.9.10', '::1', '[::1]', '::ffff:127.0.0.1', 'localhost', 'LOCALHOST', 'api.localhost'])
        assert.equal(isLoopback(host), true, host);
      for (const host of ['10.0.0.1', '192.0.2.10', '::2', 'fe80::1', 'localhost.example.com', 'login.botframework.com', '128.0.0.1'])
        assert.equal(isLoopback(host), false, host);
    });
  });
});
