import { strict as assert } from 'node:assert';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { PAGE_LANGUAGES, pageStringsForTests } from '../pageStrings';
import { renderPortalPage, type PortalProblem } from '../portalPage';
import { renderSignInPage, type SignInProblem } from '../signInPage';

type Strings = { readonly [key: string]: string | Strings };
const PSEUDO = 'qps';

function leaves(tree: Strings | undefined, prefix = ''): Map<string, string> {
  const found = new Map<string, string>();
  for (const [key, value] of Object.entries(tree ?? {})) {
    if (typeof value === 'string') found.set(`${prefix}${key}`, value);
    else for (const [k, v] of leaves(value, `${prefix}${key}.`)) found.set(k, v);
  }
  return found;
}

const placeholders = (text: string) => [...text.matchAll(/\{\{\s*\w+\s*\}\}/g)].map((m) => m[0].replace(/\s/g, '')).sort();

/** Every string in brackets, its placeholders kept: a word of a page outside brackets did not come from the files. */
function bracketed(tree: Strings): Strings {
  return Object.fromEntries(
    Object.entries(tree).map(([key, value]) => [
      key,
      typeof value === 'string' ? `⟦${value.replace(/[A-Za-z]/g, 'x')}⟧` : bracketed(value),
    ]),
  );
}

const ACCOUNT = { displayName: 'Ada Lovelace', upn: 'ada@fabrikamvolunteers.example' };

/** What a reader sees (text and captions, not markup or styles) minus the pseudo strings and the names shown as given. */
function wordsOutsideFiles(html: string): string[] {
  let text = html
    .replace(/<style>[\s\S]*?<\/style>/, ' ')
    .replace(/<[^>]+>/g, ' ')
    .split(ACCOUNT.displayName)
    .join(' ')
    .split(ACCOUNT.upn)
    .join(' ')
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d UTC/g, ' ');
  while (/⟦[^⟦⟧]*⟧/.test(text)) text = text.replace(/⟦[^⟦⟧]*⟧/g, ' ');
  return text.match(/\p{L}{2,}/gu) ?? [];
}

describe('sandbox page strings (sandbox/locales/*.json)', () => {
  const english = leaves(pageStringsForTests.all.get('en'));

  it('has one file per page language, and those are the files the pages load', () => {
    const files = readdirSync(path.join(__dirname, '../locales')).filter((f) => f.endsWith('.json'));
    assert.deepEqual(files.map((f) => f.replace(/\.json$/, '')).sort(), [...PAGE_LANGUAGES].sort());
    assert.ok(english.size >= 40, `${english.size} English strings`);
  });

  for (const language of PAGE_LANGUAGES.filter((l) => l !== 'en')) {
    it(`${language}: every English key and no other, each non-empty with the same placeholders`, () => {
      const translated = leaves(pageStringsForTests.all.get(language));
      assert.deepEqual(
        [...english.keys()].filter((k) => !translated.has(k)),
        [],
        'missing',
      );
      assert.deepEqual(
        [...translated.keys()].filter((k) => !english.has(k)),
        [],
        'unknown',
      );
      for (const [key, text] of english) {
        assert.ok((translated.get(key) ?? '').trim().length > 0, `${key} is empty`);
        assert.deepEqual(placeholders(translated.get(key) ?? ''), placeholders(text), key);
      }
    });
  }

  before(() => pageStringsForTests.add(PSEUDO, bracketed(pageStringsForTests.all.get('en') ?? {})));

  it('shows no word but the files\' on any screen of the sign-in and "My data requests" pages (a bracketed pseudo-language)', () => {
    const problems: SignInProblem[] = ['unknownUser', 'wrongPassword', 'closedAccount', 'expiredLink', 'lockedOut'];
    const portalProblems: PortalProblem[] = ['noAccount', 'wrongPassword', 'sessionEnded', 'lockedOut'];
    const account = ACCOUNT;
    const pages = [
      ...problems.map((problem) => renderSignInPage({ kind: 'form', state: 's', problem }, PSEUDO)),
      renderSignInPage({ kind: 'gone', problem: 'expiredLink' }, PSEUDO),
      renderSignInPage({ kind: 'code', code: '123456', displayName: account.displayName }, PSEUDO),
      renderSignInPage({ kind: 'done', displayName: account.displayName }, PSEUDO),
      ...portalProblems.map((problem) => renderPortalPage({ kind: 'signIn', problem }, PSEUDO)),
      renderPortalPage(
        { kind: 'requests', csrf: 'c', ...account, exportRequestedAt: '2026-11-27 09:00 UTC', notice: 'exportSubmitted' },
        PSEUDO,
      ),
      renderPortalPage({ kind: 'requests', csrf: 'c', ...account, notice: 'notClosed' }, PSEUDO),
      renderPortalPage({ kind: 'confirmClose', csrf: 'c', upn: account.upn }, PSEUDO),
      renderPortalPage({ kind: 'closed', upn: account.upn }, PSEUDO),
    ];
    const leftovers = pages.flatMap((html) => {
      assert.match(html, new RegExp(`<html lang="${PSEUDO}">`));
      return wordsOutsideFiles(html).map((word) => `${word} in "${html.slice(0, 120)}"`);
    });
    assert.deepEqual(leftovers, []);
  });

  it('finds a word written into a page, so the check above can fail', () => {
    const html = renderSignInPage({ kind: 'done', displayName: ACCOUNT.displayName }, PSEUDO);
    assert.deepEqual(wordsOutsideFiles(html), []);
    assert.deepEqual(wordsOutsideFiles(html.replace('</main>', '<p>Welcome back</p></main>')), ['Welcome', 'back']);
  });
});
