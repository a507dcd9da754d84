import { strict as assert } from 'node:assert';
import { importProblems, probeImports, sources, targetOf } from './sourceImports';

const PACKAGE = '@account-closure-bot/sandbox';
/** Where the sandbox may be used: the composition root, the tests and the benchmark. */
const MAY_USE_SANDBOX = /^(index\.ts$|test\/|bench\/)/;

/** What is wrong with `from` naming `specifier`, or undefined: (a) the sandbox leaving sandbox/, (b) the bot reaching in. */
function crossing(from: string, specifier: string): string | undefined {
  const insideSandbox = from.startsWith('sandbox/');
  const target = targetOf(from, specifier);
  if (insideSandbox) {
    if (target !== undefined && !`${target}/`.startsWith('sandbox/')) return `${from} imports "${specifier}", outside the sandbox package`;
    return undefined;
  }
  const namesPackage = specifier === PACKAGE || specifier.startsWith(`${PACKAGE}/`);
  const reachesFolder = target !== undefined && `${target}/`.startsWith('sandbox/');
  if (reachesFolder) return `${from} imports "${specifier}" by path: import the sandbox by name (${PACKAGE})`;
  if (namesPackage && !MAY_USE_SANDBOX.test(from)) return `${from} imports the sandbox; only index.ts, test/ and bench/ may`;
  return undefined;
}

describe('the sandbox package boundary (issue 23)', () => {
  it('holds both ways: nothing under sandbox/ imports outside it, and only index.ts, test/ and bench/ use it, by name', () => {
    const files = sources();
    assert.ok(files.filter((f) => f.startsWith('sandbox/')).length > 30, 'the sandbox files were scanned');
    assert.deepEqual(importProblems(files, crossing), []);
  });

  it('finds each kind of crossing, so the check above can fail', () => {
    const probe = (file: string, text: string) => probeImports(file, text, crossing);
    assert.equal(probe('sandbox/tokenService.ts', "import type { Logger } from '../services/logger';").length, 1);
    assert.equal(probe('sandbox/test/seed.test.ts', "import { AppError } from '../../services/errors';").length, 1);
    assert.equal(probe('sandbox/test/seed.test.ts', "import { loadSeedFile } from '../seed';").length, 0);
    assert.equal(probe('adapters/graph/x.ts', `import { startSandbox } from '${PACKAGE}';`).length, 1);
    assert.equal(probe('bot/x.ts', "const s = require('../sandbox/remote');").length, 1);
    assert.equal(probe('test/e2e/x.test.ts', "import { connectSandbox } from '../../sandbox/remote';").length, 1);
    assert.equal(probe('test/e2e/x.test.ts', `import { DEMO } from '${PACKAGE}/testing';`).length, 0);
    assert.equal(probe('index.ts', `export { startSandbox } from '${PACKAGE}';`).length, 0);
  });
});
