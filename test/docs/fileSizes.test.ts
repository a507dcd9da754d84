import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
/** STYLE.md 15: files under about 300 lines. */
const MAX_LINES = 300;
/** The composition root reads as a table of contents, each step one call into the room that builds it. */
const ROOT_MAX_LINES = 150;
/** Not written by hand (package-lock.json, a benchmark's recorded results) or not code (prose and pictures). */
const NOT_COUNTED = /(^package-lock\.json$|^bench\/results\/|\.(md|png|jpe?g|gif|svg|ico)$)/;

function linesOf(file: string): number {
  const text = readFileSync(path.join(root, file), 'utf8');
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** The files named in architecture.md's "Files over 300 lines" list, each with its reason. */
function writtenReasons(): Map<string, string> {
  const architecture = readFileSync(path.join(root, 'docs/architecture.md'), 'utf8');
  const section = /^## Files over 300 lines\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(architecture)?.[1] ?? '';
  return new Map([...section.matchAll(/^- `([^`]+)`: (.+(?:\n {2}.+)*)/gm)].map((m) => [m[1], m[2]]));
}

describe('file sizes', () => {
  const tracked = execFileSync('git', ['ls-files', '--', '.', ':!test/'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((file) => file && !NOT_COUNTED.test(file));
  const reasons = writtenReasons();

  it(`keeps every file outside test/ under ${MAX_LINES} lines, or gives its reason in docs/architecture.md`, () => {
    const unexplained = tracked.filter((file) => linesOf(file) > MAX_LINES && !reasons.has(file)).map((f) => `${f} (${linesOf(f)})`);
    assert.deepEqual(unexplained, [], 'split them, or add a line with the reason under "Files over 300 lines"');
  });

  it('lists only files that are still over the limit, so the list stays true', () => {
    const stale = [...reasons.keys()].filter((file) => !tracked.includes(file) || linesOf(file) <= MAX_LINES);
    assert.deepEqual(stale, [], 'remove these lines from "Files over 300 lines" in docs/architecture.md');
  });

  it(`keeps the composition root a table of contents: index.ts under ${ROOT_MAX_LINES} lines (issue 23)`, () => {
    assert.ok(linesOf('index.ts') < ROOT_MAX_LINES, `index.ts has ${linesOf('index.ts')} lines: wiring belongs in the room it builds`);
  });

  it('reads the list it checks against', () => {
    assert.ok(reasons.size > 0, 'no "Files over 300 lines" list found in docs/architecture.md');
    for (const [file, reason] of reasons) assert.ok(reason.length > 40, `${file}: a reason in words`);
  });
});
