/**
 * Loopback stand-ins for the Azure hosts a deployed bot reaches that the sandbox does not play: the Bot Framework
 * channel's token issuer (OpenID metadata, JWKS, and the tokens it signs on each activity), App Service's managed
 * identity endpoint (the certificate for Azurite's HTTPS: test/support/loopbackCertificate.ts).
 */
import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface JwtIssuer {
  /** The `iss` of its tokens. */
  readonly issuer: string;
  /** OpenID configuration whose `jwks_uri` serves the public key (ToBotFromChannelOpenIdMetadataUrl). */
  readonly openIdMetadataUrl: string;
  /** An RS256 JWT with these claims (iat, nbf and exp of one hour added), signed with the key the JWKS serves. */
  sign(claims: Record<string, unknown>): string;
}

export interface ChannelIssuer extends JwtIssuer {
  /** The Authorization header a Bot Framework channel sends with an activity for `appId` from `serviceUrl`. */
  authorization(appId: string, serviceUrl: string): string;
  stop(): Promise<void>;
}

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

function signJwt(privateKey: KeyObject, kid: string, claims: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
  const payload = base64url(JSON.stringify({ iat: now, nbf: now - 60, exp: now + 3600, ...claims }));
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), privateKey);
  return `${header}.${payload}.${base64url(signature)}`;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/**
 * The Bot Framework's channel-to-bot token issuer (login.botframework.com's role): a key pair made here, its public
 * half in the JWKS with the channels it endorses, the way the real metadata lists them
 * (https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-authentication#step-3-verify-the-jwt-token).
 */
export async function startChannelIssuer(endorsedChannels: readonly string[]): Promise<ChannelIssuer> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = `rehearsal-${randomUUID().slice(0, 8)}`;
  const jwk = publicKey.export({ format: 'jwk' });
  let base = '';
  const { server, url } = await listen((req, res) => {
    if (req.url === '/v1/.well-known/openidconfiguration')
      return json(res, 200, { issuer: `${base}/channel`, jwks_uri: `${base}/v1/keys`, id_token_signing_alg_values_supported: ['RS256'] });
    if (req.url === '/v1/keys')
      return json(res, 200, { keys: [{ kty: 'RSA', use: 'sig', kid, n: jwk.n, e: jwk.e, endorsements: [...endorsedChannels] }] });
    json(res, 404, { error: 'not_found' });
  });
  base = url;
  const issuer = `${url}/channel`;
  const signClaims = (claims: Record<string, unknown>) => signJwt(privateKey, kid, { iss: issuer, ...claims });
  return {
    issuer,
    openIdMetadataUrl: `${url}/v1/.well-known/openidconfiguration`,
    sign: signClaims,
    authorization: (appId, serviceUrl) => `Bearer ${signClaims({ aud: appId, serviceurl: serviceUrl })}`,
    stop: () => close(server),
  };
}

export interface ManagedIdentityEndpoint {
  /** IDENTITY_ENDPOINT and IDENTITY_HEADER, as App Service sets them for the app's process. */
  readonly environment: { readonly IDENTITY_ENDPOINT: string; readonly IDENTITY_HEADER: string };
  /** Every token asked for: the resource and the identity's client id. */
  readonly requests: Array<{ readonly resource: string; readonly clientId: string }>;
  stop(): Promise<void>;
}

/**
 * App Service's managed identity endpoint (`GET {IDENTITY_ENDPOINT}?resource=&api-version=2019-08-01&client_id=`,
 * header `X-IDENTITY-HEADER`: https://learn.microsoft.com/azure/app-service/overview-managed-identity#rest-endpoint-reference):
 * tokens for the one user-assigned identity attached to the app, issued as Entra would (iss sts.windows.net/{tenant}/,
 * aud the resource), for nothing else.
 */
export async function startManagedIdentityEndpoint(identity: { clientId: string; tenantId: string }): Promise<ManagedIdentityEndpoint> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const header = randomUUID();
  const requests: Array<{ resource: string; clientId: string }> = [];
  const { server, url } = await listen((req, res) => {
    const query = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams;
    const resource = query.get('resource') ?? '';
    const clientId = query.get('client_id') ?? '';
    requests.push({ resource, clientId });
    if (req.headers['x-identity-header'] !== header) return json(res, 401, { error: 'invalid X-IDENTITY-HEADER' });
    if (query.get('api-version') !== '2019-08-01' || !resource) return json(res, 400, { error: 'invalid_request' });
    // The only identity attached to the app (the template's userAssignedIdentities).
    if (clientId !== identity.clientId) return json(res, 400, { error: 'invalid_request', error_description: 'Identity not found' });
    const expiresOn = Math.floor(Date.now() / 1000) + 3600;
    const accessToken = signJwt(privateKey, 'msi', {
      iss: `https://sts.windows.net/${identity.tenantId}/`,
      aud: resource,
      appid: clientId,
      tid: identity.tenantId,
      oid: randomUUID(),
    });
    json(res, 200, { access_token: accessToken, expires_on: String(expiresOn), resource, token_type: 'Bearer', client_id: clientId });
  });
  return {
    environment: { IDENTITY_ENDPOINT: `${url}/msi/token`, IDENTITY_HEADER: header },
    requests,
    stop: () => close(server),
  };
}
