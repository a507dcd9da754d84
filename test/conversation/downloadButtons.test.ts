import { strict as assert } from 'node:assert';
import { Messages } from '../../conversation/messages';
import { inLanguageOf, LANGUAGES } from '../../locales/i18n';

const file = (name: string) => ({ name, sizeBytes: 2048, downloadUrl: `https://exports.example.net/d/${encodeURIComponent(name)}?sig=1` });
const buttonsFor = (names: string[], language = 'en') =>
  inLanguageOf(language, () => Messages.exportDownloads(names.map(file)).map((link) => link.button));

describe("the export-ready card's download buttons", () => {
  it("label each button with its file's name, without the extension", () => {
    assert.deepEqual(buttonsFor(['profile.json', 'organization.json', 'export-info.json']), [
      'Download profile',
      'Download organization',
      'Download export-info',
    ]);
  });

  it('give every button a name of its own in every language, so a screen reader never lists two alike', () => {
    for (const language of LANGUAGES) {
      const buttons = buttonsFor(
        ['profile.json', 'profile.csv', 'a-very-long-file-name-one.json', 'a-very-long-file-name-two.json'],
        language,
      );
      assert.equal(new Set(buttons).size, buttons.length, `${language}: ${buttons.join(' | ')}`);
    }
  });

  it('shorten a long name so the label is never cut, and number the names that would then read alike', () => {
    assert.deepEqual(buttonsFor(['a-very-long-file-name-one.json', 'a-very-long-file-name-two.json', 'short.txt']), [
      'Download a-very-long-\u2026 1',
      'Download a-very-long-\u2026 2',
      'Download short',
    ]);
  });

  it('keep the whole title (name and size) for the tooltip and the file line', () => {
    const [link] = inLanguageOf('de', () => Messages.exportDownloads([file('profile.json')]));
    assert.equal(link?.title, 'profile.json herunterladen (2,0 kB)');
    assert.equal(link?.button, 'profile herunterladen');
  });
});
