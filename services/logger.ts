/**
 * One namespaced logger per module. Values are quoted by the caller (`"${value}"`); tokens and secrets are
 * never passed in. The sink is chosen by the composition root.
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
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...rest, ...serializeFields(fields) })}\n`);
}

/** A logger that drops everything; for tools and tests that do not assert on logs. */
export const silentLogger: Logger = createLogger('silent', () => undefined);

const SECRET_FIELD = /token|secret|password|authorization|nonce|code|cookie|key/i;

/** Field names that look like credentials are masked whatever their value, as a second line of defence. */
export function redactFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    out[name] = SECRET_FIELD.test(name) && name !== 'errorCode' && name !== 'statusCode' ? '[redacted]' : value;
  }
  return out;
}

function serializeFields(fields: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!fields) return {};
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    out[name] = value instanceof Error ? { name: value.name, message: value.message, code: (value as { code?: unknown }).code } : value;
  }
  return out;
}
