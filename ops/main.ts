/**
 * `npm run ops -- <verb>`: the operator's read-only questions about the bot's stores (docs/operations.md).
 *   funnel [--since 7d] [--svg FILE]   counts per stage and outcome from the audit trail
 *   open | stuck                       open requests (and those stuck in closing) with their age
 *   story <requestId>                  one request's audit events (looked up by request id, never by name)
 *   owed                               requests whose outcome the requester has not been told yet
 *   quarantined                        records the background work set aside
 * `--json` prints JSON for scripts. It reads the same settings as the bot (.env, environment).
 */
import { writeFileSync } from 'node:fs';
import { loadConfig } from '../config/config';
import { readEnvironment } from '../config/environment';
import { funnelSvg } from './funnelSvg';
import { openOpsStores, type OpsStores } from './opsStores';
import { type Funnel, type OpenRequest, funnel, openRequests, parseSince, story } from './reports';

export interface OpsOutput {
  readonly json: unknown;
  readonly text: string;
}

export async function runOps(args: readonly string[], stores: OpsStores, now: Date): Promise<OpsOutput> {
  const [verb, ...rest] = args.filter((a) => a !== '--json');
  const option = (name: string): string | undefined => {
    const i = rest.indexOf(name);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  switch (verb) {
    case 'funnel': {
      const data = funnel(await stores.readAudit(), parseSince(option('--since') ?? '7d', now), now);
      const svg = option('--svg');
      if (svg) writeFileSync(svg, funnelSvg(data));
      return { json: data, text: funnelText(data) + (svg ? `\nwrote ${svg}\n` : '') };
    }
    case 'open':
    case 'stuck':
    case 'owed': {
      const all = openRequests(await stores.listRecords('closureRequests'), now);
      const shown = verb === 'open' ? all : all.filter((r) => (verb === 'stuck' ? r.stuck : r.owed));
      return { json: shown, text: requestsText(shown, verb) };
    }
    case 'story': {
      const requestId = rest[0];
      if (!requestId || !/^[A-Za-z0-9_-]{8,100}$/.test(requestId))
        throw new Error("story takes a request id (from open, stuck or the bot's messages), never a name or address");
      const events = story(await stores.readAudit(), requestId);
      return {
        json: { requestId, events },
        text:
          events.length === 0
            ? `no audit events for request ${requestId}\n`
            : events.map((e) => `${e.at}  ${e.type}${e.detail ? `  (${e.detail})` : ''}`).join('\n') + '\n',
      };
    }
    case 'quarantined': {
      const entries = (await stores.listRecords('quarantine')).map(({ value }) => value as Record<string, unknown>);
      const lines = entries.map(
        (e) =>
          `${String(e.at)}  ${String(e.kind)}/${String(e.recordId)}  ${String(e.job)}  ${String(e.reason)}  failures: ${String(e.failures)}`,
      );
      return { json: entries, text: entries.length === 0 ? 'no records set aside\n' : `${lines.join('\n')}\n` };
    }
    default:
      throw new Error(`unknown verb "${verb ?? ''}": use funnel, open, stuck, story <requestId>, owed or quarantined (docs/operations.md)`);
  }
}

function funnelText(data: Funnel): string {
  const stages = Object.entries(data.stages).map(
    ([stage, n]) => `  ${stage.padEnd(12)} ${n === null ? 'not recorded (the audit starts at sign-in)' : n}`,
  );
  const outcomes = Object.entries(data.outcomes).map(([outcome, n]) => `  ${outcome.padEnd(12)} ${n}`);
  return [`funnel ${data.since} .. ${data.until}`, ...stages, 'outcomes', ...outcomes].join('\n') + '\n';
}

function requestsText(requests: readonly OpenRequest[], verb: string): string {
  if (requests.length === 0) return `no ${verb} requests\n`;
  const age = (s: number) =>
    s >= 86_400 ? `${Math.floor(s / 86_400)}d` : s >= 3_600 ? `${Math.floor(s / 3_600)}h` : `${Math.floor(s / 60)}m`;
  return (
    requests
      .map(
        (r) =>
          `${r.requestId}  ${r.status.padEnd(10)} age ${age(r.ageSeconds).padStart(4)}  idle ${age(r.idleSeconds).padStart(4)}${r.stuck ? '  STUCK' : ''}${r.owed ? '  OWED' : ''}`,
      )
      .join('\n') + '\n'
  );
}

if (require.main === module) {
  const args = process.argv.slice(2);
  (async () => {
    const stores = openOpsStores(loadConfig(readEnvironment()));
    const output = await runOps(args, stores, new Date());
    process.stdout.write(args.includes('--json') ? `${JSON.stringify(output.json, null, 2)}\n` : output.text);
  })().catch((error: unknown) => {
    process.stderr.write(`ops: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
