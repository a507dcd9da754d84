// `npm run build` (after `tsc --noEmit` has checked the types): the production start, `node dist/index.js`.
// esbuild bundles index.ts, this project's modules and the packages they load into one file, dist/app.js, so a
// start reads one file instead of resolving and reading ~1,900 (the measured cost of the compiled tree's start:
// docs/performance.md). dist/index.js is a small entry that compiles the bundle with a V8 code cache made by a
// start (the build's own last step makes one), then runs it. Every other file the code reads at run time (web/, sandbox/demoSeed.json, anything new
// beside the sources) is copied to the same place under dist/. `node scripts/build.mjs <dir>` builds into <dir>
// instead (the build's test); node_modules must be reachable from there, as from dist/.
import * as esbuild from 'esbuild';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const dist = path.resolve(process.argv[2] ?? path.join(root, 'dist'));
/** Source folders whose non-TypeScript files are copied; Markdown stays behind. */
const ASSET_DIRS = ['web', 'config', 'server', 'bot', 'dialogs', 'conversation', 'cards', 'services', 'adapters', 'sandbox'];
const NOT_ASSETS = /\.(ts|md)$/;

/**
 * Left in node_modules, loaded by `require` when their mode is on (adapters/credentials/managedIdentity.ts `lazily`):
 * the Blob SDK (STORAGE=blob, exports in Azure; botbuilder-azure-blobs is no longer loaded by the bot, its blob names
 * are kept by bot/storage/blobStateStorage.ts, and its tests import it, so it stays external), Application
 * Insights (a connection string set; it patches async context tracking when loaded), dtrace-provider (restify's
 * optional native probe; a binary cannot be bundled) and botframework-webchat (only its browser bundle is served,
 * found by require.resolve).
 */
export const EXTERNAL = [
  '@azure/storage-blob',
  'botbuilder-azure-blobs',
  'botbuilder-applicationinsights',
  'applicationinsights',
  'dtrace-provider',
  'botframework-webchat',
  // node-fetch's URL parser (botframework-connector's fetch): its tr46 requires Node's deprecated `punycode`, which
  // Node 22+ warns about (DEP0040) only when the caller is outside node_modules, as a bundle is.
  'whatwg-url',
];

/**
 * A bundle has one `__dirname`, dist/'s. This project's own modules that use it (server/webchatRoutes.ts for web/,
 * sandbox/seed.ts for demoSeed.json) get their own source folder's place under dist/ instead, where the build copies
 * those files: the same layout `tsx` sees in the sources.
 */
const ownDirname = {
  name: 'own-dirname',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('__dirname')) return undefined;
      const folder = path.relative(root, path.dirname(args.path)).split(path.sep).join('/');
      return {
        contents: source.replace(/\b__dirname\b/g, `require('node:path').join(__dirname, ${JSON.stringify(folder)})`),
        loader: 'ts',
      };
    });
  },
};

/**
 * tsc compiles this project's `import`s to `require` (package.json "type": "commonjs"), so Node loads every package's
 * CommonJS build. esbuild would take a dual package's ESM build ("import" condition) for an `import` and its
 * CommonJS build for a `require` (botbuilder's), bundling two copies whose classes differ (@azure/identity has
 * both). Resolving our own imports as `require` gives the bundle the graph `tsx` and the tests run.
 */
const ownImportsAsRequire = {
  name: 'own-imports-as-require',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.kind !== 'import-statement' && args.kind !== 'dynamic-import') return undefined;
      if (args.pluginData === 'as-require' || args.importer.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      if (!args.importer.startsWith(root)) return undefined;
      const resolved = await build.resolve(args.path, { kind: 'require-call', resolveDir: args.resolveDir, pluginData: 'as-require' });
      return resolved.errors.length > 0 ? { errors: resolved.errors } : resolved;
    });
  },
};

/**
 * dist/index.js: loads the bundle with a V8 code cache made after a start, then runs it.
 *
 * V8 compiles most functions lazily, on their first call, and ~10 MB of bundle is a lot of first calls. Node's own
 * compile cache (module.enableCompileCache, Node >= 22.1: https://nodejs.org/api/module.html#module-compile-cache)
 * keeps only what is compiled when a file is loaded (1 MB of cache here, a start 0.6-1.0 s on Node 24), and Node 20
 * has none. `script.createCachedData()` made once the start is over holds every function the start compiled
 * (https://nodejs.org/api/vm.html#scriptcreatecacheddata; 7 MB here), and the next start takes 0.35-0.6 s on Node 24
 * and 0.65-0.8 s on Node 20 (CPU to listening: 650 instead of 930 ms): docs/performance.md, "Cold start runs".
 *
 * The cache file sits beside the bundle, named after the Node version, the architecture and the bundle's SHA-256,
 * so a rebuilt bundle or another Node never reads another's cache: V8 rejects a cache of another V8 version or other
 * flags (`cachedDataRejected`, then a normal compile), but knows the source only by its length
 * (SerializedCodeData::SourceHash in v8/src/snapshot/code-serializer.cc). It is written by a start that got as far
 * as listening (not by a failed start, nor by a test that only loads the bundle), when none was accepted, once: 10 s
 * after it listens (~100 ms on the event loop, measured, once per build and Node; a process killed later keeps it
 * too) or at exit if that comes first. It goes through a temporary file of its own (process id and random bytes:
 * instances on a shared disk may have the same pid) and a rename, so no start reads half of one: recent V8 checks a
 * cache's checksum only in debug builds (v8_flags.verify_snapshot_checksum). Where dist/ cannot be written the bot
 * starts without a cache, every time, and nothing else changes.
 *
 * The wrapper is Node's own (Module.wrap) on a line of its own with lineOffset -1, so positions in stack traces are
 * app.js's. They name the TypeScript file and line through app.js.map, read on the first stack that has a frame in
 * the bundle: Node's --enable-source-maps reads and indexes the 7 MB map when the bundle loads (~70 ms of every
 * start, measured). CallSite's own text is kept, with the bundle's position replaced by the source's
 * (https://v8.dev/docs/stack-trace-api; module.SourceMap: https://nodejs.org/api/module.html#class-modulesourcemap).
 */
const CACHE_AFTER_MS = 10_000;
const ENTRY = `'use strict';
// Written by scripts/build.mjs, which says why.
const { createHash, randomBytes } = require('node:crypto');
const fs = require('node:fs');
const nodeModule = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

const bundle = path.join(__dirname, 'app.js');

let sourceMap;
function sourcePosition(site) {
  if (site.getFileName() !== bundle) return undefined;
  sourceMap ??= new nodeModule.SourceMap(JSON.parse(fs.readFileSync(bundle + '.map', 'utf8')));
  const entry = sourceMap.findEntry(site.getLineNumber() - 1, site.getColumnNumber() - 1);
  if (!entry || !entry.originalSource) return undefined;
  return path.resolve(__dirname, entry.originalSource) + ':' + (entry.originalLine + 1) + ':' + (entry.originalColumn + 1);
}
function frame(site) {
  const text = String(site);
  try {
    const original = sourcePosition(site);
    return original ? text.replace(bundle + ':' + site.getLineNumber() + ':' + site.getColumnNumber(), original) : text;
  } catch {
    return text;
  }
}
Error.prepareStackTrace = (error, sites) => {
  let header;
  try {
    header = Error.prototype.toString.call(error);
  } catch {
    header = 'Error';
  }
  return header + sites.map((site) => '\\n    at ' + frame(site)).join('');
};

const bytes = fs.readFileSync(bundle);
const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 32);
const cacheFile = path.join(__dirname, 'app.js.' + process.version + '-' + process.arch + '-' + digest + '.cache');
let cachedData;
try {
  cachedData = fs.readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
const [head, tail] = nodeModule.wrap('\\u0000').split('\\u0000');
const script = new vm.Script(head + '\\n' + bytes.toString('utf8') + '\\n' + tail, { filename: bundle, lineOffset: -1, cachedData });
let started = false;
let kept = cachedData !== undefined && !script.cachedDataRejected;
function keepCache() {
  if (kept || !started) return;
  kept = true;
  const temporary = cacheFile + '.' + process.pid + '-' + randomBytes(6).toString('hex') + '.tmp';
  try {
    fs.writeFileSync(temporary, script.createCachedData());
    fs.renameSync(temporary, cacheFile);
  } catch {
    fs.rmSync(temporary, { force: true });
  }
}
process.once('exit', keepCache);

const app = new nodeModule.Module(bundle, module);
app.filename = bundle;
app.paths = nodeModule.Module._nodeModulePaths(__dirname);
require.cache[bundle] = app;
script.runInThisContext()(app.exports, nodeModule.createRequire(bundle), app, bundle, __dirname);
app.loaded = true;
if (require.main === module) {
  app.exports.run().then(() => {
    started = true;
    setTimeout(keepCache, ${CACHE_AFTER_MS}).unref();
  });
}
module.exports = app.exports;
`;

await rm(dist, { recursive: true, force: true });
const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: ['index.ts'],
  outfile: path.join(dist, 'app.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  // The oldest Node package.json's engines allow.
  target: 'node20.19',
  external: EXTERNAL,
  plugins: [ownDirname, ownImportsAsRequire],
  // Names kept (whitespace and syntax only): stack traces and logged error names stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
  metafile: true,
  // dist/index.js runs the bundle through vm.Script, which can run an \`import()\` only with an
  // importModuleDynamically callback, and Node 22 and 24 offer that only behind --experimental-vm-modules (a
  // function) or with an ExperimentalWarning at every start (vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER:
  // https://nodejs.org/api/vm.html#new-vmscriptcode-options). Without one, the first \`import()\` throws "A dynamic
  // import callback was not specified" (bot/telemetry.ts's Application Insights, which App Service always turns
  // on). So the bundle has none: esbuild writes each as \`Promise.resolve().then(() => require(...))\`, which is what
  // tsc's CommonJS output does too (https://esbuild.github.io/api/#supported), and keepsNoDynamicImport checks it.
  supported: { 'dynamic-import': false },
});
keepsNoDynamicImport(result.metafile);
await rewriteSourceMapSources(path.join(dist, 'app.js.map'));
await writeFile(path.join(dist, 'index.js'), ENTRY);

let assets = 0;
for (const dir of ASSET_DIRS) {
  const from = path.join(root, dir);
  if (!existsSync(from)) continue;
  for (const name of readdirSync(from, { recursive: true })) {
    const file = path.join(from, String(name));
    if (NOT_ASSETS.test(file) || !statSync(file).isFile()) continue;
    cpSync(file, path.join(dist, dir, String(name)));
    assets += 1;
  }
}
const inputs = Object.keys(result.metafile.inputs).length;
const bytes = Object.values(result.metafile.outputs).find((output) => output.entryPoint)?.bytes ?? 0;
process.stdout.write(
  `bundled ${inputs} modules into ${path.relative(root, dist) || '.'}/app.js (${(bytes / 1e6).toFixed(1)} MB), copied ${assets} asset files\n`,
);

/**
 * The first start after a build gets the code cache too: one start here, in sandbox mode (a bare environment and
 * a scratch folder as its working directory, so no `.env` or app setting points it at Azure), stopped once it
 * listens, writes the cache as any start does. Without it, the first start of every deployment compiles the bundle
 * from scratch (0.8-1.3 s against 0.4-0.8 s, docs/performance.md). A failure here only costs that first start.
 */
/** A build whose bundle still holds an \`import()\` would start and then fail on first use of that code: refused here. */
function keepsNoDynamicImport(metafile) {
  const kept = Object.values(metafile.outputs).flatMap((output) =>
    output.imports.filter((entry) => entry.kind === 'dynamic-import').map((entry) => entry.path),
  );
  if (kept.length > 0) throw new Error(`the bundle keeps a dynamic import() of ${kept.join(', ')}, which dist/index.js cannot run`);
}

/**
 * The map's sources, as esbuild writes them, are relative to the build folder (\`../../work/repo/config/config.ts\`,
 * \`../../work/repo/node_modules/...\` or wherever a symlinked node_modules really lives), so a dist/ moved to another
 * depth, as App Service's build moves it to /home/site/wwwroot, named made-up paths under the new folder that spell
 * out the build machine's. Rewritten relative to the app folder, dist/'s parent, where the sources and node_modules
 * sit beside dist/ in the project and in a deployment: \`../config/config.ts\`, \`../node_modules/botbuilder/lib/...\`.
 */
async function rewriteSourceMapSources(mapFile) {
  const map = JSON.parse(await readFile(mapFile, 'utf8'));
  const marker = `${path.sep}node_modules${path.sep}`;
  // A package's map can point beside its node_modules (antlr4ts: `../../src/...`): the folder node_modules really is in.
  const appFolders = [root, path.dirname(realpathSync(path.join(root, 'node_modules')))];
  map.sources = map.sources.map((source) => {
    // A package's own map may name its sources by URL (entities, htmlparser2): those stay as they are.
    if (/^[a-z][a-z0-9+.-]*:/i.test(source)) return source;
    const file = path.resolve(path.dirname(mapFile), source);
    const inModules = file.indexOf(marker);
    const base = inModules >= 0 ? undefined : appFolders.find((folder) => !path.relative(folder, file).startsWith('..'));
    if (inModules < 0 && base === undefined) return source;
    const fromApp = base === undefined ? path.join('node_modules', file.slice(inModules + marker.length)) : path.relative(base, file);
    return ['..', ...fromApp.split(path.sep)].join('/');
  });
  await writeFile(mapFile, JSON.stringify(map));
}

async function primeCodeCache() {
  const scratch = await mkdtemp(path.join(tmpdir(), 'closure-bot-build-'));
  try {
    const child = spawn(process.execPath, [path.join(dist, 'index.js')], {
      cwd: scratch,
      env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', SANDBOX_PORT: '0', DATA_DIR: scratch, LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const botUrl = await new Promise((resolve) => {
      let seen = '';
      const timer = setTimeout(() => resolve(undefined), 60_000);
      child.stdout.on('data', (chunk) => {
        seen += chunk.toString('utf8');
        const found = /connect the Bot Framework Emulator to (http:\/\/\S+)\/api\/messages/.exec(seen);
        if (found) {
          clearTimeout(timer);
          resolve(found[1]);
        }
      });
      child.once('exit', () => resolve(undefined));
    });
    // An answer from /healthz means the start has finished (its SIGTERM handler is on, and the entry knows it
    // started): a SIGTERM sent on the printed line alone can arrive before, and end it without an exit handler.
    const listening =
      botUrl !== undefined &&
      (await fetch(`${botUrl}/healthz`).then(
        (response) => response.ok,
        () => false,
      ));
    child.kill('SIGTERM');
    await exited;
    const cached = readdirSync(dist).some((name) => name.startsWith('app.js.') && name.endsWith('.cache'));
    process.stdout.write(
      listening && cached ? 'made the code cache with one sandbox start\n' : 'no code cache made (the first start will make it)\n',
    );
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

await primeCodeCache();
