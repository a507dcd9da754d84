import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AppError, ErrorCatalogue, isAppError } from '../../services/errors';

describe('the error catalogue', () => {
  const source = readFileSync(path.resolve(__dirname, '../../services/errors.ts'), 'utf8');

  it('declares each code once', () => {
    const declared = [...source.matchAll(/^\s{2}([A-Z_]+): \{/gm)].map((m) => m[1]);
    assert.equal(new Set(declared).size, declared.length, `duplicated: ${declared.filter((c, i) => declared.indexOf(c) !== i).join(', ')}`);
    assert.deepEqual(declared.sort(), Object.keys(ErrorCatalogue).sort());
  });

  it('holds only codes the product raises, so none promises a failure that cannot happen', () => {
    const root = path.resolve(__dirname, '../..');
    const production = execFileSync('git', ['ls-files', '*.ts', ':!test/', ':!bench/', ':!services/errors.ts'], {
      cwd: root,
      encoding: 'utf8',
    })
      .split('\n')
      .filter(Boolean)
      .map((file) => readFileSync(path.join(root, file), 'utf8'))
      .join('\n');
    const unused = Object.keys(ErrorCatalogue).filter((code) => !production.includes(`'${code}'`));
    assert.deepEqual(unused, [], 'codes no production file names');
  });

  it('gives every code a user message in plain words and an HTTP status', () => {
    for (const [code, entry] of Object.entries(ErrorCatalogue)) {
      assert.ok(entry.userMessage.length > 10, code);
      assert.doesNotMatch(entry.userMessage, /Error|exception|stack|undefined|null|[{}]/, `${code} shows internals`);
      assert.ok(entry.status >= 400 && entry.status < 600, code);
    }
  });

  it('keeps the log detail apart from what the user reads', () => {
    const error = new AppError('DIRECTORY_UNAVAILABLE', 'GET /me answered 503 after 4 attempts');
    assert.equal(error.userMessage, ErrorCatalogue.DIRECTORY_UNAVAILABLE.userMessage);
    assert.ok(!error.userMessage.includes('503'));
    assert.ok(isAppError(error, 'DIRECTORY_UNAVAILABLE') && !isAppError(error, 'CLOSE_FAILED'));
  });
});
