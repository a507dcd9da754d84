import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** The repository's root. */
export const ROOT = path.resolve(__dirname, '../..');

/** Every module a file names: imports, `export ... from`, `require(...)` and `import(...)`. */
export function specifiersOf(text: string, file = 'probe.ts'): string[] {
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

/** Where a relative specifier of `from` lands, relative to the root; undefined for a package name. */
export function targetOf(from: string, specifier: string): string | undefined {
  return specifier.startsWith('.') ? path.relative(ROOT, path.resolve(ROOT, path.dirname(from), specifier)) : undefined;
}

/** This project's own source files under `dir` ('' for all), without dependencies, builds or data. */
export function sources(dir = ''): string[] {
  const skipped = new Set(['node_modules', 'dist', '.data', '.git', 'test-artifacts', 'build']);
  const walk = (folder: string): string[] =>
    readdirSync(path.join(ROOT, folder), { withFileTypes: true }).flatMap((entry) => {
      const file = folder ? `${folder}/${entry.name}` : entry.name;
      if (entry.isDirectory()) return skipped.has(entry.name) ? [] : walk(file);
      return /\.(ts|mjs|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [file] : [];
    });
  return walk(dir);
}

/** What is wrong with `from` naming `specifier` (a sentence), or undefined when nothing is. */
export type ImportCheck = (from: string, specifier: string) => string | undefined;

/** What `check` finds wrong in the imports of each of `files` (read from the tree). */
export function importProblems(files: readonly string[], check: ImportCheck): string[] {
  return files.flatMap((file) => probeImports(file, readFileSync(path.join(ROOT, file), 'utf8'), check));
}

/** What `check` finds wrong in the imports of `text`, as if it were the file `file`: a check's own test. */
export function probeImports(file: string, text: string, check: ImportCheck): string[] {
  return specifiersOf(text, file)
    .map((specifier) => check(file, specifier))
    .filter((problem): problem is string => problem !== undefined);
}
