import type { AuditEvent, AuditTrail } from '../../services/auditTrail';
import { assertAuditEvent, storedLine } from './auditEventGuard';

/** The audit trail in process memory, for tests and throw-away sandbox runs. */
export class MemoryAuditTrail implements AuditTrail {
  private readonly lines: string[] = [];

  async append(event: AuditEvent): Promise<void> {
    assertAuditEvent(event);
    this.lines.push(storedLine(event));
  }

  async appendAll(events: readonly AuditEvent[]): Promise<void> {
    for (const event of events) assertAuditEvent(event);
    for (const event of events) this.lines.push(storedLine(event));
  }

  async readAll(options: { readonly since?: Date } = {}): Promise<AuditEvent[]> {
    const events = this.lines.map((line) => JSON.parse(line) as AuditEvent);
    const since = options.since?.getTime();
    return since === undefined ? events : events.filter((event) => Date.parse(event.at) >= since);
  }
}
