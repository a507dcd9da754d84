import { randomBytes, randomUUID } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { DirectLineTokenGrant } from './directLineTokens';
import { SandboxError } from './errors';

// The Direct Line's file, `{dataDir}/directline.json` (sandbox/directLineConversations.ts keeps it): conversations,
// tokens and watermarks, so a restart keeps every web chat going; activity bodies are never written.

export const STORE_FILE = 'directline.json';
const STORE_VERSION = 1;

/** A conversation as the file keeps it: everything but its activity log. */
export interface StoredConversation {
  readonly id: string;
  /** Who started it: the token's user, or the secret holder's `user.id` (a fresh `dl_` id when none). */
  userId: string;
  /** The start body's `locale`, given to every activity the bot gets that has none. */
  locale?: string;
  started: boolean;
  nextSequence: number;
  /** Epoch ms of the last activity or start; idle conversations are forgotten after a week. */
  lastActiveAt: number;
  /** Watermark n = n activities delivered; the log's first activity is position `logStart` (bodies before it were not kept). */
  logStart: number;
}

export interface StoredState {
  version: number;
  /** The Direct Line secret: kept so bots holding it (a shared sandbox) still work after a restart. */
  secret: string;
  signingKey: string;
  /** Where web chat traffic goes (attachBot): a shared sandbox's bots need not register again after a restart. */
  botEndpoint?: string;
  conversations: StoredConversation[];
  /** Keyed by SHA-256 of the token; expired grants are kept a day to answer TokenExpired. */
  tokens: Record<string, DirectLineTokenGrant>;
}

/** A new Direct Line: a fresh secret and signing key, no conversations. */
export function newStoredState(): StoredState {
  return {
    version: STORE_VERSION,
    secret: randomBytes(32).toString('base64url'),
    signingKey: randomBytes(32).toString('base64'),
    conversations: [],
    tokens: {},
  };
}

/** Writes the state whole (temp file + rename: a crash leaves the old file or the new one). */
export async function writeStore(file: string, state: StoredState): Promise<void> {
  const temp = `${file}.${randomUUID()}.tmp`;
  try {
    await writeFile(temp, JSON.stringify(state), { mode: 0o600 });
    await rename(temp, file);
  } catch (error) {
    throw new SandboxError('STORAGE_UNAVAILABLE', `sandbox Direct Line state cannot be written to "${file}"`, { cause: error });
  }
}

/** The saved state, or undefined when there is none; refused when unreadable or of another version. */
export async function readStore(file: string): Promise<StoredState | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SandboxError('STORAGE_UNAVAILABLE', `sandbox Direct Line state "${file}" cannot be read`, { cause: error });
  }
  let state: StoredState;
  try {
    state = JSON.parse(text) as StoredState;
  } catch (error) {
    throw new SandboxError('CONFIG_INVALID', `sandbox Direct Line state "${file}" is not valid JSON; delete it to start again`, {
      cause: error,
    });
  }
  if (state.version !== STORE_VERSION)
    throw new SandboxError(
      'CONFIG_INVALID',
      `sandbox Direct Line state "${file}" has version "${state.version}", expected "${STORE_VERSION}"; delete it to start again`,
    );
  return state;
}
