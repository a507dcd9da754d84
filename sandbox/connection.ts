import type { TokenCredential } from '@azure/core-auth';
import type { UserTokenClient } from 'botframework-connector';
import type { DownloadLinkSigner } from '../services/dataExporter';

/** What the composition root needs from a sandbox, whether it runs in the bot's process or in its own. */
export interface SandboxConnection {
  /** e.g. http://127.0.0.1:3979 */
  readonly url: string;
  /** `${url}/graph`, stands for https://graph.microsoft.com */
  readonly graphBaseUrl: string;
  /** `${url}/login`, stands for https://login.microsoftonline.com */
  readonly loginBaseUrl: string;
  /** `${url}/botframework`, stands for https://token.botframework.com */
  readonly tokenServiceUrl: string;
  /** `${url}/storage/exports`: a container URL, like an Azure Blob container's. */
  readonly exportStorageLocation: string;
  /** App-only tokens from the sandbox token endpoint; pass `{ tenantId }` to getToken. */
  readonly appCredential: TokenCredential;
  /** Signs sandbox storage URLs into expiring download links. */
  readonly linkSigner: DownloadLinkSigner;
  /** botbuilder's UserTokenClient talking to the sandbox token service over HTTP. */
  createUserTokenClient(): UserTokenClient;
  /** Ends this process's use of the sandbox: the embedded one stops, a shared one keeps running. */
  stop(): Promise<void>;
}
