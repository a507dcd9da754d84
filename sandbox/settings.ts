/**
 * The standalone sandbox's settings (`npm run sandbox`, `npm run sandbox:reset`), read from the environment with
 * `.env` applied (real variables win). The names and defaults are the ones the bot's README documents for its
 * embedded sandbox, so one `.env` serves both; the embedded sandbox is given its options by its host instead.
 */
import { SandboxError } from './errors';
import { LOG_LEVELS, type LogLevel } from './logger';

export interface SandboxSettings {
  /** SANDBOX_PORT, default 3979. */
  readonly port: number;
  /** SANDBOX_DATA_DIR, default `.data/sandbox`. */
  readonly dataDir: string;
  /** SANDBOX_SEED: a seed file; undefined = the built-in demo seed. */
  readonly seedPath?: string;
  /** SANDBOX_EXPORT_DELAY_MS, default 15000. */
  readonly exportDelayMs: number;
  /** LOG_LEVEL, default info. */
  readonly logLevel: LogLevel;
}

type Environment = Readonly<Record<string, string | undefined>>;

/** The process environment with `.env` (in the working folder) applied; real variables win. */
export function readEnvironment(): Environment {
  try {
    process.loadEnvFile('.env');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return process.env;
}

/** @throws SandboxError `CONFIG_INVALID` naming every wrong setting. */
export function readSandboxSettings(env: Environment): SandboxSettings {
  const problems: string[] = [];
  const value = (name: string, fallback: string) => env[name]?.trim() || fallback;
  const integer = (name: string, fallback: number, max: number): number => {
    const raw = value(name, String(fallback));
    const parsed = Number(raw);
    if (/^\d+$/.test(raw) && parsed <= max) return parsed;
    problems.push(`${name} must be a whole number from 0 to ${max}; got "${raw}".`);
    return fallback;
  };
  const logLevel = value('LOG_LEVEL', 'info');
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel))
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got "${logLevel}".`);
  const settings: SandboxSettings = {
    port: integer('SANDBOX_PORT', 3979, 65535),
    dataDir: value('SANDBOX_DATA_DIR', '.data/sandbox'),
    seedPath: value('SANDBOX_SEED', '') || undefined,
    exportDelayMs: integer('SANDBOX_EXPORT_DELAY_MS', 15_000, 86_400_000),
    logLevel: logLevel as LogLevel,
  };
  if (problems.length > 0) throw new SandboxError('CONFIG_INVALID', problems.join(' '));
  return settings;
}

/** The port a setting names (the bot's PORT, for the reset's "still running?" check), or `fallback`. */
export function portSetting(env: Environment, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  return raw && /^\d+$/.test(raw) ? Number(raw) : fallback;
}
