import type { Route, RouteContext } from './http';
import { CONTAINER_NAME, parseBlobPath, type BlobFiles, type SandboxLinkSigner } from './storage';

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

  /**
   * List Blobs, https://learn.microsoft.com/rest/api/storageservices/list-blobs: `GET {container}?restype=container
   * &comp=list[&prefix=]`, answered as `EnumerationResults` XML (names in order, `Content-Length` per blob, no
   * `NextMarker`: a sandbox folder is a handful of files, far below the 5,000-per-page maximum). Unlike a private Azure
   * container, listing needs no credential here (sandbox/README.md, known differences); reading a blob still needs its link.
   */
  async function listBlobs(ctx: RouteContext): Promise<void> {
    const container = safeDecode(ctx.url.pathname.slice('/storage/'.length));
    const query = ctx.url.searchParams;
    if (query.get('restype') !== 'container' || query.get('comp') !== 'list')
      return storageError(
        ctx,
        400,
        'UnsupportedQueryParameter',
        'One of the query parameters specified in the request URI is not supported.',
      );
    if (!container || !CONTAINER_NAME.test(container))
      return storageError(ctx, 400, 'InvalidResourceName', 'The specifed resource name contains invalid characters.');
    const prefix = query.get('prefix') ?? '';
    const listed = await blobs.list(container, prefix);
    if (listed.length === 0 && !(await blobs.containerExists(container)))
      return storageError(ctx, 404, 'ContainerNotFound', 'The specified container does not exist.');
    const endpoint = `${ctx.url.origin}/storage/`;
    const items = listed
      .map(
        (blob) =>
          `<Blob><Name>${xmlText(blob.name)}</Name><Properties><Last-Modified>${blob.lastModified.toUTCString()}</Last-Modified>` +
          `<Etag>"0x${blob.lastModified.getTime().toString(16).toUpperCase()}"</Etag><Content-Length>${blob.sizeBytes}</Content-Length>` +
          `<Content-Type>${blob.name.endsWith('.json') ? 'application/json' : 'application/octet-stream'}</Content-Type>` +
          `<BlobType>BlockBlob</BlobType><LeaseStatus>unlocked</LeaseStatus><LeaseState>available</LeaseState></Properties></Blob>`,
      )
      .join('');
    const xml =
      `<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="${xmlText(endpoint)}" ContainerName="${xmlText(container)}">` +
      `<Prefix>${xmlText(prefix)}</Prefix><Blobs>${items}</Blobs><NextMarker /></EnumerationResults>`;
    ctx.res.writeHead(200, {
      'content-type': 'application/xml',
      'content-length': Buffer.byteLength(xml),
      'x-ms-request-id': ctx.requestId,
      'x-ms-version': '2021-08-06',
    });
    ctx.res.end(xml);
  }

  return [
    { method: 'GET', pattern: /^\/storage\/[^/]+\/.+$/, handle: getBlob },
    { method: 'GET', pattern: /^\/storage\/[^/]+\/?$/, handle: listBlobs },
  ];
}

function xmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment.replace(/\/$/, ''));
  } catch {
    return undefined;
  }
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
