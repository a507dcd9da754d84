import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createLoopbackCertificate } from '../../support/loopbackCertificate';

export interface TokenRequest {
  readonly tenantId: string;
  readonly form: URLSearchParams;
}

export interface HttpsTokenEndpoint {
  /** `https://127.0.0.1:{port}`: the credential's `authorityHost`. */
  readonly authorityHost: string;
  /** The self-signed certificate to trust (PEM). */
  readonly ca: string;
  readonly tokenRequests: TokenRequest[];
  /** Every path requested, metadata included. */
  readonly paths: string[];
  stop(): Promise<void>;
}

/** A self-signed client certificate as one PEM file (private key + certificate), the form ClientCertificateCredential reads. */
export async function createClientCertificatePem(dir: string): Promise<string> {
  const keyPath = join(dir, 'client-key.pem');
  const certPath = join(dir, 'client-cert.pem');
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=account-closure-bot-test',
    '-keyout',
    keyPath,
    '-out',
    certPath,
  ]);
  const pemPath = join(dir, 'client.pem');
  await writeFile(pemPath, `${await readFile(keyPath, 'utf8')}${await readFile(certPath, 'utf8')}`);
  return pemPath;
}

/**
 * A local Entra-like authority over HTTPS (@azure/identity refuses http:// authorities): OpenID metadata per tenant
 * and a client-credentials token endpoint that issues `token-{tenant}-{n}`. The certificate is made by the
 * `openssl` CLI into a temp dir that is removed on stop.
 */
export async function startHttpsTokenEndpoint(): Promise<HttpsTokenEndpoint> {
  const dir = await mkdtemp(join(tmpdir(), 'token-endpoint-'));
  const { certPath, keyPath } = await createLoopbackCertificate(dir);
  const [key, cert] = await Promise.all([readFile(keyPath, 'utf8'), readFile(certPath, 'utf8')]);
  const tokenRequests: TokenRequest[] = [];
  const paths: string[] = [];
  let authorityHost = '';
  const server = https.createServer({ key, cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', authorityHost);
      paths.push(url.pathname);
      // Two calls, not a chain: restify (loaded by other suites) patches ServerResponse.writeHead to return nothing.
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const metadata = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
      if (metadata) {
        const tenant = metadata[1];
        return json(200, {
          issuer: `${authorityHost}/${tenant}/v2.0`,
          token_endpoint: `${authorityHost}/${tenant}/oauth2/v2.0/token`,
          authorization_endpoint: `${authorityHost}/${tenant}/oauth2/v2.0/authorize`,
          end_session_endpoint: `${authorityHost}/${tenant}/oauth2/v2.0/logout`,
          jwks_uri: `${authorityHost}/${tenant}/discovery/v2.0/keys`,
          response_types_supported: ['code', 'id_token', 'token'],
        });
      }
      const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
      if (token && req.method === 'POST') {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        const tenantId = token[1];
        tokenRequests.push({ tenantId, form });
        return json(200, {
          token_type: 'Bearer',
          expires_in: 3599,
          ext_expires_in: 3599,
          access_token: `token-${tenantId}-${tokenRequests.length}`,
        });
      }
      json(404, { error: 'not_found', error_description: `no route for ${url.pathname}` });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  authorityHost = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    authorityHost,
    ca: cert,
    tokenRequests,
    paths,
    stop: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
