import type { IncomingMessage, ServerResponse } from 'node:http';

export interface FaultResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  readonly body?: unknown;
}

export interface FaultRule {
  /** HTTP method to match (any when absent). */
  readonly method?: string;
  /** Tested against the request's path (no query string), e.g. `/^\/graph\/v1\.0\/me$/`. */
  readonly path: RegExp;
  /** How many matching requests get the fault; default 1. */
  readonly times?: number;
  /** An answer, `'reset'` (the socket is destroyed) or `'hang'` (no answer until the client gives up or the sandbox stops). */
  readonly respond: FaultResponse | 'reset' | 'hang';
}

/** For tests of the production adapters: make the next matching requests fail the way Azure sometimes does. */
export interface FaultInjector {
  inject(rule: FaultRule): void;
  clear(): void;
}

interface ActiveFault {
  readonly rule: FaultRule;
  remaining: number;
}

export class FaultTable implements FaultInjector {
  private faults: ActiveFault[] = [];

  inject(rule: FaultRule): void {
    const times = rule.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new RangeError(`fault "times" must be a positive integer, got "${times}"`);
    this.faults.push({ rule, remaining: times });
  }

  clear(): void {
    this.faults = [];
  }

  /** Answers the request with the first matching fault and returns true, or returns false to let it through. */
  apply(req: IncomingMessage, res: ServerResponse, pathname: string): boolean {
    const fault = this.faults.find(
      (f) => (f.rule.method === undefined || f.rule.method.toUpperCase() === req.method) && f.rule.path.test(pathname),
    );
    if (!fault) return false;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.faults = this.faults.filter((f) => f !== fault);
    const { respond } = fault.rule;
    if (respond === 'reset') {
      req.socket.destroy();
    } else if (respond !== 'hang') {
      const body = respond.body === undefined ? '' : typeof respond.body === 'string' ? respond.body : JSON.stringify(respond.body);
      const type = typeof respond.body === 'string' || respond.body === undefined ? {} : { 'content-type': 'application/json' };
      res.writeHead(respond.status, { ...type, ...respond.headers, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    }
    return true;
  }
}
