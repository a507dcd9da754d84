import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');
const PACKAGE = '@account-closure-bot/sandbox';
/** Where the sandbox may be used: the composition root, the tests and the benchmark. */
const MAY_USE_SANDBOX = /^(index\.ts$|test\/|bench\/)/;

/** Every module a file names: imports, `export ... from`, `require(...)` and `import(...)`. */
function specifiersOf(text: string, file = 'probe.ts'): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier))
      found.push(node.moduleSpecifier.text);
    if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require')) &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    )
      found.push(node.arguments[0].text);
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true));
  return found;
}

/** What is wrong with `from` naming `specifier`, or undefined: (a) the sandbox leaving sandbox/, (b) the bot reaching in. */
function crossing(from: string, specifier: string): string | undefined {
  const insideSandbox = from.startsWith('sandbox/');
  const target = specifier.startsWith('.') ? path.relative(ROOT, path.resolve(ROOT, path.dirname(from), specifier)) : undefined;
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

/** This project's own source files (no dependencies, builds or data). */
function sources(): string[] {
  const skipped = new Set(['node_modules', 'dist', '.data', '.git', 'test-artifacts', 'build']);
  const walk = (dir: string): string[] =>
    readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
      const file = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) return skipped.has(entry.name) ? [] : walk(file);
      return /\.(ts|mjs|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [file] : [];
    });
  return walk('');
}

describe('the sandbox package boundary (issue 23)', () => {
  it('holds both ways: nothing under sandbox/ imports outside it, and only index.ts, test/ and bench/ use it, by name', () => {
    const files = sources();
    assert.ok(files.filter((f) => f.startsWith('sandbox/')).length > 30, 'the sandbox files were scanned');
    const crossings = files.flatMap((file) =>
      specifiersOf(readFileSync(path.join(ROOT, file), 'utf8'), file)
        .map((specifier) => crossing(file, specifier))
        .filter((problem): problem is string => problem !== undefined),
    );
    assert.deepEqual(crossings, []);
  });

  it('finds each kind of crossing, so the check above can fail', () => {
    const probe = (file: string, text: string) =>
      specifiersOf(text)
        .map((s) => crossing(file, s))
        .filter(Boolean);
    assert.equal(probe('sandbox/tokenService.ts', "import type { Logger } from '../services/logger';").length, 1);
    assert.equal(probe('sandbox/test/seed.test.ts', "import { AppError } from '../../services/errors';").length, 1);
    assert.equal(probe('sandbox/test/seed.test.ts', "import { loadSeedFile } from '../seed';").length, 0);
    assert.equal(probe('services/graph/x.ts', `import { startSandbox } from '${PACKAGE}';`).length, 1);
    assert.equal(probe('bot/x.ts', "const s = require('../sandbox/remote');").length, 1);
    assert.equal(probe('test/e2e/x.test.ts', "import { connectSandbox } from '../../sandbox/remote';").length, 1);
    assert.equal(probe('test/e2e/x.test.ts', `import { DEMO } from '${PACKAGE}/testing';`).length, 0);
    assert.equal(probe('index.ts', `export { startSandbox } from '${PACKAGE}';`).length, 0);
  });
});
