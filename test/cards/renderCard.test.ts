import assert from 'node:assert/strict';
import { ADAPTIVE_CARD_CONTENT_TYPE, CardRenderError, renderCard, type CardDataMap, type CardName } from '../../cards/renderCard';
import { CardActions, parseCardAction } from '../../cards/cardActions';
import { inLanguageOf } from '../../locales/i18n';
import { adaptiveCardsFindings } from './adaptiveCardChecks';
import { CARD_NAMES, createCardData } from './cardData';

type Json = Record<string, unknown>;

function render<N extends CardName>(name: N, data: CardDataMap[N]): Json {
  return renderCard(name, data).content;
}

function renderLoose(name: CardName, data: unknown): Json {
  return renderCard(name, data as never).content;
}

/** The elements of a card's body and foot that `wanted` picks, in reading order; a fallback or refresh is no button. */
function elementsOf(card: Json, wanted: (element: Json) => boolean): Json[] {
  const found: Json[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (typeof node === 'object' && node !== null) {
      const record = node as Json;
      if (wanted(record)) found.push(record);
      for (const [key, value] of Object.entries(record)) if (key !== 'fallback' && key !== 'refresh') visit(value);
    }
  };
  visit(card.body);
  visit(card.actions);
  return found;
}

const actionsOf = (card: Json): Json[] =>
  elementsOf(card, (element) => typeof element.type === 'string' && element.type.startsWith('Action.'));
const actionSetsOf = (card: Json): Json[] => elementsOf(card, (element) => element.type === 'ActionSet');

function textOf(card: Json): string {
  const parts: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (typeof node === 'object' && node !== null) {
      const record = node as Json;
      if (typeof record.text === 'string') parts.push(record.text);
      if (Array.isArray(record.inlines)) parts.push(record.inlines.map((run) => String((run as Json).text)).join(''));
      for (const [key, value] of Object.entries(record)) if (key !== 'inlines') visit(value);
    }
  };
  visit(card.body);
  return parts.join('\n');
}

function withoutField(data: object, field: string): Json {
  const copy: Json = { ...data };
  delete copy[field];
  return copy;
}

describe('renderCard', () => {
  const data = createCardData();

  describe('for every card with representative data', () => {
    for (const name of CARD_NAMES) {
      describe(name, () => {
        it('returns an Adaptive Card 1.5 attachment', () => {
          const attachment = renderCard(name, data[name]);
          assert.equal(attachment.contentType, ADAPTIVE_CARD_CONTENT_TYPE);
          assert.equal(attachment.content.type, 'AdaptiveCard');
          assert.equal(attachment.content.version, '1.5');
          assert.equal(attachment.content.$schema, 'http://adaptivecards.io/schemas/adaptive-card.json');
        });

        it('leaves no template expression in the output', () => {
          assert.doesNotMatch(JSON.stringify(renderCard(name, data[name]).content), /\$\{|\$when|\$data/);
        });

        it('is accepted by the adaptivecards parser without findings', () => {
          assert.deepEqual(adaptiveCardsFindings(renderCard(name, data[name]).content), []);
        });

        it("puts each button in an ActionSet of its own in the body, so it has a line to itself under any host's action layout", () => {
          const card = render(name, data[name]);
          assert.equal(card.actions, undefined, 'no buttons in the row at the foot of the card');
          const sets = actionSetsOf(card);
          assert.equal(sets.length, actionsOf(card).length, 'one set per button');
          for (const set of sets) assert.equal((set.actions as unknown[]).length, 1);
        });
      });
    }

    it('returns a fresh object each time, so a caller cannot alter the next card', () => {
      const first = render('exportOffer', data.exportOffer);
      (first.body as Json[]).length = 0;
      assert.ok((render('exportOffer', data.exportOffer).body as Json[]).length > 0);
    });
  });

  describe('with a missing field', () => {
    const requiredFields: { [N in CardName]: string[] } = {
      welcome: [],
      exportOffer: ['upn', 'organizationName'],
      exportReady: ['files', 'expiresAt'],
      exportRunning: ['requestedAt'],
      handOff: ['requestId', 'upn', 'portalUrl'],
      warning: ['requestId', 'nonce', 'upn', 'displayName', 'organizationName', 'expiresAt', 'universalActions'],
      outcome: ['title', 'message', 'facts'],
    };
    for (const name of CARD_NAMES) {
      for (const field of requiredFields[name]) {
        it(`refuses ${name} without ${field}, naming the card and the field`, () => {
          assert.throws(
            () => renderLoose(name, withoutField(data[name], field)),
            (error: unknown) =>
              error instanceof CardRenderError &&
              error.cardName === name &&
              error.field === field &&
              error.message.includes(`"${name}"`) &&
              error.message.includes(`"${field}"`),
          );
        });
      }
    }

    it('refuses an empty string as if the field were missing', () => {
      assert.throws(() => render('exportOffer', { ...data.exportOffer, upn: '  ' }), /"exportOffer".*"upn"/);
    });

    it('names the fact and its part when a fact has no value', () => {
      const facts = [{ title: 'Account', value: 'a@b' }, { title: 'Closed at' }];
      assert.throws(() => renderLoose('outcome', { ...data.outcome, facts }), /"outcome".*"facts\[1\]\.value"/);
    });

    it('refuses a Teams warning without the requester to refresh for', () => {
      assert.throws(() => renderLoose('warning', withoutField(data.warning, 'requesterAadObjectId')), /"warning".*"requesterAadObjectId"/);
    });

    it('never puts the nonce into the error message', () => {
      const error = captureError(() => renderLoose('warning', withoutField(data.warning, 'upn')));
      assert.ok(!error.message.includes(data.warning.nonce));
    });
  });

  describe('with a wrong value', () => {
    it('refuses a download link that is not http(s)', () => {
      assert.throws(
        () =>
          render('exportReady', {
            ...data.exportReady,
            files: [{ title: 'Download x', file: 'x', button: 'Download x', url: 'javascript:alert(1)' }],
          }),
        /"files\[0\]\.url" must be an http\(s\) URL/,
      );
    });

    it('refuses an export card with no files (that is said in a message, with no button)', () => {
      assert.throws(() => render('exportReady', { ...data.exportReady, files: [] }), /"files" must be a non-empty array/);
    });

    it('refuses a universalActions flag that is not a boolean', () => {
      assert.throws(() => renderLoose('warning', { ...data.warning, universalActions: 'yes' }), /"universalActions" must be a boolean/);
    });

    it('refuses an unknown outcome tone', () => {
      assert.throws(() => renderLoose('outcome', { ...data.outcome, tone: 'red' }), /"tone" must be one of/);
    });

    it('refuses a card name it does not know', () => {
      assert.throws(() => renderLoose('farewell' as CardName, {}), CardRenderError);
    });
  });

  describe('with user text that looks like a template or markdown', () => {
    it('shows a display name containing ${...} literally instead of failing or expanding it', () => {
      const card = render('warning', { ...data.warning, displayName: 'Eve ${nonce}' });
      assert.match(textOf(card), /Eve \$\{nonce\}/);
    });

    it('puts names into TextRuns, which render no markdown links', () => {
      const card = render('warning', { ...data.warning, displayName: '[Click me](https://evil.example)' });
      const json = JSON.stringify(card.body);
      assert.match(json, /\{"type":"TextRun","text":"\[Click me\]\(https:\/\/evil\.example\)"\}/);
    });
  });

  describe('welcome', () => {
    it('says who may use the bot and offers a start button and the typed phrase', () => {
      const card = render('welcome', data.welcome);
      assert.match(textOf(card), /unmanaged/);
      assert.match(textOf(card), /self-service sign-up/);
      assert.match(textOf(card), /or type 'close my account'/);
      const [start] = actionsOf(card);
      assert.deepEqual(
        { type: start?.type, title: start?.title, data: start?.data },
        {
          type: 'Action.Submit',
          title: 'Close my account',
          data: { action: CardActions.start },
        },
      );
    });

    it('is rendered once per language and shared frozen, so no reader can change the next one’s card', () => {
      const english = renderCard('welcome', data.welcome);
      assert.equal(renderCard('welcome', data.welcome), english, 'the same card again');
      assert.throws(() => {
        (english.content as unknown as { body: unknown }).body = [];
      }, TypeError);
      assert.throws(() => (english.content.body as unknown[]).push('x'), TypeError);
      const german = inLanguageOf('de-DE', () => renderCard('welcome', data.welcome));
      assert.notEqual(german, english);
      assert.match(textOf(german.content), /Konto/);
      assert.doesNotMatch(textOf(renderCard('welcome', data.welcome).content), /Konto/);
    });
  });

  describe('exportOffer', () => {
    it('names the account, gives honest timing and suggests the export first', () => {
      const card = render('exportOffer', data.exportOffer);
      assert.match(textOf(card), /alex@contoso\.onmicrosoft\.com in Contoso \(unmanaged\)/);
      assert.match(textOf(card), /a day or two/);
      assert.match(textOf(card), /up to 30 days/);
      assert.match(textOf(card), /message you/);
      const [exportFirst, skip] = actionsOf(card);
      assert.deepEqual(exportFirst, {
        type: 'Action.Submit',
        title: 'Export my data first',
        style: 'positive',
        data: { action: CardActions.exportData },
      });
      assert.deepEqual(skip, { type: 'Action.Submit', title: "Skip, don't export", data: { action: CardActions.skipExport } });
    });
  });

  describe('exportReady', () => {
    it('names each file on a wrapping line above a short Download button of its own name, states the expiry and offers to continue', () => {
      const card = render('exportReady', data.exportReady);
      assert.match(textOf(card), /Your data export is ready/);
      assert.match(textOf(card), /4 December 2025, 14:30 UTC/);
      const actions = actionsOf(card);
      const proceed = actions.pop();
      assert.deepEqual(
        actions.map((action) => ({ type: action.type, title: action.title, tooltip: action.tooltip, url: action.url })),
        data.exportReady.files.map((file) => ({ type: 'Action.OpenUrl', title: file.button, tooltip: file.title, url: file.url })),
      );
      assert.deepEqual(
        actions.map((action) => action.title),
        ['Download export-info', 'Download organization'],
        'each button its own name (a screen reader lists them by it)',
      );
      for (const file of data.exportReady.files)
        assert.ok(textOf(card).split('\n').includes(file.file), `${file.file} on a line of its own`);
      assert.deepEqual(proceed, { type: 'Action.Submit', title: 'Continue to close my account', data: { action: CardActions.start } });
    });
  });

  describe('warning', () => {
    it('says in plain words that closing is permanent and what is lost, for which account, until when', () => {
      const text = textOf(render('warning', data.warning));
      assert.match(text, /cannot be undone/);
      assert.match(text, /personal data in this organization is removed/);
      assert.match(text, /access to every app and file of this organization ends/);
      assert.match(text, /alex@contoso\.onmicrosoft\.com \(Alex Wilber\) in the organization Contoso \(unmanaged\)/);
      assert.match(text, /valid until 27 November 2025, 15:00 UTC/);
    });

    it("in portal mode (the default), names its action Continue to Microsoft's page and says the closing happens there, with the page's own Yes", () => {
      const card = renderCard('warning', data.warning, { closureMode: 'portal' }).content as Json;
      const text = textOf(card);
      assert.match(text, /The closing happens on Microsoft's page, with its own Yes\./);
      assert.doesNotMatch(text, /After that, nothing happens/);
      const titles = JSON.stringify(actionsOf(card));
      assert.match(titles, /"title":"Continue to Microsoft's page"/);
      assert.doesNotMatch(titles, /Yes, close my account/);
      assert.deepEqual(adaptiveCardsFindings(card), []);
    });

    describe('on Teams (universalActions)', () => {
      const card = render('warning', data.warning);
      const requestData = { requestId: data.warning.requestId, nonce: data.warning.nonce };

      it('uses Action.Execute with verbs matching the data, falling back to the same Action.Submit', () => {
        const [yes, no] = actionsOf(card);
        assert.deepEqual(yes, {
          type: 'Action.Execute',
          title: 'Yes, close my account',
          style: 'destructive',
          verb: CardActions.confirm,
          data: { action: CardActions.confirm, ...requestData },
          fallback: {
            type: 'Action.Submit',
            title: 'Yes, close my account',
            style: 'destructive',
            data: { action: CardActions.confirm, ...requestData },
          },
        });
        assert.deepEqual(no, {
          type: 'Action.Execute',
          title: 'No, keep it',
          style: 'positive',
          verb: CardActions.decline,
          data: { action: CardActions.decline, ...requestData },
          fallback: {
            type: 'Action.Submit',
            title: 'No, keep it',
            style: 'positive',
            data: { action: CardActions.decline, ...requestData },
          },
        });
        assert.equal(actionsOf(card).length, 2);
      });

      it('draws Yes as destructive and No as positive, each on its own line', () => {
        const [yesSet, noSet] = actionSetsOf(card);
        assert.equal((yesSet?.actions as Json[])[0].style, 'destructive');
        assert.equal((noSet?.actions as Json[])[0].style, 'positive');
      });

      it('refreshes only for the requester', () => {
        assert.deepEqual(card.refresh, {
          action: { type: 'Action.Execute', verb: CardActions.refresh, data: { action: CardActions.refresh, ...requestData } },
          userIds: [data.warning.requesterAadObjectId],
        });
      });

      it('produces button data that parseCardAction reads back, for both the invoke and the fallback', () => {
        const [yes] = actionsOf(card);
        const expected = { action: CardActions.confirm, ...requestData };
        assert.deepEqual(parseCardAction({ action: { type: 'Action.Execute', verb: yes?.verb, data: yes?.data } }), expected);
        assert.deepEqual(parseCardAction((yes?.fallback as Json).data), expected);
      });
    });

    describe('elsewhere (Web Chat, Emulator)', () => {
      const card = render('warning', { ...data.warning, universalActions: false, requesterAadObjectId: undefined });

      it('uses plain Action.Submit buttons and no refresh', () => {
        assert.equal(card.refresh, undefined);
        assert.deepEqual(actionsOf(card), [
          {
            type: 'Action.Submit',
            title: 'Yes, close my account',
            style: 'destructive',
            data: { action: CardActions.confirm, requestId: data.warning.requestId, nonce: data.warning.nonce },
          },
          {
            type: 'Action.Submit',
            title: 'No, keep it',
            style: 'positive',
            data: { action: CardActions.decline, requestId: data.warning.requestId, nonce: data.warning.nonce },
          },
        ]);
      });

      it('is accepted by the adaptivecards parser without findings', () => {
        assert.deepEqual(adaptiveCardsFindings(card), []);
      });
    });
  });

  describe('outcome', () => {
    it('shows title, message, facts and request id, and has no buttons', () => {
      const card = render('outcome', data.outcome);
      const text = textOf(card);
      assert.match(text, /^Account closed\n/);
      assert.match(text, /Closed at: 27 November 2025, 14:52 UTC/);
      assert.match(text, /Request ID:\s+req-01HF8Z3K2M/);
      assert.deepEqual(actionsOf(card), []);
      assert.equal(card.actions, undefined);
    });

    it('renders the "waiting for someone else" variant from data alone, without request id or facts', () => {
      const card = render('outcome', {
        title: 'Waiting for Alex Wilber to confirm',
        message: 'Only Alex Wilber can answer this request.',
        facts: [],
      });
      assert.equal(textOf(card), 'Waiting for Alex Wilber to confirm\nOnly Alex Wilber can answer this request.');
      assert.deepEqual(adaptiveCardsFindings(card), []);
    });
  });
});

function captureError(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error('expected an error');
}
