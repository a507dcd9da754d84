import assert from 'node:assert/strict';
import { ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { AuthenticationConstants, ClaimsIdentity } from 'botframework-connector';
import { ReusedClientsAuthentication } from '../../bot/reusedClients';
import { createSandboxUserTokenClient } from '@account-closure-bot/sandbox';

/** The SDK's own authentication (anonymous, as in sandbox mode) under the wrapper; no stubs. */
function anonymousClaims(): ClaimsIdentity {
  return new ClaimsIdentity([], AuthenticationConstants.AnonymousAuthType);
}

describe('ReusedClientsAuthentication', () => {
  const activity = { type: 'message', serviceUrl: 'http://127.0.0.1:9/', channelId: 'emulator' } as never;

  it('gives every turn the ConnectorClient built for its service URL the first time', async () => {
    const auth = new ReusedClientsAuthentication({ inner: new ConfigurationBotFrameworkAuthentication({}) });
    const first = await auth.authenticateRequest(activity, '');
    const second = await auth.authenticateRequest(activity, '');
    assert.ok(first.connectorFactory && second.connectorFactory);
    const a = await first.connectorFactory.create('http://127.0.0.1:9/', first.audience);
    const b = await second.connectorFactory.create('http://127.0.0.1:9/', second.audience);
    assert.equal(a, b);
    assert.equal(a, await auth.createConnectorFactory(anonymousClaims()).create('http://127.0.0.1:9/', first.audience));
    assert.notEqual(a, await first.connectorFactory.create('http://127.0.0.1:10/', first.audience));
  });

  it("serves the given UserTokenClient on every turn instead of building the SDK's", async () => {
    const sandboxTokens = createSandboxUserTokenClient('http://127.0.0.1:9/botframework');
    const auth = new ReusedClientsAuthentication({ inner: new ConfigurationBotFrameworkAuthentication({}), userTokens: sandboxTokens });
    assert.equal(await auth.createUserTokenClient(anonymousClaims()), sandboxTokens);
    assert.equal(await auth.createUserTokenClient(anonymousClaims()), sandboxTokens);
  });

  it('keeps one SDK token client per app id when none is given', async () => {
    const auth = new ReusedClientsAuthentication({ inner: new ConfigurationBotFrameworkAuthentication({}) });
    assert.equal(await auth.createUserTokenClient(anonymousClaims()), await auth.createUserTokenClient(anonymousClaims()));
  });

  it('forgets the oldest service URL when full, so a caller cannot grow it without bound', async () => {
    const auth = new ReusedClientsAuthentication({ inner: new ConfigurationBotFrameworkAuthentication({}), maxEntries: 2 });
    const factory = auth.createConnectorFactory(anonymousClaims());
    const first = await factory.create('http://127.0.0.1:1/');
    await factory.create('http://127.0.0.1:2/');
    await factory.create('http://127.0.0.1:3/');
    assert.notEqual(await factory.create('http://127.0.0.1:1/'), first);
  });
});
