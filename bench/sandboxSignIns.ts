/**
 * `node --import tsx bench/sandboxSignIns.ts [--sign-ins 100000] [--concurrency 8] [--output file.json]`: does the
 * sandbox keep its pace as it fills up (issue 22, item 5)? One standalone sandbox (`npm run sandbox`'s entry, its own
 * process, pinned like `npm run bench`'s) takes that many whole magic-code sign-ins, each a new channel user (so the
 * token cache, the issued tokens and the state's log grow with every one): GetSignInResource, the sign-in form, the
 * code to GetToken. Per block of 1,000 it records sign-ins per second and the sandbox process's own CPU per sign-in
 * (from /proc, so another process on the machine does not move it); the verdict compares the last block with the
 * first, goal at most 20% slower.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { pinning, pinPid, startSandboxProcess } from './processes';
import { inParallel, round } from './traffic';

const TENANT_ID = '77777777-0000-4000-8000-000000000001';
const USERS = 100;
const WARM_UP = 300;
const BLOCK = 1_000;
/** The last block may be at most this much slower (in rate, and in CPU per sign-in) than the first. */
const MAX_SLOWDOWN = 0.2;

interface Block {
  readonly upTo: number;
  readonly perSecond: number;
  readonly cpuMsPerSignIn: number;
}

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

/** User + system CPU of process `pid` so far, in ms (/proc/<pid>/stat fields 14 and 15, in clock ticks of 10 ms). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function main(): Promise<void> {
  const signIns = option('sign-ins', 100_000);
  const concurrency = option('concurrency', 8);
  const outputIndex = process.argv.indexOf('--output');
  const output = outputIndex >= 0 ? process.argv[outputIndex + 1] : undefined;
  const pin = pinning();
  if (pin.available) pinPid(process.pid, pin.loadCpu);
  const dir = await mkdtemp(path.join(tmpdir(), 'sandbox-sign-ins-'));
  const users = Array.from({ length: USERS }, (_, i) => ({ upn: `signer${i}@signins.example`, password: `signer-pass-${i}` }));
  await writeFile(
    path.join(dir, 'seed.json'),
    JSON.stringify({
      tenants: [{ id: TENANT_ID, displayName: 'Sign-ins', domains: ['signins.example'], unmanaged: true }],
      users: users.map((u, i) => ({
        ...u,
        id: `88888888-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
        displayName: `Signer ${i}`,
        tenantId: TENANT_ID,
      })),
    }),
  );
  const loadBefore = loadavg().map((v) => round(v, 2));
  const sandbox = await startSandboxProcess(
    { SANDBOX_PORT: '0', SANDBOX_DATA_DIR: path.join(dir, 'data'), SANDBOX_SEED: path.join(dir, 'seed.json'), LOG_LEVEL: 'warn' },
    pin.available ? pin.serverCpu : undefined,
  );
  const tokenService = `${sandbox.url}/botframework/api`;
  const blocks: Block[] = [];
  let retried = 0;
  try {
    let done = 0;
    let blockStart = 0;
    let blockCpu = 0;
    // A connection reset on a machine this busy is not the sandbox's pace: the sign-in is tried again (counted).
    const signIn = async (i: number) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await signInOnce(i);
        } catch (error) {
          if (attempt >= 3 || !(error instanceof TypeError)) throw error;
          retried += 1;
        }
      }
    };
    const signInOnce = async (i: number) => {
      const user = users[i % USERS] ?? users[0];
      const channel = { channelUserId: `signer-channel-${i}`, channelId: 'emulator', connectionName: 'GraphConnection' };
      const state = Buffer.from(
        JSON.stringify({
          connectionName: channel.connectionName,
          conversation: { user: { id: channel.channelUserId }, channelId: channel.channelId, conversation: { id: `conv-${i}` } },
        }),
      ).toString('base64');
      const resource = (await (await fetch(`${tokenService}/botsignin/GetSignInResource?state=${encodeURIComponent(state)}`)).json()) as {
        signInLink: string;
      };
      const form = new URLSearchParams({
        state: new URL(resource.signInLink).searchParams.get('state') ?? '',
        username: user.upn,
        password: user.password,
      });
      const page = await (await fetch(new URL('signin', resource.signInLink), { method: 'POST', body: form })).text();
      const code = /id="magic-code"[^>]*>(\d{6})</.exec(page)?.[1];
      const query = new URLSearchParams({
        userId: channel.channelUserId,
        connectionName: channel.connectionName,
        channelId: channel.channelId,
        code: code ?? '',
      });
      const token = await fetch(`${tokenService}/usertoken/GetToken?${query}`);
      if (token.status !== 200) throw new Error(`sign-in ${i} got no token (${token.status})`);
      await token.arrayBuffer();
      if (i < 0) return;
      done += 1;
      if (done % BLOCK === 0) {
        const now = performance.now();
        const cpu = cpuMsOf(sandbox.pid);
        blocks.push({
          upTo: done,
          perSecond: round(BLOCK / ((now - blockStart) / 1000), 1),
          cpuMsPerSignIn: round((cpu - blockCpu) / BLOCK, 2),
        });
        process.stderr.write(`${done} sign-ins: ${blocks.at(-1)?.perSecond}/s, ${blocks.at(-1)?.cpuMsPerSignIn} ms sandbox CPU each\n`);
        blockStart = now;
        blockCpu = cpu;
      }
    };
    // Unmeasured, so the first block is not the JIT's warm-up: the comparison is of a full sandbox with an empty one.
    await inParallel(
      Array.from({ length: WARM_UP }, (_, i) => -1 - i),
      concurrency,
      (i) => signIn(i),
    );
    blockStart = performance.now();
    blockCpu = cpuMsOf(sandbox.pid);
    await inParallel(
      Array.from({ length: signIns }, (_, i) => i),
      concurrency,
      signIn,
    );
  } finally {
    await sandbox.stop();
    await rm(dir, { recursive: true, force: true });
  }
  const first = blocks[0];
  const last = blocks.at(-1);
  if (!first || !last) throw new Error(`fewer than ${BLOCK} sign-ins: nothing to compare`);
  const rateRatio = round(last.perSecond / first.perSecond, 2);
  const cpuRatio = round(last.cpuMsPerSignIn / first.cpuMsPerSignIn, 2);
  const met = rateRatio >= 1 - MAX_SLOWDOWN && cpuRatio <= 1 / (1 - MAX_SLOWDOWN);
  const report = {
    measuredAt: new Date().toISOString(),
    signIns,
    concurrency,
    loadAverageBefore: loadBefore,
    loadAverageAfter: loadavg().map((v) => round(v, 2)),
    first,
    last,
    rateRatio,
    cpuRatio,
    retried,
    blocks,
  };
  if (output) await writeFile(output, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    `sandbox sign-ins: first ${BLOCK} ${first.perSecond}/s (${first.cpuMsPerSignIn} ms CPU each), last ${BLOCK} (to ${last.upTo}) ${last.perSecond}/s (${last.cpuMsPerSignIn} ms CPU each): rate ${rateRatio}x, CPU ${cpuRatio}x; goal rate >= ${1 - MAX_SLOWDOWN}x and CPU <= ${round(1 / (1 - MAX_SLOWDOWN), 2)}x: ${met ? 'met' : 'NOT met'} (${retried} retried after a network error)\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`sandbox sign-in benchmark failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
