import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * A self-signed certificate for 127.0.0.1 and localhost, made by the `openssl` CLI into `dir`, for the loopback
 * stand-ins that must speak HTTPS (Azurite for the deployment rehearsal, an Entra-like authority: @azure/identity
 * refuses http:// authorities). A process trusts it through NODE_EXTRA_CA_CERTS or a client's `ca`.
 */
export async function createLoopbackCertificate(dir: string): Promise<{ certPath: string; keyPath: string }> {
  const certPath = path.join(dir, 'loopback-cert.pem');
  const keyPath = path.join(dir, 'loopback-key.pem');
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout',
    keyPath,
    '-out',
    certPath,
  ]);
  return { certPath, keyPath };
}
