import type { TokenCredential } from '@azure/identity';
import type { BotConfig } from '../../config/config';

/** A credential made when first needed: the Azure SDKs load only in the modes that use them. */
export type CredentialSource = () => TokenCredential;

/**
 * The app's managed identity, for Blob Storage and export listings and links: App Service needs the client id of a
 * user-assigned identity (the Graph credential's, else the bot's own with MicrosoftAppType=UserAssignedMSI).
 */
export function managedIdentity(settings: Pick<BotConfig, 'directory' | 'bot'>): CredentialSource {
  return () => {
    const graphClientId =
      settings.directory.kind === 'graph' && 'clientId' in settings.directory.credential
        ? settings.directory.credential.clientId
        : undefined;
    const clientId = graphClientId ?? (settings.bot.appType === 'UserAssignedMSI' ? settings.bot.appId : undefined);
    const { ManagedIdentityCredential } = lazily.identity();
    return new ManagedIdentityCredential(clientId ? { clientId } : {});
  };
}

/**
 * `require` on first use, for the Azure SDKs: loading @azure/identity and @azure/storage-blob at start-up cost sandbox
 * mode (which never uses them) a measurable share of its cold start (docs/performance.md). `require`, not
 * `await import()`: under nodenext a dynamic import takes the packages' ESM builds, whose classes are not the CommonJS
 * ones the rest of the bot's types are built against. Each id is a literal so the production bundle
 * (scripts/build.mjs) sees it and leaves the Azure SDKs it marks external to node_modules.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
export const lazily = {
  identity: () => require('@azure/identity') as typeof import('@azure/identity'),
  storageBlob: () => require('@azure/storage-blob') as typeof import('@azure/storage-blob'),
};
/* eslint-enable @typescript-eslint/no-require-imports */
