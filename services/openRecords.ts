import { TERMINAL_STATUSES, type ClosureRequest } from './closureRequest';
import type { ExportJob } from './exportService';

/**
 * Which records the background work still reads (the open-record index, services/openRecordIndex.ts).
 * A closure request is open while it can still move (pending, confirmed, closing) and, once ended, until it is
 * settled (`outcomeNotified`, set by ClosureService.markSettled): ClosureService.reconcile's two cases.
 */
export function isOpenClosureRequest(request: ClosureRequest): boolean {
  return !TERMINAL_STATUSES.includes(request.status) || !request.outcomeNotified;
}

/** An export job is open while it runs, and while its "ready" message is owed (ExportService.poll reads only those). */
export function isOpenExportJob(job: ExportJob): boolean {
  return job.status === 'running' || job.tell?.owed === true;
}

/** When an export job last changed: told (ready or failed), else requested. */
export function exportJobChangedAt(job: ExportJob): string {
  return job.notifiedAt ?? job.requestedAt;
}
