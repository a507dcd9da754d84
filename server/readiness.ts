import type { Request, Response, Server } from 'restify';
import type { Logger } from '../services/logger';

/** One part of readiness: resolves when it is usable, rejects (with a reason for the log) when not. */
export interface ReadinessPart {
  readonly name: string;
  readonly probe: () => Promise<void>;
}

export interface ReadinessOptions {
  readonly parts: readonly ReadinessPart[];
  /** A probe that has not answered by then counts as not ready. */
  readonly timeoutMs: number;
  /** An answer is reused this long, so a load balancer polling every few seconds costs one probe per interval. */
  readonly cacheMs: number;
  readonly clock: () => Date;
  readonly logger: Logger;
}

export interface ReadinessReport {
  readonly ready: boolean;
  /** Each part: `ok`, or `not ready` (the reason goes to the log only: no hosts, keys or messages in the body). */
  readonly parts: Readonly<Record<string, 'ok' | 'not ready'>>;
  readonly checkedAt: string;
}

/** Probe timeout and cache (README "Health and readiness"). */
export const READINESS_TIMEOUT_MS = 3_000;
export const READINESS_CACHE_MS = 5_000;

/**
 * `/readyz`: 200 only when every part answers (storage reachable, settings usable); else 503 naming the parts that
 * are not. `/healthz` stays liveness (the process answers HTTP), so an orchestrator restarts only a dead process and
 * routes around one whose storage is away (App Service health check: https://learn.microsoft.com/azure/app-service/monitor-instances-health-check).
 */
export class Readiness {
  private cached: { at: number; report: Promise<ReadinessReport> } | undefined;

  constructor(private readonly options: ReadinessOptions) {}

  check(): Promise<ReadinessReport> {
    const now = this.options.clock().getTime();
    if (!this.cached || now - this.cached.at >= this.options.cacheMs) this.cached = { at: now, report: this.probeAll() };
    return this.cached.report;
  }

  register(server: Server): void {
    // restify 12: an async handler takes (req, res) and no `next`.
    server.get('/readyz', async (_req: Request, res: Response) => {
      const report = await this.check();
      res.setHeader('cache-control', 'no-store');
      res.send(report.ready ? 200 : 503, { status: report.ready ? 'ready' : 'not ready', parts: report.parts });
    });
  }

  private async probeAll(): Promise<ReadinessReport> {
    const results = await Promise.all(this.options.parts.map(async (part) => [part.name, await this.probeOne(part)] as const));
    const parts = Object.fromEntries(results);
    return { ready: results.every(([, state]) => state === 'ok'), parts, checkedAt: this.options.clock().toISOString() };
  }

  private async probeOne(part: ReadinessPart): Promise<'ok' | 'not ready'> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
    });
    try {
      await Promise.race([part.probe(), timeout]);
      return 'ok';
    } catch (error) {
      this.options.logger.warn('not ready', { part: part.name, error });
      return 'not ready';
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A setting App Service could not resolve reaches the process as the literal reference text. */
const UNRESOLVED_KEY_VAULT_REFERENCE = /^@Microsoft\.KeyVault\(/i;

/**
 * Settings usable: none of the given values is an unresolved Key Vault reference (App Service passes
 * `@Microsoft.KeyVault(...)` through when its identity cannot read the vault:
 * https://learn.microsoft.com/azure/app-service/app-service-key-vault-references#troubleshooting-key-vault-references).
 * Rejects naming the setting, never its value.
 */
export function settingsProbe(values: Readonly<Record<string, string | undefined>>): () => Promise<void> {
  return async () => {
    const unresolved = Object.entries(values)
      .filter(([, value]) => value !== undefined && UNRESOLVED_KEY_VAULT_REFERENCE.test(value))
      .map(([name]) => name);
    if (unresolved.length > 0) throw new Error(`unresolved Key Vault reference in ${unresolved.join(', ')}`);
  };
}
