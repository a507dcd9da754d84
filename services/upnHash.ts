import { createHmac } from 'node:crypto';
import { AppError } from './errors';

/** RFC 2104 asks for a key at least as long as the hash output would be ideal; 16 bytes is the floor we accept. */
export const MIN_UPN_HASH_KEY_BYTES = 16;

/**
 * A keyed hash of a UPN for the audit trail: support can find "the events of alice@contoso.com" given the key,
 * but the trail alone does not reveal the address (a plain hash of an address is guessable by dictionary).
 * UPNs are case-insensitive in Entra, so the hash is of the lower-cased form.
 */
export function hashUpn(upn: string, key: Buffer): string {
  if (key.length < MIN_UPN_HASH_KEY_BYTES) {
    throw new AppError('CONFIG_INVALID', `the UPN hash key has ${key.length} bytes, fewer than ${MIN_UPN_HASH_KEY_BYTES}`);
  }
  return createHmac('sha256', key).update(upn.toLowerCase(), 'utf8').digest('hex');
}
