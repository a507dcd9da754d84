import { strict as assert } from 'node:assert';
import { isUnstoredBlankState } from '../../bot/storage/blankState';

/** Which end-of-turn states go unwritten (bot/storage/blankState.ts); the HTTP seam is test/e2e/welcomeWritesNothing.test.ts. */
describe('isUnstoredBlankState', () => {
  it('skips a state read as missing that holds the locale and empty containers at most', () => {
    assert.equal(isUnstoredBlankState({}), true);
    assert.equal(isUnstoredBlankState({ locale: 'de-DE' }), true);
    assert.equal(isUnstoredBlankState({ locale: 'en-US', dialogState: { dialogStack: [] }, progress: {} }), true);
    assert.equal(isUnstoredBlankState({ progress: { requestId: undefined }, teamsWarningCards: { cards: [] } }), true);
  });

  it('saves a state that was stored, whatever it holds now: a cancelled flow must overwrite its stack', () => {
    assert.equal(isUnstoredBlankState({ eTag: '*' }), false);
    assert.equal(isUnstoredBlankState({ eTag: 'a1b2', locale: 'en-US', dialogState: { dialogStack: [] } }), false);
  });

  it('saves a new state that holds anything but the locale', () => {
    assert.equal(isUnstoredBlankState({ locale: 'en-US', dialogState: { dialogStack: [{ id: 'mainDialog' }] } }), false);
    assert.equal(isUnstoredBlankState({ progress: { endedRequestId: 'req_1' } }), false);
    assert.equal(isUnstoredBlankState({ progress: { exportOffered: false } }), false);
    assert.equal(isUnstoredBlankState({ progress: { attempts: 0 } }), false);
  });

  it('has nothing to skip when the turn never loaded the state', () => {
    assert.equal(isUnstoredBlankState(undefined), false);
  });
});
