import type { DataExporter, ExportHandle, ExportStatus } from '../../services/dataExporter';
import { AppError } from '../../services/errors';
import type { VerifiedIdentity } from '../../services/identity';
import type { Logger } from '../../services/logger';

/**
 * The export for `CLOSURE=portal`: Graph's exportPersonalData needs User.Export.All consented in the user's tenant,
 * which an unmanaged tenant cannot give, so the user asks for it on Microsoft's "My data requests" page themselves
 * (New export request). For an unmanaged tenant that gives the system-generated logs of the user's use of
 * Microsoft's services, requested by the user, and Microsoft says it can take up to a month
 * (https://learn.microsoft.com/power-platform/admin/powerapps-gdpr-dsr-guide-systemlogs, unmanaged tenants).
 * Requests nothing; the dialog says so (dialogs/closeAccountDialog.ts `handOffExport`) and audits `exportHandedOff`.
 */
export class PortalExportHandOff implements DataExporter {
  constructor(private readonly options: { readonly portalUrl: string; readonly logger: Logger }) {}

  async start(identity: Pick<VerifiedIdentity, 'objectId' | 'tenantId'>, options: { readonly requestId: string }): Promise<ExportHandle> {
    this.options.logger.info('export handed off to the portal by configuration', {
      requestId: options.requestId,
      objectId: identity.objectId,
      tenantId: identity.tenantId,
    });
    throw exportHandOff(this.options.portalUrl, `export handed off to the portal (request "${options.requestId}")`);
  }

  async status(_handle: ExportHandle): Promise<ExportStatus> {
    // Never started, so there is nothing to watch: a handle from another mode's job reads as failed, not running forever.
    return { kind: 'failed', reason: "exports are made on Microsoft's My data requests page in this deployment" };
  }
}

/** The hand-off error, with the page's link for the user's sentence (`errors.EXPORT_HANDED_OFF`). */
export function exportHandOff(portalUrl: string, detail: string, cause?: unknown): AppError {
  return new AppError('EXPORT_HANDED_OFF', detail, { cause, userValues: { portalUrl } });
}
