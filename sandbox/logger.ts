/**
 * The sandbox's own small logger. The embedded sandbox logs through the logger its host passes in (any object of
 * this shape: the bot's fits, and adds its own redaction); the standalone sandbox (`npm run sandbox`) writes JSON
 * lines to stderr with `createLogger`. The sandbox never passes a token, password or code in a field; names that
 * look like one are masked anyway.
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

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
const SECRET_FIELD = /token|secret|password|authorization|code|cookie|key|upn|username/i;

export function createLogger(namespace: string, sink: (record: LogRecord) => void, minLevel: LogLevel = 'info'): Logger {
  const emit = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(minLevel)) sink({ level, namespace, message, fields: fields && plain(fields) });
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (name) => createLogger(`${namespace}:${name}`, sink, minLevel),
  };
}

/** One JSON line per record on stderr. */
export function jsonLineSink(record: LogRecord): void {
  const { fields, ...rest } = record;
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...rest, ...fields })}\n`);
}

/** Drops everything: the default when the host passes no logger. */
export const silentLogger: Logger = createLogger('silent', () => undefined);

/** Top-level fields as JSON can hold them: errors as name, message, code, stack and cause; secret-looking names masked. */
function plain(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(fields).map(([name, value]) => [
      name,
      SECRET_FIELD.test(name) && name !== 'errorCode' ? '[redacted]' : value instanceof Error ? describeError(value, 0) : value,
    ]),
  );
}

function describeError(error: Error, depth: number): Record<string, unknown> {
  const { code } = error as { code?: unknown };
  const cause = depth < 4 && error.cause instanceof Error ? describeError(error.cause, depth + 1) : undefined;
  return { name: error.name, message: error.message, errorCode: code, stack: error.stack, cause };
}
