import assert from 'node:assert/strict';
import { buttonsOn, CardActions, MAX_CARD_STRING_LENGTH, parseCardAction } from '../../cards/cardActions';

const requestId = 'req-01HF8Z3K2M';
const nonce = 'q8Jt2m5VbXc9RkLw0PzYhA4nE7sD1fGu';

function createExecuteValue(data: unknown, verb: unknown = (data as { action?: unknown } | null)?.action): unknown {
  return { action: { type: 'Action.Execute', id: '', verb, data }, trigger: 'manual' };
}

describe('parseCardAction', () => {
  describe('with a message submit (value is the data object)', () => {
    it('reads each simple action', () => {
      for (const action of [CardActions.start, CardActions.exportData, CardActions.skipExport]) {
        assert.deepEqual(parseCardAction({ action }), { action });
      }
    });

    it('reads a confirmation with its request id and nonce', () => {
      assert.deepEqual(parseCardAction({ action: CardActions.confirm, requestId, nonce }), {
        action: CardActions.confirm,
        requestId,
        nonce,
      });
    });

    it('reads a decline with its request id and nonce', () => {
      assert.deepEqual(parseCardAction({ action: CardActions.decline, requestId, nonce }), {
        action: CardActions.decline,
        requestId,
        nonce,
      });
    });

    it('ignores extra fields a channel adds, such as Teams msteams data', () => {
      const value = { action: CardActions.confirm, requestId, nonce, msteams: { type: 'messageBack' }, extra: 42 };
      assert.deepEqual(parseCardAction(value), { action: CardActions.confirm, requestId, nonce });
    });

    it('drops a request id and nonce sent with a simple action', () => {
      assert.deepEqual(parseCardAction({ action: CardActions.start, requestId, nonce }), { action: CardActions.start });
    });
  });

  describe('with a Teams Action.Execute invoke (value.action.data)', () => {
    it('reads a confirmation', () => {
      assert.deepEqual(parseCardAction(createExecuteValue({ action: CardActions.confirm, requestId, nonce })), {
        action: CardActions.confirm,
        requestId,
        nonce,
      });
    });

    it('reads the refresh the card asks Teams to run for the requester', () => {
      assert.deepEqual(parseCardAction(createExecuteValue({ action: CardActions.refresh, requestId, nonce })), {
        action: CardActions.refresh,
        requestId,
        nonce,
      });
    });

    it('accepts an invoke without a verb, relying on the data', () => {
      assert.deepEqual(parseCardAction({ action: { type: 'Action.Execute', data: { action: CardActions.start } } }), {
        action: CardActions.start,
      });
    });

    it('rejects a verb that disagrees with the data', () => {
      assert.equal(parseCardAction(createExecuteValue({ action: CardActions.confirm, requestId, nonce }, CardActions.decline)), undefined);
    });

    it('rejects an action object of another type', () => {
      assert.equal(parseCardAction({ action: { type: 'Action.Submit', data: { action: CardActions.start } } }), undefined);
    });

    it('rejects an invoke without data', () => {
      assert.equal(parseCardAction({ action: { type: 'Action.Execute', verb: CardActions.start } }), undefined);
    });
  });

  describe('with something that is not one of our payloads', () => {
    for (const [label, value] of [
      ['undefined', undefined],
      ['null', null],
      ['a string', 'closure.confirm'],
      ['a number', 7],
      ['a boolean', true],
      ['an array', [{ action: CardActions.start }]],
      ['an empty object', {}],
    ] as const) {
      it(`returns undefined for ${label}`, () => {
        assert.equal(parseCardAction(value), undefined);
      });
    }

    it('returns undefined for an unknown action', () => {
      assert.equal(parseCardAction({ action: 'closure.deleteEverything' }), undefined);
    });

    it('returns undefined for an action that is not a string', () => {
      assert.equal(parseCardAction({ action: 1 }), undefined);
      assert.equal(parseCardAction({ action: ['closure.start'] }), undefined);
    });

    it('returns undefined for a confirmation without nonce or request id', () => {
      assert.equal(parseCardAction({ action: CardActions.confirm, requestId }), undefined);
      assert.equal(parseCardAction({ action: CardActions.confirm, nonce }), undefined);
    });

    it('returns undefined when request id or nonce have the wrong type or are empty', () => {
      assert.equal(parseCardAction({ action: CardActions.confirm, requestId: 12, nonce }), undefined);
      assert.equal(parseCardAction({ action: CardActions.decline, requestId, nonce: { value: nonce } }), undefined);
      assert.equal(parseCardAction({ action: CardActions.confirm, requestId: '', nonce }), undefined);
    });

    it('returns undefined for strings longer than the limit, and accepts one at the limit', () => {
      const atLimit = 'x'.repeat(MAX_CARD_STRING_LENGTH);
      const tooLong = 'x'.repeat(MAX_CARD_STRING_LENGTH + 1);
      assert.equal(MAX_CARD_STRING_LENGTH, 200);
      assert.deepEqual(parseCardAction({ action: CardActions.confirm, requestId: atLimit, nonce }), {
        action: CardActions.confirm,
        requestId: atLimit,
        nonce,
      });
      assert.equal(parseCardAction({ action: CardActions.confirm, requestId: tooLong, nonce }), undefined);
      assert.equal(parseCardAction(createExecuteValue({ action: CardActions.decline, requestId, nonce: tooLong })), undefined);
    });

    it('does not treat an inherited property as the action', () => {
      const value: unknown = Object.create({ action: CardActions.start });
      assert.equal(parseCardAction(value), undefined);
    });
  });
});

describe('buttonsOn', () => {
  const yes = { type: 'Action.Submit', title: 'Yes', data: { action: CardActions.confirm, requestId, nonce } };
  const no = { type: 'Action.Submit', title: 'No', data: { action: CardActions.decline, requestId, nonce } };

  it('finds the buttons in body ActionSets, nested ones included, and at the foot of the card, in reading order', () => {
    const card = {
      type: 'AdaptiveCard',
      body: [
        { type: 'TextBlock', text: 'Sure?' },
        { type: 'ActionSet', actions: [yes] },
        { type: 'Container', items: [{ type: 'ActionSet', actions: [no] }] },
      ],
      actions: [{ type: 'Action.OpenUrl', title: 'Help', url: 'https://example.net/help' }],
    };
    assert.deepEqual(
      buttonsOn(card).map((button) => button.title),
      ['Yes', 'No', 'Help'],
    );
  });

  it('counts an Action.Execute once, not its fallback, and never the refresh', () => {
    const execute = { type: 'Action.Execute', title: 'Yes', verb: CardActions.confirm, data: yes.data, fallback: yes };
    const card = {
      type: 'AdaptiveCard',
      refresh: { action: { type: 'Action.Execute', verb: CardActions.refresh, data: {} }, userIds: ['29:1'] },
      body: [{ type: 'ActionSet', actions: [execute] }],
    };
    assert.deepEqual(buttonsOn(card), [execute]);
  });

  it('finds nothing on a card without buttons or on what is not a card', () => {
    assert.deepEqual(buttonsOn({ type: 'AdaptiveCard', body: [{ type: 'TextBlock', text: 'Closed' }] }), []);
    assert.deepEqual(buttonsOn(undefined), []);
    assert.deepEqual(buttonsOn('actions'), []);
  });
});
