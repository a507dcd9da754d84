import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The Bot Framework's OpenID metadata on loopback, answering as https://login.botframework.com/v1/.well-known/
 * openidconfiguration does: the metadata document names `jwks_uri`, and the key list gives each RSA key's `kid`,
 * `n`, `e` and the channels that endorse it (learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-
 * connector-authentication, "Authenticate requests from the Bot Connector service to your bot", steps 2 and 3).
 * The bot's own authentication (ConfigurationBotFrameworkAuthentication) reads it through
 * `ToBotFromChannelOpenIdMetadataUrl`; `sign` makes the JWTs the Bot Connector would send, with its own key.
 */
export interface BotFrameworkOpenId {
  /** Goes into `ToBotFromChannelOpenIdMetadataUrl`. */
  readonly metadataUrl: string;
  /** The key id of the one signing key listed. */
  readonly keyId: string;
  /** Every path asked for, in order. */
  readonly requests: string[];
  /** A JWT signed by the listed key (RS256), with these claims. */
  sign(claims: Record<string, unknown>): string;
  stop(): Promise<void>;
}

export interface BotFrameworkOpenIdOptions {
  /** Channels that endorse the key (the SDK requires the activity's channel among them). */
  readonly endorsements: readonly string[];
  /** Answer the metadata document with this status instead (an outage of the service). */
  readonly metadataStatus?: number;
}

const METADATA_PATH = '/v1/.well-known/openidconfiguration';
const KEYS_PATH = '/v1/.well-known/keys';

export async function startBotFrameworkOpenId(options: BotFrameworkOpenIdOptions): Promise<BotFrameworkOpenId> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyId = 'stand-in-key-1';
  const jwk = publicKey.export({ format: 'jwk' });
  const requests: string[] = [];
  let base = '';
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    if (req.url === METADATA_PATH) {
      if (options.metadataStatus) return json(options.metadataStatus, { error: 'unavailable' });
      return json(200, {
        issuer: 'https://api.botframework.com',
        authorization_endpoint: 'https://invalid.botframework.com',
        jwks_uri: `${base}${KEYS_PATH}`,
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
      });
    }
    if (req.url === KEYS_PATH) {
      return json(200, { keys: [{ kty: 'RSA', use: 'sig', kid: keyId, n: jwk.n, e: jwk.e, endorsements: options.endorsements }] });
    }
    json(404, { error: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    metadataUrl: `${base}${METADATA_PATH}`,
    keyId,
    requests,
    sign: (claims) => signJwt(privateKey, keyId, claims),
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function signJwt(key: KeyObject, keyId: string, claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'RS256', typ: 'JWT', kid: keyId })}.${part(claims)}`;
  return `${unsigned}.${sign('RSA-SHA256', Buffer.from(unsigned), key).toString('base64url')}`;
}
