/**
 * One namespaced logger per component. Values are quoted by the caller (`"${value}"`); tokens and secrets are
 * never passed in. The sink is chosen by the composition root, and so is each component's one namespace
 * (`bot:closer`): a component logs under the logger it is given and adds no segment of its own, so no namespace
 * names a component twice (`bot:closer:graph:closer`); only parts a component builds inside itself get a child.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(namespace: string): Logger;
}

export interface LogRecord {
  readonly level: LogLevel;
  readonly namespace: string;
  readonly message: string;
  readonly fields?: Record<string, unknown>;
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(namespace: string, sink: (record: LogRecord) => void, minLevel: LogLevel = 'info'): Logger {
  const emit = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (LEVELS[level] >= LEVELS[minLevel]) sink({ level, namespace, message, fields: fields && redactFields(fields) });
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (name) => createLogger(`${namespace}:${name}`, sink, minLevel),
  };
}

/** Writes one JSON line per record to stderr. */
export function jsonLineSink(record: LogRecord): void {
  const { fields, ...rest } = record;
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...rest, ...fields })}\n`);
}

/** A logger that drops everything; for tools and tests that do not assert on logs. */
export const silentLogger: Logger = createLogger('silent', () => undefined);

const SECRET_FIELD = /token|secret|password|authorization|nonce|code|cookie|key/i;
/** Personal data by field name: a user principal name or mail address is never logged, only its keyed hash. */
const PERSONAL_FIELD = /^(upn|userPrincipalName|mail|email|loginHint|login_hint|preferred_username|username)$/i;
const NOT_SECRET = new Set(['errorCode', 'statusCode']);
/** Deep enough for any record we write; deeper values (and cycles) are cut rather than walked forever. */
const MAX_DEPTH = 8;
/** How many links of a `cause` chain are kept. */
const MAX_CAUSES = 5;

/**
 * Field names that look like credentials or personal data are masked whatever their value, at any depth (a
 * token inside `response.headers`, a UPN inside `user`), as a second line of defence. Errors become plain
 * objects with their cause chain, stack and, for botbuilder's DialogContextError, the dialog stack's ids.
 */
export function redactFields(fields: Record<string, unknown>): Record<string, unknown> {
  return redactObject(fields, 0, new WeakSet());
}

function redactObject(value: object, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(value)) {
    out[name] =
      (SECRET_FIELD.test(name) && !NOT_SECRET.has(name)) || PERSONAL_FIELD.test(name) ? '[redacted]' : redactValue(field, depth + 1, seen);
  }
  return out;
}

function redactValue(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[circular]';
  if (depth > MAX_DEPTH) return '[too deep]';
  seen.add(value);
  try {
    if (value instanceof Error) return redactObject(describeError(value, 0), depth, seen);
    if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
    if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1, seen));
    if (value instanceof Date || value instanceof URL) return value.toString();
    return redactObject(value, depth, seen);
  } finally {
    seen.delete(value);
  }
}

/**
 * An error as the log keeps it (STYLE.md 17): name, message, its catalogue code, stack, the `cause` chain, and
 * botbuilder's DialogContextError dialog stack (`dialogContext`, botbuilder-dialogs/src/dialogContextError.ts) as
 * dialog ids only: a dialog's state can hold what the user typed. Read by shape: services never import botbuilder.
 */
function describeError(error: Error, depth: number): Record<string, unknown> {
  const described: Record<string, unknown> = { name: error.name, message: error.message };
  const { code, status, dialogContext } = error as { code?: unknown; status?: unknown; dialogContext?: unknown };
  if (code !== undefined) described.errorCode = code;
  if (typeof status === 'number') described.status = status;
  if (error.stack) described.stack = error.stack;
  const dialogs = dialogStackOf(dialogContext);
  if (dialogs) described.dialogs = dialogs;
  const cause: unknown = error.cause ?? (dialogContext ? (error as { error?: unknown }).error : undefined);
  if (cause !== undefined && cause !== error) {
    if (depth + 1 >= MAX_CAUSES) described.cause = '[more causes cut]';
    else
      described.cause =
        cause instanceof Error ? describeError(cause, depth + 1) : typeof cause === 'string' ? cause : JSON.stringify(cause);
  }
  return described;
}

function dialogStackOf(context: unknown): { activeDialog?: string; parent?: string; stack: string[] } | undefined {
  if (typeof context !== 'object' || context === null) return undefined;
  const { activeDialog, parent, stack } = context as { activeDialog?: unknown; parent?: unknown; stack?: unknown };
  if (!Array.isArray(stack)) return undefined;
  return {
    activeDialog: typeof activeDialog === 'string' ? activeDialog : undefined,
    parent: typeof parent === 'string' ? parent : undefined,
    stack: stack.map((instance) => {
      const id = (instance as { id?: unknown } | null)?.id;
      return typeof id === 'string' ? id : '?';
    }),
  };
}

/**
 * The URL as it may appear in logs and errors: no query string (it can carry SAS signatures), no fragment,
 * and path segments that hold an address (the user-realm path is `/common/userrealm/{upn}`) masked.
 */
export function redactUrl(url: string | URL): string {
  try {
    const parsed = typeof url === 'string' ? new URL(url) : url;
    const path = /@|%40/i.test(parsed.pathname)
      ? parsed.pathname
          .split('/')
          .map((segment) => (/@|%40/i.test(segment) ? '{redacted}' : segment))
          .join('/')
      : parsed.pathname;
    return `${parsed.origin}${path}`;
  } catch (error) {
    return `[unparseable URL: ${error instanceof Error ? error.message : 'invalid'}]`;
  }
}
