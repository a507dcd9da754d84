import type { AuditTrail } from '../../services/auditTrail';
import type { Logger } from '../../services/logger';

/**
 * The audit trail, with one `audit event` log line per event written: its type, request id and detail (a verdict
 * or an error code), never the object id, tenant id or UPN hash. App Service sends the line to the Log Analytics
 * workspace, where the closure funnel workbook and the hand-off alert count them (docs/operations.md). A Proxy, so
 * whatever else the trail offers (reading, and methods a later trail adds) passes through untouched.
 */
export function logAuditEvents(trail: AuditTrail, logger: Logger): AuditTrail {
  const append: AuditTrail['append'] = async (event) => {
    await trail.append(event);
    logger.info('audit event', { event: event.type, requestId: event.requestId, detail: event.detail });
  };
  const appendAll: AuditTrail['appendAll'] = async (events) => {
    if (trail.appendAll) await trail.appendAll(events);
    else for (const event of events) await trail.append(event);
    for (const event of events) logger.info('audit event', { event: event.type, requestId: event.requestId, detail: event.detail });
  };
  return new Proxy(trail, {
    get(target, property) {
      if (property === 'append') return append;
      if (property === 'appendAll') return appendAll;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
