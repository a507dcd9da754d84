import assert from 'node:assert/strict';
import { renderCard, type CardDataMap, type CardName } from '../../cards/renderCard';
import { requireSharedSchema } from '../support/sharedSchemas';
import { ADAPTIVE_CARD_SCHEMA_PATH, adaptiveCardsFindings, loadSchemaJudge } from './adaptiveCardChecks';
import { CARD_NAMES, createCardData } from './cardData';

type Json = Record<string, unknown>;

function render<N extends CardName>(name: N, data: CardDataMap[N]): Json {
  return renderCard(name, data).content;
}

describe('rendered cards', () => {
  const data = createCardData();

  describe('against the Adaptive Card 1.5 JSON schema', () => {
    const judge = loadSchemaJudge();
    const variants: Array<[string, Json]> = [
      ...CARD_NAMES.map((name): [string, Json] => [name, render(name, data[name] as never)]),
      ['warning without universal actions', render('warning', { ...data.warning, universalActions: false })],
      ['outcome without facts or request id', render('outcome', { title: 'Kept', message: 'Nothing was changed.', facts: [] })],
    ];
    for (const [label, card] of variants) {
      it(`accepts ${label}`, function () {
        requireSharedSchema(this, judge !== undefined, `The Adaptive Card 1.5 schema ${ADAPTIVE_CARD_SCHEMA_PATH}`);
        assert.deepEqual(judge?.findings(card), []);
      });
    }

    it('rejects a card with a misspelt property, so the check itself can fail', function () {
      requireSharedSchema(this, judge !== undefined, `The Adaptive Card 1.5 schema ${ADAPTIVE_CARD_SCHEMA_PATH}`);
      const card = render('welcome', data.welcome);
      const broken = { ...card, body: [{ type: 'TextBlock', txet: 'typo' }] };
      assert.notDeepEqual(judge?.findings(broken), []);
    });
  });
});

describe('adaptiveCardsFindings (the parser check the card tests rely on)', () => {
  it('reports an element type the parser does not know, so the check itself can fail', () => {
    const card = { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlok', text: 'typo' }] };
    assert.notDeepEqual(adaptiveCardsFindings(card), []);
  });
});
