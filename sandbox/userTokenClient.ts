import type { UserTokenClient } from 'botframework-connector';
// The SDK's own client, so the sandbox is exercised with exactly the requests CloudAdapter would send. It is not
// re-exported by the package index (marked @internal), hence the deep import; botbuilder is pinned to 4.23.3.
import { UserTokenClientImpl } from 'botframework-connector/lib/auth/userTokenClientImpl';

type ServiceClientCredentials = ConstructorParameters<typeof UserTokenClientImpl>[1];

/** The sandbox token service accepts unauthenticated calls, as the Emulator's does; nothing to sign. */
const unsignedCredentials: ServiceClientCredentials = { signRequest: async (request) => request };

/**
 * A UserTokenClient talking to the sandbox token service over HTTP. The app id is empty, as in a bot running
 * without `MicrosoftAppId` (where CloudAdapter's own factory cannot build one).
 */
export function createSandboxUserTokenClient(tokenServiceUrl: string): UserTokenClient {
  return new UserTokenClientImpl('', unsignedCredentials, tokenServiceUrl);
}
