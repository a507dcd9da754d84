import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import type { StoredRecord } from './recordStore';

/**
 * One unit of work (a turn): what the stores may keep for its length only, so a turn pays one round trip where it
 * used to pay several (issue 22: every Blob request is latency, CPU and money). Two things live here:
 * - audit events appended during the turn, written together at the end (or earlier, at a `flush`), one append each
 *   turn or transition instead of one per event (adapters/storage/batchedAuditTrail.ts);
 * - the records the turn read or wrote, with their eTags, so a second read of the same record in the same turn, or
 *   a read right after the turn's own compare-and-swap, asks nobody (adapters/storage/turnCachedRecordStore.ts).
 * Nothing is kept across turns: turns of one conversation land on any instance. A compare-and-swap still decides
 * every write, so a record another instance changed meanwhile makes the write conflict, and the retry reads again.
 * Work a turn starts and that outlives it (Teams' after-reply closing, lease renewals) finds the scope ended and
 * reads and writes through, as background work does.
 */
export interface TurnScope {
  /** Random, per turn: names the turn on a record it claimed (a settling taken with the outcome). */
  readonly id: string;
  /** False once the turn has ended: later work started from it goes straight to the stores. */
  open: boolean;
  /** Per store: the records seen, or `null` for one known to be absent. */
  readonly records: Map<object, Map<string, StoredRecord<unknown> | null>>;
  /** Per trail: the flush of the events it holds for this turn. */
  readonly flushes: Map<object, () => Promise<void>>;
}

const scopes = new AsyncLocalStorage<TurnScope>();

/** The scope of the turn running now, if one is open. */
export function currentTurn(): TurnScope | undefined {
  const scope = scopes.getStore();
  return scope?.open ? scope : undefined;
}

/**
 * Runs `work` as one turn. Audit events held for it are written when it ends, also when it throws (they record
 * what happened); a turn inside a turn is part of it.
 */
export async function runAsOneTurn<T>(work: () => Promise<T>): Promise<T> {
  if (currentTurn()) return work();
  const scope: TurnScope = { id: randomBytes(8).toString('hex'), open: true, records: new Map(), flushes: new Map() };
  let result: T;
  try {
    result = await scopes.run(scope, work);
  } catch (error) {
    scope.open = false;
    try {
      await flushTurn(scope);
    } catch (flushError) {
      throw new AggregateError([error, flushError], 'the turn failed, and the audit events it held could not be written');
    }
    throw error;
  }
  scope.open = false;
  await flushTurn(scope);
  return result;
}

/** Writes every audit event the turn holds now (before an irreversible step, and at its end). */
export async function flushTurn(scope: TurnScope | undefined = currentTurn()): Promise<void> {
  if (!scope) return;
  for (const flush of scope.flushes.values()) await flush();
}

/**
 * Runs `work` outside any turn: what it reads and writes goes straight to the stores and is kept by no turn (once
 * per process work that a turn happens to start first, and that other turns then share).
 */
export function outsideTurn<T>(work: () => Promise<T>): Promise<T> {
  return scopes.exit(work);
}
