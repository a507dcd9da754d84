/**
 * `node --import tsx bench/profileSummary.ts <file.cpuprofile>`: self time of a V8 CPU profile (from
 * `npm run bench -- --profile DIR`) by where the code lives: each node_modules package, each folder of this
 * project, node's internals, GC and idle, by sample count. The "where the time goes" figures in docs/performance.md come from it.
 */
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function bucketOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (!url)
    return functionName === '(idle)'
      ? '(idle)'
      : functionName === '(garbage collector)'
        ? '(gc)'
        : functionName.startsWith('(')
          ? functionName
          : '(native)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1] ?? url;
  const project = /\/(adapters|bench|bot|cards|config|conversation|dialogs|sandbox|server|services)\/(?:([^/]+)\/)?/.exec(url);
  if (project)
    return (project[1] === 'services' || project[1] === 'adapters') && project[2] && !project[2].includes('.')
      ? `${project[1]}/${project[2]}`
      : (project[1] ?? url);
  return url.endsWith('index.ts') ? 'index.ts' : url;
}

async function main(file: string | undefined): Promise<void> {
  if (!file) throw new Error('usage: bench/profileSummary.ts <file.cpuprofile>');
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  // Each sample counts as one median sampling interval, not as the gap before it: on a loaded machine the sampler
  // thread waits for a CPU too, and the sample after a long wait would otherwise carry the wait (issue 22).
  const sorted = [...profile.timeDeltas].filter((d) => d > 0).sort((a, b) => a - b);
  const interval = sorted[Math.floor(sorted.length / 2)] ?? 1000;
  profile.samples.forEach((id) => {
    const node = byId.get(id);
    if (!node) return;
    const bucket = bucketOf(node);
    totals.set(bucket, (totals.get(bucket) ?? 0) + interval);
  });
  const busy = [...totals].filter(([bucket]) => bucket !== '(idle)' && bucket !== '(program)').reduce((sum, [, us]) => sum + us, 0);
  const rows = [...totals].sort((a, b) => b[1] - a[1]);
  process.stdout.write(`busy ${(busy / 1000).toFixed(0)} ms (idle and (program) excluded from the shares)\n`);
  for (const [bucket, us] of rows.slice(0, 25)) {
    const share = bucket === '(idle)' || bucket === '(program)' ? '' : `${((100 * us) / busy).toFixed(1)}%`;
    process.stdout.write(`${bucket.padEnd(40)}${(us / 1000).toFixed(0).padStart(8)} ms ${share.padStart(7)}\n`);
  }
}

main(process.argv[2]).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
