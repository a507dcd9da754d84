import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SETTINGS } from '../../config/settings';

const root = path.resolve(__dirname, '../..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

describe('README', () => {
  it('starts with the two command lines that work on a fresh clone', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    assert.match(firstBlock, /^npm ci && npm start\b/m);
    assert.match(firstBlock, /^npm ci && npm test\b/m);
  });

  it('documents every setting with its default', () => {
    for (const setting of SETTINGS) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${setting.name}\` |`));
      assert.ok(row, `README has no row for ${setting.name}`);
      if (setting.default) assert.ok(row.includes(`\`${setting.default}\``), `README shows the wrong default for ${setting.name}`);
    }
  });

  it('lists the demo accounts of the built-in seed with their passwords', () => {
    const seed = JSON.parse(readFileSync(path.join(root, 'sandbox/demoSeed.json'), 'utf8')) as {
      users: Array<{ upn: string; password: string }>;
    };
    for (const user of seed.users)
      assert.ok(readme.includes(`| \`${user.upn}\` | \`${user.password}\` |`), `README does not list ${user.upn}`);
  });

  it('links only to files that exist', () => {
    for (const [, target] of readme.matchAll(/\]\(((?!https?:)[^)#]+)\)/g)) {
      assert.doesNotThrow(() => readFileSync(path.join(root, target)), `README links to missing ${target}`);
    }
  });
});
