// CI: the built bot starts. Runs `node dist/index.js` in sandbox mode on loopback ports chosen by the OS, waits for
// its start-up line, asks /healthz and the web chat page, then sends SIGTERM and expects a clean exit. Application
// Insights is on, as the ARM templates always turn it on, with a loopback stand-in for its ingestion endpoint.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const dataDir = mkdtempSync(path.join(tmpdir(), 'closure-bot-dist-'));
const START_TIMEOUT_MS = 60_000;

const ingestion = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ itemsReceived: 0, itemsAccepted: 0, errors: [] }));
  });
});
await new Promise((resolve) => ingestion.listen(0, '127.0.0.1', resolve));
ingestion.unref();
const ingestionUrl = `http://127.0.0.1:${ingestion.address().port}/`;

const child = spawn(process.execPath, [path.join(root, 'dist', 'index.js')], {
  cwd: dataDir,
  env: {
    ...process.env,
    PORT: '0',
    SANDBOX_PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    SANDBOX_DATA_DIR: path.join(dataDir, 'sandbox'),
    LOG_LEVEL: 'warn',
    APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=00000000-0000-4000-8000-000000000000;IngestionEndpoint=${ingestionUrl}`,
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});

function fail(message) {
  process.stderr.write(`dist smoke test failed: ${message}\n`);
  child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(1);
}

const timer = setTimeout(() => fail(`no start-up line within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
child.once('exit', (code) => fail(`node dist/index.js exited early with code ${code}`));
let output = '';
child.stdout.on('data', async (chunk) => {
  output += chunk;
  const match = /connect the Bot Framework Emulator to (http:\/\/\S+)\/api\/messages/.exec(output);
  if (!match) return;
  clearTimeout(timer);
  child.stdout.removeAllListeners('data');
  try {
    const health = await fetch(`${match[1]}/healthz`);
    if (health.status !== 200) fail(`/healthz answered ${health.status}`);
    const page = await fetch(`${match[1]}/`);
    if (page.status !== 200 || !(await page.text()).includes('<html')) fail(`the web chat page answered ${page.status}`);
  } catch (error) {
    fail(String(error));
  }
  child.removeAllListeners('exit');
  child.once('exit', (code) => {
    rmSync(dataDir, { recursive: true, force: true });
    if (code !== 0) fail(`exit code ${code} after SIGTERM`);
    process.stdout.write(`node dist/index.js started, answered /healthz and /, and stopped on SIGTERM (${match[1]})\n`);
  });
  child.kill('SIGTERM');
});
