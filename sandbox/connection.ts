import type { TokenCredential } from '@azure/core-auth';
import type { UserTokenClient } from 'botframework-connector';

/**
 * Signs a storage URL into a link that reads it until `expiresAt` (an Azure Blob SAS in production, the sandbox's
 * HMAC link here): the shape the bot's exporter calls, written here so the sandbox needs nothing of the bot.
 */
export interface DownloadLinkSigner {
  sign(blobUrl: string, expiresAt: Date): Promise<string>;
}

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
  /** `${url}/portal/my-data-requests`, stands for Microsoft's "My data requests" page (https://go.microsoft.com/fwlink/?linkid=873123) */
  readonly portalUrl: string;
  /** `${url}/storage/exports`: a container URL, like an Azure Blob container's. */
  readonly exportStorageLocation: string;
  /** App-only tokens from the sandbox token endpoint; pass `{ tenantId }` to getToken. */
  readonly appCredential: TokenCredential;
  /** Signs sandbox storage URLs into expiring download links. */
  readonly linkSigner: DownloadLinkSigner;
  /** The Direct Line 3.0 stand-in (REST and WebSocket stream): `baseUrl` stands for https://directline.botframework.com; the secret is random per data folder. */
  readonly directLine: { readonly baseUrl: string; readonly domain: string; readonly secret: string };
  /**
   * Tells the Direct Line stand-in where a bot listens (`.../api/messages`); until then posting to it answers
   * 502. With several bots on one sandbox the last one attached gets the web chat traffic, as Azure's Direct
   * Line sends it to the one messaging endpoint.
   */
  attachBot(endpointUrl: string): Promise<void>;
  /** botbuilder's UserTokenClient talking to the sandbox token service over HTTP. */
  createUserTokenClient(): UserTokenClient;
  /** Ends this process's use of the sandbox: the embedded one stops, a shared one keeps running. */
  stop(): Promise<void>;
}
