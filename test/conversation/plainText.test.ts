import { strict as assert } from 'node:assert';
import { createRequire } from 'node:module';
import { breakableAddress, isolateText, plainAddress, plainName } from '../../conversation/plainText';
import { actionData, createDialogFixture, KIM, MAGIC_CODE, press, textOf, turn } from '../dialogs/dialogFixture';

/**
 * Web Chat's Markdown renderer: markdown-it as botframework-webchat itself resolves it (its dependency, not ours;
 * untyped), so the test holds names to the renderer the page really uses.
 */
const fromWebChat = createRequire(require.resolve('botframework-webchat'));
const MarkdownIt = fromWebChat('markdown-it') as new (options: object) => { renderInline(text: string): string };
const FSI = '\u2068';
const PDI = '\u2069';

describe('names in sentences', () => {
  describe('plainName', () => {
    it('escapes inline Markdown so a name cannot become a link, bold text or code', () => {
      assert.equal(
        plainName('[Support](https://evil.example) **urgent** `x`'),
        `${FSI}\\[Support\\](https\\://evil\\.example) \\*\\*urgent\\*\\* \\\`x\\\`${PDI}`,
      );
    });

    it('puts line breaks out of reach, so a name cannot start a heading or a list', () => {
      assert.equal(plainName('Kim\n# Heading\r\n- item'), `${FSI}Kim # Heading - item${PDI}`);
    });

    it('drops bidirectional controls and isolates the name, so a right-to-left override cannot reverse the sentence', () => {
      assert.equal(plainName('Kim\u202Eskrow'), `${FSI}Kimskrow${PDI}`);
      assert.equal(isolateText('\u2066a\u2069\u200F'), `${FSI}a${PDI}`);
    });

    it('keeps a URL in a name from becoming a link in Web Chat (markdown-it with linkify, as Web Chat renders)', () => {
      const md = new MarkdownIt({ html: false, linkify: true, typographer: true });
      for (const name of ['Evil https://evil.example/login Corp', 'See www.evil.example now'])
        assert.doesNotMatch(md.renderInline(plainName(name)), /<a /, name);
      assert.match(md.renderInline('Evil https://evil.example/login Corp'), /<a /, 'unescaped, it would be a link');
      assert.ok(md.renderInline(plainName('Evil https://evil.example/login Corp')).includes('Evil https://evil.example/login Corp'));
    });

    it('leaves an ordinary address readable', () => {
      assert.equal(plainAddress('kim@tailspin.example'), `${FSI}kim@tailspin.example${PDI}`);
    });
  });

  describe('breakableAddress', () => {
    it('adds no invisible character a copied address would carry (the page wraps it: web/webchat.css)', () => {
      assert.equal(breakableAddress('kim@tailspin.onmicrosoft.com'), `${FSI}kim@tailspin.onmicrosoft.com${PDI}`);
      assert.doesNotMatch(breakableAddress('kim@tailspin.onmicrosoft.com'), /[\u200B-\u200D\u2060\uFEFF]/);
    });
  });

  describe('the warning card', () => {
    it('shows the account isolated and wrappable, and a right-to-left override cannot reach the sentence', async () => {
      const fixture = createDialogFixture({ identity: { ...KIM, displayName: 'Kim\u202E Akers' } });
      await turn(fixture, 'close my account');
      const offer = await turn(fixture, MAGIC_CODE);
      const warning = await turn(fixture, press(actionData(offer, 'closure.skipExport')));
      const runs = JSON.stringify(warning.flatMap((r) => r.attachments ?? []));
      assert.ok(runs.includes(`"${FSI}kim@tailspin.example${PDI}"`), 'the address');
      assert.ok(runs.includes(`"${FSI}Kim Akers${PDI}"`), 'the display name');
    });
  });

  describe('the signed-in message', () => {
    it('shows a hostile display name and organization name as plain text', async () => {
      const fixture = createDialogFixture({
        identity: { ...KIM, displayName: '**Admin** [reset](https://evil.example)\u202E', organizationName: 'Contoso\n# Official' },
        verdict: { kind: 'unmanaged', organizationName: 'Contoso' },
      });
      await turn(fixture, 'close my account');
      const text = textOf(await turn(fixture, MAGIC_CODE));
      assert.ok(text.includes(`**${FSI}\\*\\*Admin\\*\\* \\[reset\\](https\\://evil\\.example)${PDI}**`), text);
      assert.ok(text.includes(`of **${FSI}Contoso # Official${PDI}**.`), text);
      assert.doesNotMatch(text, /\u202E/);
    });
  });
});
