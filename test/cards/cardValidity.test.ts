import assert from 'node:assert/strict';
import { renderCard, type CardDataMap, type CardName } from '../../cards/renderCard';
import { adaptiveCardsFindings, loadSchemaJudge } from './adaptiveCardChecks';
import { CARD_NAMES, createCardData } from './cardData';

type Json = Record<string, unknown>;

function render<N extends CardName>(name: N, data: CardDataMap[N]): Json {
  return renderCard(name, data).content as Json;
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
        if (!judge) this.skip();
        assert.deepEqual(judge.findings(card), []);
      });
    }

    it('rejects a card with a misspelt property, so the check itself can fail', function () {
      if (!judge) this.skip();
      const card = render('welcome', data.welcome);
      const broken = { ...card, body: [{ type: 'TextBlock', txet: 'typo' }] };
      assert.notDeepEqual(judge.findings(broken), []);
    });
  });
});

describe('adaptiveCardsFindings (the parser check the card tests rely on)', () => {
  it('reports an element type the parser does not know, so the check itself can fail', () => {
    const card = { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlok', text: 'typo' }] };
    assert.notDeepEqual(adaptiveCardsFindings(card), []);
  });
});
