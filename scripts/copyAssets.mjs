// `npm run build`: tsc writes the JavaScript to dist/; this copies every other file the code reads at run time
// (web/ page, sandbox/demoSeed.json, card JSON, anything new beside the sources) to the same place under dist/,
// so `node dist/index.js` finds them where `__dirname` says. Markdown stays behind.
import { cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const SOURCE_DIRS = ['web', 'config', 'server', 'bot', 'dialogs', 'cards', 'services', 'sandbox'];
const SKIPPED = /\.(ts|md)$/;

let copied = 0;
for (const dir of SOURCE_DIRS) {
  const from = path.join(root, dir);
  if (!existsSync(from)) continue;
  for (const name of readdirSync(from, { recursive: true })) {
    const file = path.join(from, String(name));
    if (SKIPPED.test(file) || !statSync(file).isFile()) continue;
    cpSync(file, path.join(root, 'dist', dir, String(name)));
    copied += 1;
  }
}
process.stdout.write(`copied ${copied} asset files to dist/\n`);
