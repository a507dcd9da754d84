import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { DownloadLinkSigner } from './connection';

/** Azure container naming rules: https://learn.microsoft.com/rest/api/storageservices/naming-and-referencing-containers--blobs--and-metadata */
export const CONTAINER_NAME = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/;

export interface BlobAddress {
  readonly container: string;
  /** Blob name inside the container, `/`-separated, e.g. `{opId}/profile.json`. */
  readonly blob: string;
}

/** Sandbox blob storage: one file per blob under `{dataDir}/blobs/{container}/{blob}`. */
export class BlobFiles {
  constructor(private readonly root: string) {}

  async write(address: BlobAddress, content: string): Promise<void> {
    const file = this.fileOf(address);
    await mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}.tmp`;
    await writeFile(temp, content);
    await rename(temp, file);
  }

  /** The blob's bytes, or undefined when there is no such blob. */
  async read(address: BlobAddress): Promise<Buffer | undefined> {
    try {
      return await readFile(this.fileOf(address));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /**
   * Blobs of a container whose names start with `prefix`, in name order as List Blobs returns them; none when the
   * container has never been written to. In-flight `.tmp` files of `write` are not blobs and are not listed.
   */
  async list(container: string, prefix: string): Promise<{ name: string; sizeBytes: number; lastModified: Date }[]> {
    const root = path.join(this.root, container);
    let entries: string[];
    try {
      entries = await readdir(root, { recursive: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const found: { name: string; sizeBytes: number; lastModified: Date }[] = [];
    for (const entry of entries) {
      const name = entry.split(path.sep).join('/');
      if (!name.startsWith(prefix) || name.endsWith('.tmp')) continue;
      const info = await stat(path.join(root, entry)).catch(() => undefined);
      if (info?.isFile()) found.push({ name, sizeBytes: info.size, lastModified: info.mtime });
    }
    return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** A container exists once a blob was written to it (the export container: the first export's files). */
  async containerExists(container: string): Promise<boolean> {
    return (await stat(path.join(this.root, container)).catch(() => undefined))?.isDirectory() ?? false;
  }

  /** Removes every blob whose name starts with `{prefix}/`. */
  async deletePrefix(container: string, prefix: string): Promise<void> {
    await rm(this.fileOf({ container, blob: prefix }), { recursive: true, force: true });
  }

  fileOf(address: BlobAddress): string {
    return path.join(this.root, address.container, ...address.blob.split('/'));
  }
}

/** Parses `{storageBaseUrl}/{container}/{blob...}` (query ignored); undefined when it is not a sandbox blob URL. */
export function parseBlobUrl(storageBaseUrl: string, url: string): BlobAddress | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const base = new URL(storageBaseUrl);
  if (parsed.origin !== base.origin || !parsed.pathname.startsWith(`${base.pathname}/`)) return undefined;
  return parseBlobPath(parsed.pathname.slice(base.pathname.length + 1));
}

/** Parses `{container}/{blob...}`; rejects traversal, empty segments and invalid container names. */
export function parseBlobPath(rawPath: string): BlobAddress | undefined {
  const segments = rawPath.split('/').map((s) => safeDecode(s));
  const [container, ...rest] = segments;
  if (!container || !CONTAINER_NAME.test(container) || rest.length === 0) return undefined;
  if (rest.some((s) => s === undefined || s === '' || s === '.' || s === '..' || s.includes('\\') || s.includes('\0'))) return undefined;
  return { container, blob: rest.join('/') };
}

/** Parses a container URL `{storageBaseUrl}/{container}` (query ignored). */
export function parseContainerUrl(storageBaseUrl: string, url: string): string | undefined {
  const address = parseBlobUrl(storageBaseUrl, `${url.replace(/\?.*$/, '').replace(/\/$/, '')}/x`);
  return address?.blob === 'x' ? address.container : undefined;
}

export interface LinkSignerOptions {
  readonly storageBaseUrl: string;
  /** HMAC-SHA256 key (random per dataDir). */
  readonly key: Buffer;
  /** Told about every link signed, so closure can keep files until their links have expired. */
  readonly onSigned: (address: BlobAddress, expiresAt: Date) => Promise<void>;
}

export type LinkVerdict = 'valid' | 'expired' | 'invalid';

/**
 * Signs sandbox storage URLs like a service SAS (`se` expiry + `sig`), but with the sandbox's own scheme:
 * `sig = HMAC-SHA256(key, "{path}\n{se}")`, base64url.
 */
export class SandboxLinkSigner implements DownloadLinkSigner {
  constructor(private readonly options: LinkSignerOptions) {}

  async sign(blobUrl: string, expiresAt: Date): Promise<string> {
    const address = parseBlobUrl(this.options.storageBaseUrl, blobUrl);
    if (!address) throw new RangeError(`"${blobUrl}" is not a blob URL of the sandbox storage "${this.options.storageBaseUrl}"`);
    if (Number.isNaN(expiresAt.getTime())) throw new RangeError('expiresAt is not a valid date');
    const url = new URL(blobUrl);
    url.search = '';
    const se = expiresAt.toISOString();
    url.searchParams.set('se', se);
    url.searchParams.set('sig', this.signature(url.pathname, se));
    await this.options.onSigned(address, expiresAt);
    return url.toString();
  }

  verify(pathname: string, se: string | null, sig: string | null, now: Date): LinkVerdict {
    if (!se || !sig) return 'invalid';
    const expected = Buffer.from(this.signature(pathname, se));
    const actual = Buffer.from(sig);
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return 'invalid';
    const expiry = Date.parse(se);
    return Number.isNaN(expiry) || expiry <= now.getTime() ? 'expired' : 'valid';
  }

  private signature(pathname: string, se: string): string {
    return createHmac('sha256', this.options.key).update(`${pathname}\n${se}`).digest('base64url');
  }
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
