import type { Route, RouteContext } from './http';
import { parseBlobPath, type BlobFiles, type SandboxLinkSigner } from './storage';

/**
 * Reads from sandbox blob storage through signed links only, like a private container read with a SAS.
 * Errors use Blob Storage's XML shape, https://learn.microsoft.com/rest/api/storageservices/status-and-error-codes2
 */
export function storageRoutes(options: { readonly blobs: BlobFiles; readonly signer: SandboxLinkSigner }): Route[] {
  const { blobs, signer } = options;

  async function getBlob(ctx: RouteContext): Promise<void> {
    const address = parseBlobPath(ctx.url.pathname.slice('/storage/'.length));
    const verdict = signer.verify(ctx.url.pathname, ctx.url.searchParams.get('se'), ctx.url.searchParams.get('sig'), ctx.now);
    if (verdict === 'invalid')
      return storageError(
        ctx,
        403,
        'AuthenticationFailed',
        'Server failed to authenticate the request. Make sure the signature is formed correctly.',
      );
    if (verdict === 'expired')
      return storageError(ctx, 403, 'AuthenticationFailed', 'Signed expiry time has passed: the link has expired.');
    const content = address ? await blobs.read(address) : undefined;
    if (!address || !content) return storageError(ctx, 404, 'BlobNotFound', 'The specified blob does not exist.');
    const fileName = address.blob.split('/').pop() ?? 'download';
    ctx.res.writeHead(200, {
      'content-type': fileName.endsWith('.json') ? 'application/json' : 'application/octet-stream',
      'content-length': content.length,
      'content-disposition': `attachment; filename="${fileName.replace(/"/g, '')}"`,
      'cache-control': 'no-store',
      'x-ms-request-id': ctx.requestId,
    });
    ctx.res.end(content);
  }

  return [{ method: 'GET', pattern: /^\/storage\/[^/]+\/.+$/, handle: getBlob }];
}

function storageError(ctx: RouteContext, status: number, code: string, message: string): void {
  const xml = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}\nRequestId:${ctx.requestId}\nTime:${ctx.now.toISOString()}</Message></Error>`;
  ctx.res.writeHead(status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(xml),
    'x-ms-error-code': code,
    'x-ms-request-id': ctx.requestId,
  });
  ctx.res.end(xml);
}
