import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');
/** The rooms that speak to people: the bot, its dialogs, its cards and the HTTP server's pages and answers. */
const ROOMS = ['bot', 'dialogs', 'conversation', 'cards', 'server'];
/**
 * Calls whose arguments reach a person: a chat reply, a Teams invoke answer, an HTTP problem or page, a prompt.
 * `new Error` is left out: its message is for the log (what people read comes from `errors.*`).
 */
const SPEAKING_CALLS = new Set([
  'sendActivity',
  'sendActivities',
  'updateActivity',
  'text',
  'attachment',
  'suggestedActions',
  'messageResponse',
  'errorResponse',
  'problem',
  'send',
  'end',
  'endWith',
  'say',
  'showProblem',
  'page',
]);
/** Two words with a space between: a sentence or a label, not a code ("BadRequest") or a content type. */
const WORDS = /\p{L}{2,}[ \u00a0]+\p{L}{2,}/u;

function sourcesIn(room: string): string[] {
  return readdirSync(path.join(ROOT, room), { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.(ts|js)$/.test(file) && !file.endsWith('.d.ts'))
    .map((file) => path.join(room, file));
}

/** Every literal with words that a speaking call is given, as `file:line: "text"`. */
function literalsSpoken(file: string, text = readFileSync(path.join(ROOT, file), 'utf8')): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const calleeName = (call: ts.CallExpression | ts.NewExpression): string => {
    const callee = call.expression;
    if (ts.isIdentifier(callee)) return callee.text;
    if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
    return '';
  };
  const literalsIn = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
      // A raw HTTP status line ("400 Bad Request\r\n") is protocol, not words.
      if (WORDS.test(node.text) && !node.text.includes('\r\n')) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart());
        found.push(`${file}:${line + 1}: "${node.text}"`);
      }
    }
    ts.forEachChild(node, literalsIn);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && SPEAKING_CALLS.has(calleeName(node))) node.arguments.forEach(literalsIn);
    // What a page shows: `element.textContent = ...` in the page's script.
    if (
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isPropertyAccessExpression(node.left) &&
      ['textContent', 'innerText', 'innerHTML'].includes(node.left.name.text)
    )
      literalsIn(node.right);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return [...new Set(found)];
}

describe('one catalogue of words (locales/*.json)', () => {
  it('has no sentence written in the code of the bot, its dialogs, cards or server: each comes from a locale key', () => {
    const files = ROOMS.flatMap(sourcesIn).concat(['web/main.js']);
    assert.ok(files.length > 30, `scanned ${files.length} files`);
    assert.deepEqual(
      files.flatMap((file) => literalsSpoken(file)),
      [],
    );
  });

  it('finds a sentence passed to a reply, so the scan above can fail', () => {
    const probe = "await context.sendActivity(`Dear ${name}, welcome back`);\nres.send(503, problem('Down', 'Try again later'));";
    assert.deepEqual(literalsSpoken('probe.ts', probe), ['probe.ts:1: ", welcome back"', 'probe.ts:2: "Try again later"']);
  });

  it('has no text in the web chat page or the cards but their locale keys', () => {
    const page = readFileSync(path.join(ROOT, 'web/index.html'), 'utf8');
    const shown = page
      .replace(/<(script|style)[\s\S]*?<\/\1>/g, ' ')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\{\{t:[\w.]+\}\}/g, ' ');
    assert.deepEqual(shown.match(/\p{L}{2,}/gu) ?? [], []);
    for (const attribute of page.matchAll(/\b(?:aria-label|title|alt|placeholder)="([^"]*)"/g))
      assert.match(attribute[1], /^\{\{t:[\w.]+\}\}$/, attribute[0]);
    for (const card of readdirSync(path.join(ROOT, 'cards')).filter((f) => f.endsWith('.json'))) {
      const json = readFileSync(path.join(ROOT, 'cards', card), 'utf8');
      for (const field of json.matchAll(/"(text|title|altText|label|placeholder|fallbackText|errorMessage)": "([^"]*)"/g))
        assert.ok(!WORDS.test(field[2]) || field[2].startsWith('${'), `${card}: ${field[0]}`);
    }
  });
});
