/**
 * `npm run chaos -- --people 40 --kills 4 --aimed-kills 2 --outages 4`: the kill -9 and storage-outage run of issue 19 with two bot
 * instances on Azurite (test/support/chaos/). Prints the counts as a table, then every broken invariant, and exits 1
 * if there is one. The recorded runs are in docs/scaling.md ("Kill -9 and storage outage, two instances on Azurite").
 */
import { parseArgs } from 'node:util';
import { chaosTable, runChaos, type ChaosPlan } from '../test/support/chaos/chaosRun';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      people: { type: 'string', default: '40' },
      kills: { type: 'string', default: '4' },
      'aimed-kills': { type: 'string', default: '2' },
      outages: { type: 'string', default: '4' },
      'outage-ms': { type: 'string', default: '4000' },
      concurrency: { type: 'string', default: '8' },
      seed: { type: 'string', default: String(Date.now() % 100_000) },
      'quiet-timeout-s': { type: 'string', default: '180' },
      'ttl-s': { type: 'string', default: '120' },
    },
  });
  const plan: ChaosPlan = {
    people: Number(values.people),
    kills: Number(values.kills),
    aimedKills: Number(values['aimed-kills']),
    outages: Number(values.outages),
    outageMs: Number(values['outage-ms']),
    concurrency: Number(values.concurrency),
    seed: Number(values.seed),
    quietTimeoutMs: Number(values['quiet-timeout-s']) * 1000,
    env: { CLOSURE_CONFIRMATION_TTL_SECONDS: values['ttl-s'] },
    log: (line) => console.log(`[chaos] ${line}`),
  };
  console.log(`[chaos] seed ${plan.seed}`);
  const result = await runChaos(plan);
  const rows = chaosTable(plan, result);
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value}`);
  for (const failure of result.counts.failures) console.log(`FAILED: ${failure}`);
  process.exitCode = result.counts.failures.length > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 2;
});
