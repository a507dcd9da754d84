import type { IncomingMessage, ServerResponse } from 'node:http';
import { ANSWER_SHAPES, isAnswerShape, type AnswerShape } from './answerShapes';

export interface FaultResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  readonly body?: unknown;
}

/**
 * - an answer, sent instead of the route's;
 * - `'reset'`: the socket is destroyed, nothing is handled;
 * - `'hang'`: nothing is handled and no answer comes until the client gives up or the sandbox stops;
 * - `'hangAfterHandling'`: the route does its work (a delete happens), then its answer is dropped and the
 *   request hangs: the caller cannot know the outcome, as when a process dies after the directory acted;
 * - a named answer (sandbox/answerShapes.ts), e.g. `'proxyHtml404'`: one of the shapes Graph `/me` can come back
 *   in that are not "this account does not exist".
 */
export type FaultMode = FaultResponse | 'reset' | 'hang' | 'hangAfterHandling' | AnswerShape;

export interface FaultRule {
  /** HTTP method to match (any when absent). */
  readonly method?: string;
  /** Tested against the request's path (no query string), e.g. `/^\/graph\/v1\.0\/me$/`. */
  readonly path: RegExp;
  /** How many matching requests get the fault; default 1. */
  readonly times?: number;
  readonly respond: FaultMode;
}

/** One request a fault was applied to; `handled` turns true once a `hangAfterHandling` route has done its work. */
export interface FiredFault {
  readonly method: string;
  readonly path: string;
  readonly respond: 'answer' | 'reset' | 'hang' | 'hangAfterHandling';
  readonly handled: boolean;
}

/** For tests of the production adapters: make the next matching requests fail the way Azure sometimes does. */
export interface FaultInjector {
  inject(rule: FaultRule): void;
  clear(): void;
  /** Every request a fault was applied to since the last `clear`, oldest first. */
  fired(): readonly FiredFault[];
}

interface ActiveFault {
  readonly rule: FaultRule;
  remaining: number;
}

export class FaultTable implements FaultInjector {
  private faults: ActiveFault[] = [];
  private history: Array<{ -readonly [K in keyof FiredFault]: FiredFault[K] }> = [];

  inject(rule: FaultRule): void {
    const times = rule.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new RangeError(`fault "times" must be a positive integer, got "${times}"`);
    this.faults.push({ rule, remaining: times });
  }

  clear(): void {
    this.faults = [];
    this.history = [];
  }

  fired(): readonly FiredFault[] {
    return this.history.map((f) => ({ ...f }));
  }

  /**
   * Answers the request with the first matching fault and returns true, or returns false to let the route
   * handle it (no fault, or `hangAfterHandling`, whose answer is then swallowed).
   */
  apply(req: IncomingMessage, res: ServerResponse, pathname: string): boolean {
    const fault = this.faults.find(
      (f) => (f.rule.method === undefined || f.rule.method.toUpperCase() === req.method) && f.rule.path.test(pathname),
    );
    if (!fault) return false;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.faults = this.faults.filter((f) => f !== fault);
    const respond = isAnswerShape(fault.rule.respond) ? ANSWER_SHAPES[fault.rule.respond] : fault.rule.respond;
    const fired = {
      method: req.method ?? '',
      path: pathname,
      respond: typeof respond === 'string' ? respond : ('answer' as const),
      handled: false,
    };
    this.history.push(fired);
    if (respond === 'hangAfterHandling') {
      swallowAnswer(res, () => (fired.handled = true));
      return false;
    }
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

/** The route writes its answer into nothing; the socket stays open, so the client waits as for a lost reply. */
function swallowAnswer(res: ServerResponse, onHandled: () => void): void {
  const silent = res as unknown as Record<'writeHead' | 'write' | 'end' | 'flushHeaders', (...args: unknown[]) => unknown>;
  silent.writeHead = () => res;
  silent.flushHeaders = () => undefined;
  silent.write = () => true;
  silent.end = () => {
    onHandled();
    return res;
  };
}

/** Parses a rule sent over HTTP; the problem, in words, when it is not one. */
export function parseFaultRule(input: unknown): FaultRule | string {
  if (!input || typeof input !== 'object') return 'a fault rule must be a JSON object';
  const { method, path, times, respond } = input as Record<string, unknown>;
  if (method !== undefined && (typeof method !== 'string' || !/^[A-Za-z]+$/.test(method))) return '"method" must be an HTTP method name';
  if (typeof path !== 'string' || path === '') return '"path" must be a regular expression source, e.g. "^/graph/v1\\\\.0/me$"';
  let pattern: RegExp;
  try {
    pattern = new RegExp(path);
  } catch {
    return '"path" is not a valid regular expression';
  }
  if (times !== undefined && (typeof times !== 'number' || !Number.isInteger(times) || times < 1))
    return '"times" must be a positive whole number';
  const modes = ['reset', 'hang', 'hangAfterHandling'];
  if (typeof respond === 'string') {
    if (!modes.includes(respond) && !isAnswerShape(respond))
      return `"respond" must be ${[...modes, ...Object.keys(ANSWER_SHAPES)].map((m) => `"${m}"`).join(', ')} or { status, headers?, body? }`;
  } else {
    const answer = respond as Record<string, unknown> | undefined;
    if (
      !answer ||
      typeof answer !== 'object' ||
      typeof answer.status !== 'number' ||
      !Number.isInteger(answer.status) ||
      answer.status < 100 ||
      answer.status > 599
    ) {
      return '"respond.status" must be an HTTP status code';
    }
    const headers = answer.headers;
    if (
      headers !== undefined &&
      (typeof headers !== 'object' || headers === null || Object.values(headers).some((v) => typeof v !== 'string'))
    ) {
      return '"respond.headers" must map names to strings';
    }
  }
  return { method: method, path: pattern, times: times, respond: respond as FaultMode };
}
