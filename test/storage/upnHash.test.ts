import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { isAppError } from '../../services/errors';
import { hashUpn } from '../../services/upnHash';

const KEY = Buffer.from('0123456789abcdef0123456789abcdef', 'utf8');
const OTHER_KEY = Buffer.from('fedcba9876543210fedcba9876543210', 'utf8');

describe('hashUpn', () => {
  describe('hashing', () => {
    it('is the hex HMAC-SHA256 of the lower-cased UPN under the key', () => {
      const expected = createHmac('sha256', KEY).update('alice@contoso.onmicrosoft.com').digest('hex');
      assert.equal(hashUpn('Alice@Contoso.onmicrosoft.com', KEY), expected);
      assert.match(expected, /^[0-9a-f]{64}$/);
    });

    it('gives the same hash whatever the case of the UPN', () => {
      assert.equal(hashUpn('BOB@FABRIKAM.COM', KEY), hashUpn('bob@fabrikam.com', KEY));
    });

    it('gives different hashes for different UPNs and for different keys', () => {
      assert.notEqual(hashUpn('bob@fabrikam.com', KEY), hashUpn('bob2@fabrikam.com', KEY));
      assert.notEqual(hashUpn('bob@fabrikam.com', KEY), hashUpn('bob@fabrikam.com', OTHER_KEY));
    });

    it('does not contain the UPN', () => {
      assert.equal(hashUpn('bob@fabrikam.com', KEY).includes('bob'), false);
    });
  });

  describe('keys', () => {
    it('refuses a key shorter than 16 bytes with CONFIG_INVALID', () => {
      assert.throws(
        () => hashUpn('bob@fabrikam.com', Buffer.alloc(15, 1)),
        (error: unknown) => isAppError(error, 'CONFIG_INVALID'),
      );
    });
  });
});
