import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Messages } from '../../conversation/messages';
import { inLanguageOf, LANGUAGES } from '../../locales/i18n';
import { AppError, ErrorCatalogue, isAppError, type ErrorCode } from '../../services/errors';

const PORTAL = 'https://go.microsoft.com/fwlink/?linkid=873123';

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

  it('gives every code a sentence in plain words in every language, and an HTTP status', () => {
    for (const [code, entry] of Object.entries(ErrorCatalogue)) {
      for (const language of LANGUAGES) {
        const sentence = inLanguageOf(language, () => Messages.error({ code: code as ErrorCode, userValues: { portalUrl: PORTAL } }));
        assert.notEqual(sentence, `errors.${code}`, `${code} has no sentence in ${language}`);
        assert.ok(sentence.length > 10, `${code} in ${language}`);
        assert.doesNotMatch(sentence, /Error|exception|stack|undefined|null|[{}]/, `${code} shows internals in ${language}`);
      }
      assert.ok(entry.status >= 400 && entry.status < 600, code);
    }
  });

  it("says an error in the reader's language, with the values it names and without the log detail", () => {
    const error = new AppError('DIRECTORY_UNAVAILABLE', 'GET /me answered 503 after 4 attempts');
    const german = inLanguageOf('de-DE', () => Messages.error(error));
    assert.match(german, /Verzeichnis/);
    assert.ok(!german.includes('503'));
    assert.notEqual(
      german,
      inLanguageOf('en', () => Messages.error(error)),
    );
    const handOff = new AppError('EXPORT_HANDED_OFF', 'detail', { userValues: { portalUrl: PORTAL } });
    assert.ok(inLanguageOf('ja', () => Messages.error(handOff)).includes(PORTAL));
    assert.ok(isAppError(error, 'DIRECTORY_UNAVAILABLE') && !isAppError(error, 'CLOSE_FAILED'));
  });
});
