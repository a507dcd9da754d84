import {
  BlobClient,
  BlobSASPermissions,
  generateBlobSASQueryParameters,
  SASProtocol,
  StorageSharedKeyCredential,
  type BlobSASSignatureValues,
  type UserDelegationKey,
} from '@azure/storage-blob';
import type { DownloadLinkSigner } from '../../services/dataExporter';
import { AppError } from '../../services/errors';
import type { Logger } from '../../services/logger';

/** What a user delegation signer needs of a `BlobServiceClient` built with a `TokenCredential` (managed identity). */
export interface UserDelegationKeySource {
  readonly accountName: string;
  getUserDelegationKey(startsOn: Date, expiresOn: Date): Promise<UserDelegationKey>;
}

export type BlobSasLinkSignerOptions = {
  readonly logger: Logger;
  readonly now?: () => Date;
} & (
  | { readonly kind: 'accountKey'; readonly credential: StorageSharedKeyCredential }
  | { readonly kind: 'userDelegation'; readonly keySource: UserDelegationKeySource }
);

/** A user delegation key, and so every SAS signed with it, lives at most 7 days (https://learn.microsoft.com/rest/api/storageservices/get-user-delegation-key). */
export const MAX_USER_DELEGATION_MS = 7 * 24 * 60 * 60 * 1000;
/** Back-dates `st` so a client whose clock runs a little behind can use the link at once. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

/**
 * Signs read-only, single-blob SAS links for export files
 * (https://learn.microsoft.com/rest/api/storageservices/create-service-sas, .../create-user-delegation-sas).
 * The user delegation key is fetched once and reused while it covers the requested expiry.
 */
export class BlobSasLinkSigner implements DownloadLinkSigner {
  private readonly logger: Logger;
  private readonly now: () => Date;
  private delegationKey: UserDelegationKey | undefined;

  constructor(private readonly options: BlobSasLinkSignerOptions) {
    this.logger = options.logger;
    this.now = options.now ?? (() => new Date());
  }

  async sign(blobUrl: string, expiresAt: Date): Promise<string> {
    const blob = parseBlobUrl(blobUrl);
    const accountName = this.options.kind === 'accountKey' ? this.options.credential.accountName : this.options.keySource.accountName;
    if (blob.accountName !== accountName)
      throw new AppError('EXPORT_UNAVAILABLE', `the export blob is not in storage account "${accountName}"`);
    const now = this.now();
    if (expiresAt.getTime() <= now.getTime()) throw new AppError('EXPORT_UNAVAILABLE', 'a download link must expire in the future');
    const values: BlobSASSignatureValues = {
      containerName: blob.containerName,
      blobName: blob.blobName,
      permissions: BlobSASPermissions.parse('r'),
      startsOn: new Date(now.getTime() - CLOCK_SKEW_MS),
      expiresOn: expiresAt,
      // Plain HTTP is allowed only for the local emulator; a real account link never travels unencrypted.
      protocol: blob.https ? SASProtocol.Https : SASProtocol.HttpsAndHttp,
    };
    const query =
      this.options.kind === 'accountKey'
        ? generateBlobSASQueryParameters(values, this.options.credential)
        : generateBlobSASQueryParameters(values, await this.userDelegationKey(now, expiresAt), accountName);
    this.logger.info('download link signed', {
      container: blob.containerName,
      expiresAt: expiresAt.toISOString(),
      auth: this.options.kind,
    });
    return `${blob.url}?${query.toString()}`;
  }

  private async userDelegationKey(now: Date, expiresAt: Date): Promise<UserDelegationKey> {
    if (this.options.kind !== 'userDelegation') throw new Error('unreachable: not a user delegation signer');
    const longest = now.getTime() + MAX_USER_DELEGATION_MS - CLOCK_SKEW_MS;
    if (expiresAt.getTime() > longest) {
      throw new AppError('EXPORT_UNAVAILABLE', 'a user delegation SAS cannot outlive 7 days: shorten the export link lifetime');
    }
    if (this.delegationKey && this.delegationKey.signedExpiresOn.getTime() >= expiresAt.getTime()) return this.delegationKey;
    try {
      this.delegationKey = await this.options.keySource.getUserDelegationKey(new Date(now.getTime() - CLOCK_SKEW_MS), new Date(longest));
    } catch (error) {
      throw new AppError('EXPORT_UNAVAILABLE', 'no user delegation key from the storage account', { cause: error });
    }
    this.logger.info('user delegation key obtained', { validUntil: this.delegationKey.signedExpiresOn.toISOString() });
    return this.delegationKey;
  }
}

/** The account key credential from a storage connection string (`AccountName=...;AccountKey=...`). */
export function accountKeyFromConnectionString(connectionString: string): StorageSharedKeyCredential {
  const parts = new Map(
    connectionString
      .split(';')
      .filter((part) => part.includes('='))
      .map((part) => [part.slice(0, part.indexOf('=')).trim().toLowerCase(), part.slice(part.indexOf('=') + 1).trim()] as const),
  );
  const accountName = parts.get('accountname');
  const accountKey = parts.get('accountkey');
  if (!accountName || !accountKey) throw new AppError('CONFIG_INVALID', 'the storage connection string has no AccountName or AccountKey');
  return new StorageSharedKeyCredential(accountName, accountKey);
}

/** Account, container and blob of a blob URL, in both host styles (`account.blob...` and the emulator's `host/account/...`). */
function parseBlobUrl(blobUrl: string): { accountName: string; containerName: string; blobName: string; url: string; https: boolean } {
  let client: BlobClient;
  try {
    client = new BlobClient(blobUrl.split('?')[0]);
  } catch (error) {
    throw new AppError('EXPORT_UNAVAILABLE', 'the export blob URL is not a blob URL', { cause: error });
  }
  if (!client.containerName || !client.name) throw new AppError('EXPORT_UNAVAILABLE', 'the export blob URL names no container or blob');
  return {
    accountName: client.accountName,
    containerName: client.containerName,
    blobName: client.name,
    url: client.url,
    https: client.url.startsWith('https:'),
  };
}
