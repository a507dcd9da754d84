import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { BlobServiceClient } from '@azure/storage-blob';
import { cardActionData, magicCodeOf, signInLinkOf, submitSignInPage, type ReplyActivity } from '../support/botHarness';
import { azuriteAccount } from '../support/azurite';
import { startBuiltBotProcess, type NodeProcess } from '../support/botProcess';
import { startConnectorStub, type ConnectorStub } from '../support/connectorStub';
import { emulatorReplies } from '../support/emulatorActivity';
import { startIngestionStandIn } from '../support/ingestionStandIn';
import { copyBuild } from '../support/sharedBuild';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
/** sandbox/demoSeed.json, which the built start must find beside the bundle. */
const DEMO_USER = { upn: 'ada@fabrikamvolunteers.example', password: 'Passw0rd!' };

/**
 * The production start as App Service runs it: `node scripts/build.mjs <dir>` (what `npm run build` runs after the
 * type check) into a temporary folder whose node_modules is this project's (made once per test run and shared with
 * the deployment rehearsal: test/support/sharedBuild.ts), copied to this suite's own folder, then `node <dir>/index.js`.
 */
describe('the production build (node dist/index.js)', function () {
  this.timeout(120_000);
  let work: string;
  let dist: string;
  let connector: ConnectorStub;

  let buildFolder: string;

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'closure-build-'));
    await symlink(path.join(ROOT, 'node_modules'), path.join(work, 'node_modules'), 'dir');
    dist = path.join(work, 'dist');
    // The run's one build, copied here: this suite changes its copy (the code cache test), and starts it away from
    // the folder it was built in.
    buildFolder = (await copyBuild(dist)).folder;
    connector = await startConnectorStub();
  });
  after(async () => {
    await connector?.stop();
    await rm(work, { recursive: true, force: true });
  });

  async function startBuilt(name: string, env: Record<string, string> = {}, preload: string[] = []): Promise<NodeProcess> {
    const dataDir = path.join(work, name);
    return startBuiltBotProcess(
      path.join(dist, 'index.js'),
      {
        DATA_DIR: dataDir,
        SANDBOX_DATA_DIR: path.join(dataDir, 'sandbox'),
        SANDBOX_PORT: '0',
        ...env,
      },
      preload,
    );
  }

  /** Sends activities as one Emulator user in one conversation, replies in the response (expectReplies). */
  function conversation(bot: NodeProcess): (activity: Record<string, unknown>) => Promise<ReplyActivity[]> {
    const userId = `built-${randomUUID().slice(0, 8)}`;
    const address = { serviceUrl: connector.url, userId, conversationId: `conv-${userId}` };
    return (activity) => emulatorReplies(bot.url, address, activity);
  }

  it('is one bundle and its entry, with the files read at run time and the code cache beside it, and no compiled tree', async () => {
    const files = (await readdir(dist, { recursive: true })).map((name) => name.split(path.sep).join('/'));
    assert.deepEqual(files.filter((name) => name.endsWith('.js')).sort(), ['app.js', 'index.js', 'web/main.js']);
    for (const asset of ['app.js.map', 'web/index.html', 'web/webchat.css', 'sandbox/demoSeed.json'])
      assert.ok(files.includes(asset), asset);
    // The build's last step, a sandbox start, made the code cache for the Node that built it.
    assert.ok(
      files.some((name) => name.startsWith(`app.js.${process.version}-${process.arch}-`) && name.endsWith('.cache')),
      'the code cache the build made',
    );
  });

  it('starts in sandbox mode, serves the web chat page and Web Chat, and takes the demo user to the warning card', async () => {
    const bot = await startBuilt('conversation');
    try {
      const page = await fetch(`${bot.url}/`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<html/);
      const bundle = await fetch(`${bot.url}/webchat/webchat.js`);
      assert.equal(bundle.status, 200, 'the Web Chat bundle, found through require.resolve from the bundle');
      assert.ok((await bundle.arrayBuffer()).byteLength > 100_000);

      const send = conversation(bot);
      // The demo seed (sandbox/demoSeed.json beside the bundle) is what lets this user sign in.
      const signInPage = await submitSignInPage(
        signInLinkOf(await send({ type: 'message', text: 'close my account' })),
        DEMO_USER.upn,
        DEMO_USER.password,
      );
      const afterCode = await send({ type: 'message', text: magicCodeOf(signInPage) });
      const warning = await send({ type: 'message', value: cardActionData(afterCode, 'closure.skipExport') });
      assert.ok(cardActionData(warning, 'closure.confirm'), 'the warning card with its Yes');
    } finally {
      bot.kill('SIGTERM');
      assert.deepEqual(await bot.waitForExit(), { code: 0, signal: null }, bot.output());
    }
  });

  it('starts with Application Insights on, as the ARM templates always set it, and its events reach the ingestion endpoint', async () => {
    const ingestion = await startIngestionStandIn();
    try {
      const bot = await startBuilt('telemetry', { APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion.connectionString });
      try {
        assert.ok(signInLinkOf(await conversation(bot)({ type: 'message', text: 'close my account' })), 'the sign-in card');
      } finally {
        bot.kill('SIGTERM');
        assert.deepEqual(await bot.waitForExit(), { code: 0, signal: null }, bot.output());
      }
      await ingestion.waitForEvent('BotMessageReceived');
      assert.ok(!JSON.stringify(ingestion.envelopes).includes('close my account'), 'no message text in telemetry');
    } finally {
      await ingestion.stop();
    }
  });

  it('does not load @azure/storage-blob or botbuilder-azure-blobs in sandbox mode', async () => {
    const report = path.join(work, 'loaded-modules.json');
    const preload = path.join(work, 'report-loaded-modules.cjs');
    // Written at exit: every file Node's CommonJS loader has loaded, the bundle's external packages among them.
    await writeFile(
      preload,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(report)}, JSON.stringify(Object.keys(require.cache))));\n`,
    );
    const bot = await startBuilt('modules', {}, [preload]);
    assert.equal((await fetch(`${bot.url}/healthz`)).status, 200);
    bot.kill('SIGTERM');
    await bot.waitForExit();
    const loaded = JSON.parse(await readFile(report, 'utf8')) as string[];
    assert.ok(
      loaded.some((file) => file.endsWith(path.join('dist', 'app.js'))),
      'the report lists the bundle itself',
    );
    const azure = loaded.filter((file) => /node_modules[\\/](@azure[\\/]storage-blob|botbuilder-azure-blobs)[\\/]/.test(file));
    assert.deepEqual(azure, []);
  });

  it('with STORAGE=blob (Azurite) loads the Blob SDKs from node_modules and keeps conversation state there', async () => {
    const azurite = await azuriteAccount();
    try {
      const container = `built-${randomUUID().slice(0, 8)}`;
      const containerClient = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(container);
      await containerClient.create();
      const bot = await startBuilt('blob', {
        STORAGE: 'blob',
        STORAGE_BLOB_CONNECTION_STRING: azurite.connectionString,
        STORAGE_BLOB_CONTAINER: container,
      });
      try {
        const replies = await conversation(bot)({ type: 'message', text: 'close my account' });
        assert.ok(signInLinkOf(replies), 'the sign-in card');
        const names: string[] = [];
        for await (const blob of containerClient.listBlobsFlat()) names.push(blob.name);
        assert.ok(
          names.some((name) => name.includes('conv-built-')),
          `conversation state in the container: ${names.join(', ')}`,
        );
      } finally {
        bot.kill('SIGTERM');
        assert.equal((await bot.waitForExit()).code, 0, bot.output());
      }
    } finally {
      await azurite.stop();
    }
  });

  it('with DIRECTORY=graph starts and answers /healthz (the app credential module, loaded on first use, is in the bundle)', async () => {
    const bot = await startBuilt('graph', {
      DIRECTORY: 'graph',
      MicrosoftAppType: 'UserAssignedMSI',
      MicrosoftAppId: '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9',
      MicrosoftAppTenantId: '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d',
      STORAGE: 'file',
      AUDIT_HASH_KEY: Buffer.alloc(32, 1).toString('base64'),
    });
    assert.equal((await fetch(`${bot.url}/healthz`)).status, 200);
    bot.kill('SIGTERM');
    assert.equal((await bot.waitForExit()).code, 0, bot.output());
  });

  it("names the TypeScript file and line in a stack trace from the bundle (app.js.map, read when it's needed)", async () => {
    const script = `require(${JSON.stringify(path.join(dist, 'index.js'))}).startBot({}).catch((error) => process.stdout.write(error.stack));`;
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: work });
    const frames = stdout.split('\n').filter((line) => line.trim().startsWith('at '));
    assert.ok(frames.length > 1, stdout);
    assert.match(frames.find((line) => line.includes('startBot')) ?? '', /[\\/]index\.ts:\d+:\d+\)$/, stdout);
    assert.doesNotMatch(stdout, /app\.js:\d+/);
  });

  it('names the TypeScript source under the folder dist/ was moved to, with its code cache, and no path of the build folder', async () => {
    // As App Service's build does: built in one folder, dist/ copied into the app folder it runs from.
    const app = path.join(await mkdtemp(path.join(tmpdir(), 'closure-moved-')), 'site', 'wwwroot');
    try {
      await mkdir(app, { recursive: true });
      await symlink(path.join(ROOT, 'node_modules'), path.join(app, 'node_modules'), 'dir');
      await cp(dist, path.join(app, 'dist'), { recursive: true });
      const script = `require(${JSON.stringify(path.join(app, 'dist', 'index.js'))}).startBot({}).catch((error) => process.stdout.write(error.stack));`;
      const { stdout } = await run(process.execPath, ['-e', script], { cwd: app });
      const frames = stdout.split('\n').filter((line) => line.trim().startsWith('at '));
      assert.ok(
        frames.some((line) => line.includes(`${path.join(app, 'index.ts')}:`)),
        `a frame in ${path.join(app, 'index.ts')}:\n${stdout}`,
      );
      assert.ok(
        frames.some((line) => line.includes(`${path.join(app, 'config', 'config.ts')}:`)),
        stdout,
      );
      assert.doesNotMatch(stdout, /app\.js:\d+/);
      for (const buildPath of [buildFolder, work, ROOT, path.dirname(await realpath(path.join(ROOT, 'node_modules')))])
        assert.ok(!stdout.includes(buildPath), `the trace names the build machine's ${buildPath}:\n${stdout}`);
    } finally {
      await rm(path.dirname(path.dirname(app)), { recursive: true, force: true });
    }
  });

  it('keeps a V8 code cache beside the bundle from a start that listened, and starts alike with a bad or unwritable one', async () => {
    const cacheFiles = async () => (await readdir(dist)).filter((name) => name.endsWith('.cache'));
    for (const name of await cacheFiles()) await rm(path.join(dist, name), { recursive: true, force: true });
    // A process that only loads the bundle (as the stack trace test does) keeps no cache.
    await run(process.execPath, ['-e', `require(${JSON.stringify(path.join(dist, 'index.js'))})`], { cwd: work });
    assert.deepEqual(await cacheFiles(), []);

    const first = await startBuilt('cache-first');
    first.kill('SIGTERM');
    assert.equal((await first.waitForExit()).code, 0, first.output());
    const [cache] = await cacheFiles();
    assert.match(cache ?? '', new RegExp(`^app\\.js\\.${process.version.replace(/\./g, '\\.')}-${process.arch}-[0-9a-f]{32}\\.cache$`));
    const cacheFile = path.join(dist, cache);
    const made = await readFile(cacheFile);
    assert.ok(
      made.byteLength > 1_000_000,
      `a cache of the functions the start compiled, not just the top level (${made.byteLength} bytes)`,
    );

    // V8 rejects a damaged cache; the bot compiles normally, serves, and writes a good one at exit.
    await writeFile(cacheFile, Buffer.alloc(made.byteLength, 7));
    const damaged = await startBuilt('cache-damaged');
    assert.equal((await fetch(`${damaged.url}/healthz`)).status, 200);
    damaged.kill('SIGTERM');
    assert.equal((await damaged.waitForExit()).code, 0, damaged.output());
    assert.notDeepEqual(await readFile(cacheFile), Buffer.alloc(made.byteLength, 7));

    // Where the cache cannot be read or written (a folder in its place), the bot starts and stops as ever.
    await rm(cacheFile);
    await mkdir(cacheFile);
    const unwritable = await startBuilt('cache-unwritable');
    assert.equal((await fetch(`${unwritable.url}/healthz`)).status, 200);
    unwritable.kill('SIGTERM');
    assert.equal((await unwritable.waitForExit()).code, 0, unwritable.output());
    assert.deepEqual(await readdir(cacheFile), []);
    assert.deepEqual(
      (await readdir(dist)).filter((name) => name.endsWith('.tmp')),
      [],
      'no temporary file left behind',
    );
    await rm(cacheFile, { recursive: true });
  });
});
