import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');

/**
 * `npm run bench -- --tiny` end to end: it starts the sandbox, Azurite, the echo bot, the bot (memory, file, two
 * instances on Blob) and the same-shape anchor in their own processes, and prints and writes every row of issue 22's
 * table from one interleaved run. Only that the rows are there and carry numbers is checked:
 * speed is the benchmark's business, never a test's.
 */
describe('npm run bench (tiny mode)', function () {
  this.timeout(300_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bench-test-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints every row with the echo bot beside the bot, and writes the same figures', async () => {
    const output = path.join(dir, 'result.json');
    const { stdout } = await run('npm', ['run', '--silent', 'bench', '--', '--tiny', '--output', output], {
      cwd: ROOT,
      maxBuffer: 10 * 1024 * 1024,
    });
    const rate = String.raw`[\d.]+ turns/s, [\d.]+ ms CPU/turn \(p50 [\d.]+ / p99 [\d.]+ ms\)`;
    for (const row of [
      new RegExp(String.raw`welcome turn, memory storage, 1 conn\.\s+${rate}\s+${rate}\s+[\d.]+x \(CPU [\d.]+x\)\s+>= 0\.85x`),
      new RegExp(String.raw`welcome turn, file storage, 10 conn\.\s+${rate}\s+${rate}\s+[\d.]+x .*>= 0\.6x`),
      new RegExp(String.raw`welcome turn, Blob storage, 2 instances, 10 conn\.\s+${rate}\s+${rate}`),
      new RegExp(String.raw`welcome turn, same-shape anchor \(memory\), 1 conn\.\s+${rate}\s+${rate}`),
      /bot CPU per whole closure, memory storage .*GC CPU [\d.]+ ms \(pauses [\d.]+ ms\), 2 ok, 0 failed\s+[\d.]+ ms \([\d.]+x anchor\)\s+<= 1x anchor/,
      /bot CPU per whole closure, file storage .*2 ok, 0 failed\s+[\d.]+ ms/,
      /bot CPU per whole closure, Blob storage, 2 instances .*2 ok, 0 failed\s+[\d.]+ ms \([\d.]+x file\)\s+<= 1\.5x file/,
      // The same Blob bot alone: what the second instance adds shows beside it.
      /bot CPU per whole closure, Blob storage, 1 instance .*2 ok, 0 failed\s+[\d.]+ ms \([\d.]+x file\)\s+-/,
      /bot CPU per whole closure, same-shape anchor \(memory\) .*2 ok, 0 failed\s+[\d.]+ ms/,
      // The anchor makes the bot's outgoing calls, counted the same way (inside each bot process).
      /outgoing calls per closure, memory storage\s+-\s+botframework 5, graph 7, login 2\s+14/,
      /outgoing calls per closure, same-shape anchor \(memory\)\s+-\s+botframework 5, graph 7, login 2\s+14/,
      /Blob requests per closure, Blob storage, 2 instances\s+-\s+.*GET state [\d.]+.*\s[\d.]+\s+<= 15/,
      /heap per conversation parked at warning, memory .*V8's own -?[\d.]+ KB, heapUsed -?[\d.]+ KB\s+-?[\d.]+ KB\s+<= 2 KB/,
      /heap per conversation parked at warning, file .*V8's own -?[\d.]+ KB, heapUsed -?[\d.]+ KB\s+-?[\d.]+ KB\s+<= 2 KB/,
      /cold start to \/healthz, npm start .*[\d.]+ s\s+< 0\.7 s/,
      /cold start to \/healthz, node dist\/index\.js/,
      /errors logged by the bots: 0/,
    ])
      assert.match(stdout, row);
    const written = JSON.parse(await readFile(output, 'utf8')) as {
      welcome: Array<{ target: string; figures: { turnsPerSecond: number } }>;
      closure: Record<string, { closures: number; blobRequestsPerClosure: number }>;
      coldStart: Array<{ command: string }>;
    };
    // Six rows (echo, memory, file, Blob with two instances and with one, anchor) at two connection counts, from one run.
    assert.equal(written.welcome.length, 12);
    assert.ok(written.welcome.every((w) => w.figures.turnsPerSecond > 0));
    assert.deepEqual(Object.keys(written.closure).sort(), ['anchor', 'blob', 'blobOne', 'file', 'memory']);
    assert.ok(Object.values(written.closure).every((c) => c.closures === 2));
    // Only the Blob rows send Blob requests, and they do (tiny mode has no warm-up closure: a process's one-offs count).
    assert.ok(written.closure.blob.blobRequestsPerClosure > 0);
    assert.ok(written.closure.blobOne.blobRequestsPerClosure > 0);
    assert.equal(written.closure.memory.blobRequestsPerClosure, 0);
    assert.deepEqual(
      written.coldStart.map((c) => c.command),
      ['npm start', 'node dist/index.js'],
    );
  });
});
