import { strict as assert } from 'node:assert';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { AuthenticationConstants, ClaimsIdentity } from 'botframework-connector';
import { botFrameworkEndpointKeys } from '../../bot/botFrameworkEndpoints';

describe('Bot Framework endpoints from settings (OAUTH_URL, LOGIN_BASE_URL, ToBotFromChannel*)', () => {
  it('adds no key when nothing is overridden, so the SDK keeps its public-cloud defaults', () => {
    assert.deepEqual(botFrameworkEndpointKeys({}), {});
    assert.deepEqual(botFrameworkEndpointKeys({ loginBaseUrl: 'https://login.microsoftonline.com', singleTenantId: 't' }), {});
  });

  it('overrides the token service and keeps every other parameterized key at the public cloud value', () => {
    const keys = botFrameworkEndpointKeys({ oauthUrl: 'https://europe.token.botframework.com' });
    assert.equal(keys.OAuthUrl, 'https://europe.token.botframework.com');
    assert.equal(keys.ToBotFromChannelTokenIssuer, AuthenticationConstants.ToBotFromChannelTokenIssuer);
    assert.equal(keys.ToBotFromChannelOpenIdMetadataUrl, AuthenticationConstants.ToBotFromChannelOpenIdMetadataUrl);
    assert.equal(keys.ToChannelFromBotLoginUrl, AuthenticationConstants.ToChannelFromBotLoginUrl);
    assert.equal(keys.CallerId, 'urn:botframework:azure');
  });

  it("sends a SingleTenant bot's own token request to a non-public LOGIN_BASE_URL", () => {
    assert.equal(
      botFrameworkEndpointKeys({ loginBaseUrl: 'https://login.microsoftonline.us/', singleTenantId: 'tenant-1' }).ToChannelFromBotLoginUrl,
      'https://login.microsoftonline.us/tenant-1',
    );
  });

  it("takes the channels' signing keys and issuer from ToBotFromChannelOpenIdMetadataUrl and ToBotFromChannelTokenIssuer, the rest public", () => {
    const keys = botFrameworkEndpointKeys({
      channelOpenIdMetadataUrl: 'http://127.0.0.1:9/channel/.well-known/openidconfiguration',
      channelTokenIssuer: 'http://127.0.0.1:9/channel',
    });
    assert.equal(keys.ToBotFromChannelOpenIdMetadataUrl, 'http://127.0.0.1:9/channel/.well-known/openidconfiguration');
    assert.equal(keys.ToBotFromChannelTokenIssuer, 'http://127.0.0.1:9/channel');
    assert.equal(keys.OAuthUrl, AuthenticationConstants.OAuthUrl);
    assert.equal(keys.ToChannelFromBotOAuthScope, AuthenticationConstants.ToChannelFromBotOAuthScope);
  });

  it("makes the SDK's own UserTokenClient call the configured token service over HTTP", async () => {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(404, { 'content-length': 0 });
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const auth = new ConfigurationBotFrameworkAuthentication({
        MicrosoftAppId: '',
        ...botFrameworkEndpointKeys({ oauthUrl: `http://127.0.0.1:${port}` }),
      });
      const client = await auth.createUserTokenClient(new ClaimsIdentity([], true));
      await client.getUserToken('user-1', 'GraphConnection', 'emulator', '').catch(() => undefined);
      assert.equal(seen.length, 1, 'one call reached the stand-in');
      assert.match(seen[0] ?? '', /^GET \/api\/usertoken\/GetToken\?userId=user-1&connectionName=GraphConnection&channelId=emulator/);
    } finally {
      server.close();
    }
  });
});
