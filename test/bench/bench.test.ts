import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');

/**
 * `npm run bench -- --tiny` end to end: it starts the sandbox, the echo bot and the bot in their own processes,
 * and prints and writes every row of issue 14's table. Only that the rows are there and carry numbers is checked:
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
    for (const row of [
      /welcome turn, memory storage, 1 conn\.\s+[\d.]+ turns\/s \(p50 [\d.]+ \/ p99 [\d.]+ ms\)\s+[\d.]+ turns\/s .*\s[\d.]+x\s+>= 0\.85x/,
      /welcome turn, memory storage, 10 conn\.\s+[\d.]+ turns\/s .*>= 0\.85x/,
      /welcome turn, file storage, 1 conn\.\s+[\d.]+ turns\/s .*>= 0\.6x/,
      /welcome turn, file storage, 10 conn\.\s+[\d.]+ turns\/s .*>= 0\.6x/,
      /bot CPU per whole closure, memory .*\(2 ok, 0 failed\)\s+[\d.]+ ms\s+<= 10 ms/,
      /bot CPU per whole closure, file .*\(2 ok, 0 failed\)\s+[\d.]+ ms\s+<= 10 ms/,
      /heap per conversation parked at warning, memory .*V8's own -?[\d.]+ KB, heapUsed -?[\d.]+ KB\s+-?[\d.]+ KB\s+<= 2 KB/,
      /heap per conversation parked at warning, file .*V8's own -?[\d.]+ KB, heapUsed -?[\d.]+ KB\s+-?[\d.]+ KB\s+<= 2 KB/,
      /cold start to \/healthz, npm start .*[\d.]+ s\s+< 0\.7 s/,
      /cold start to \/healthz, node dist\/index\.js/,
      /errors logged by the bots: 0/,
    ])
      assert.match(stdout, row);
    const written = JSON.parse(await readFile(output, 'utf8')) as {
      welcome: Array<{ ratio: number }>;
      closure: { memory: { closures: number } };
      coldStart: Array<{ command: string }>;
    };
    assert.equal(written.welcome.length, 4);
    assert.ok(written.welcome.every((w) => w.ratio > 0));
    assert.equal(written.closure.memory.closures, 2);
    assert.deepEqual(
      written.coldStart.map((c) => c.command),
      ['npm start', 'node dist/index.js'],
    );
  });
});
