import type { AuditEvent, AuditTrail } from '../../services/auditTrail';
import { assertAuditEvent } from './auditEventGuard';
import { currentTurn, type TurnScope } from '../../services/turnScope';

/**
 * The audit trail with a turn's events written together (issue 22: one `appendBlock` per event was 9 Blob requests
 * of a closure's 56). Inside a turn (`runAsOneTurn`) an event is checked at once (a bad one still throws where it
 * is made) and held; the turn's events go to the trail in one `appendAll` when the turn ends, or when a step calls
 * `flush`: the closing engine does before the closer's irreversible call and after recording an outcome, so what
 * the audit must hold before and after the directory acts is written then, as before. Outside a turn (background
 * passes, work that outlives its turn) every event is written at once. Each event is written once: the held list
 * is taken before it is written, and a failed write throws to the turn (as a failed `append` did).
 */
export class BatchedAuditTrail implements AuditTrail {
  constructor(private readonly trail: AuditTrail) {}

  async append(event: AuditEvent): Promise<void> {
    const turn = currentTurn();
    if (!turn) return this.trail.append(event);
    assertAuditEvent(event);
    this.held(turn).push(event);
  }

  async appendAll(events: readonly AuditEvent[]): Promise<void> {
    for (const event of events) await this.append(event);
  }

  async flush(): Promise<void> {
    const turn = currentTurn();
    if (turn) await this.write(turn);
  }

  /** The events held for the current turn are written first, so a turn reads what it wrote. */
  async readAll(options?: { readonly since?: Date }): Promise<AuditEvent[]> {
    await this.flush();
    return this.trail.readAll(options);
  }

  private readonly pending = new WeakMap<TurnScope, AuditEvent[]>();

  private held(turn: TurnScope): AuditEvent[] {
    let events = this.pending.get(turn);
    if (!events) {
      const list: AuditEvent[] = [];
      events = list;
      this.pending.set(turn, list);
      turn.flushes.set(this, () => this.write(turn));
    }
    return events;
  }

  private async write(turn: TurnScope): Promise<void> {
    const events = this.pending.get(turn);
    if (!events || events.length === 0) return;
    const batch = events.splice(0, events.length);
    if (this.trail.appendAll) await this.trail.appendAll(batch);
    else for (const event of batch) await this.trail.append(event);
  }
}
