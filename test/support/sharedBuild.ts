import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rename, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');

/** Where the one build of this test run was made: `<folder>/dist`, with this project's node_modules beside it. */
export interface SharedBuild {
  /** The build's own folder (dist/'s parent), which no started bot may need: the stack trace test names it. */
  readonly folder: string;
  readonly dist: string;
}

let building: Promise<SharedBuild> | undefined;
let hidden = false;

/**
 * The production build, made once per test run and shared by test/build and test/deploy (each took ~5 s on an idle
 * machine and more under load, for the same output): `node scripts/build.mjs <dir>`, what `npm run build` runs after
 * the type check, into a temporary folder whose node_modules is this project's, on the first call; removed when the
 * test process exits. Nobody starts the bot in that folder: each suite copies it into a folder of its own
 * (`copyBuild`), so what one suite changes there (the code cache test deletes and damages the cache) no other sees,
 * and every start runs from a folder other than the build's, as App Service's build moves dist/.
 */
function sharedBuild(): Promise<SharedBuild> {
  building ??= (async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'closure-shared-build-'));
    process.once('exit', () => {
      for (const dir of [folder, `${folder}-hidden`]) rmSync(dir, { recursive: true, force: true });
    });
    await symlink(path.join(ROOT, 'node_modules'), path.join(folder, 'node_modules'), 'dir');
    const dist = path.join(folder, 'dist');
    await run(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs'), dist], { cwd: ROOT });
    return { folder, dist };
  })();
  return building;
}

/** Copies the run's production build (made on the first call) to `dist`; returns where it was built. */
export async function copyBuild(dist: string): Promise<SharedBuild> {
  const build = await sharedBuild();
  if (hidden) throw new Error('the shared build is hidden (hideBuild) while a suite proves it is not needed');
  await mkdir(path.dirname(dist), { recursive: true });
  await cp(build.dist, dist, { recursive: true });
  return build;
}

/**
 * Moves the build's folder out of its place until the returned function puts it back: a bot started meanwhile from
 * a copy proves it needs nothing in the folder it was built in (the deployment rehearsal deleted its own build
 * folder for this before the build was shared). Tests run one after another in the one mocha process, so no other
 * suite copies the build meanwhile.
 */
export async function hideBuild(): Promise<() => Promise<void>> {
  const { folder } = await sharedBuild();
  await rename(folder, `${folder}-hidden`);
  hidden = true;
  return async () => {
    await rename(`${folder}-hidden`, folder);
    hidden = false;
  };
}
