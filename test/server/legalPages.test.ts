import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fillManifest } from '../../appPackage/build';
import { inLanguageOf, t } from '../../locales/i18n';
import { startHarness, type BotHarness } from '../support/botHarness';
import { englishLeaks } from '../support/englishLeaks';

const TEMPLATE = JSON.parse(readFileSync(path.resolve(__dirname, '../../appPackage/manifest.template.json'), 'utf8')) as unknown;

function visibleText(html: string): string {
  return html
    .replace(/<style[^]*?<\/style>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ');
}

describe('the privacy and terms pages', () => {
  let harness: BotHarness;
  before(async () => {
    harness = await startHarness({
      CLOSURE_CONFIRMATION_TTL_SECONDS: '900',
      EXPORT_LINK_TTL_HOURS: '48',
      PUBLISHER_NAME: 'Fabrikam <Volunteers>',
      PUBLISHER_CONTACT: 'privacy@fabrikam.example',
      CONVERSATION_STATE_TTL_DAYS: '5',
      CLOSED_RECORD_RETENTION_DAYS: '21',
      AUDIT_RETENTION_DAYS: '730',
    });
  });
  after(async () => {
    await harness.stop();
  });

  it('serves the pages the Teams manifest links to, at the paths it names', async () => {
    const manifest = fillManifest(TEMPLATE, {
      botId: '3f1e6c2a-9b7d-4e58-a0c1-2d4b6f8e0a13',
      botDomain: 'closure-bot.azurewebsites.net',
      publisher: { name: 'Fabrikam Volunteers', websiteUrl: 'https://fabrikam.example/' },
    });
    const developer = manifest.developer as { privacyUrl: string; termsOfUseUrl: string };
    for (const url of [developer.privacyUrl, developer.termsOfUseUrl]) {
      const response = await fetch(`${harness.bot.url}${new URL(url).pathname}`);
      assert.equal(response.status, 200, `${new URL(url).pathname} answers`);
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    }
  });

  it('says what the bot keeps, for how long (from the configured durations), and whom to ask', async () => {
    const text = visibleText(await (await fetch(`${harness.bot.url}/privacy`)).text());

    assert.match(text, /What the bot keeps/);
    assert.match(text, /audit trail/);
    assert.match(text, /valid for 15 minutes/);
    assert.match(text, /Whom to ask/);
    // Escaped as HTML: a name cannot add markup to the page.
    assert.match(text, /Fabrikam &#60;Volunteers&#62;, the organization that runs this bot, answers questions/);
    assert.match(text, /Contact: privacy@fabrikam\.example/);
    assert.doesNotMatch(text, /\$\{|undefined|NaN/);
  });

  it('states each retention period from the settings that enforce it', async () => {
    const text = visibleText(await (await fetch(`${harness.bot.url}/privacy`)).text());

    assert.match(text, /How long each thing is kept/);
    assert.match(text, /after 5 days without a message/);
    assert.match(text, /deleted 21 days after they end/);
    assert.match(text, /The audit trail: kept for 730 days, then deleted/);
  });

  it('states in the terms that closing cannot be undone, and that by default the bot closes nothing itself (issue 18)', async () => {
    const text = visibleText(await (await fetch(`${harness.bot.url}/terms`)).text());

    assert.match(text, /Closing cannot be undone/);
    assert.match(text, /The bot closes no account itself/);
    assert.match(text, /Continue to Microsoft's page/);
    assert.match(text, /where you close the account yourself with that page's own Yes/);
    assert.match(text, /within 15 minutes/);
    assert.doesNotMatch(text, /Yes, close my account/);
  });

  it('says by default that the bot requests no export, and what it keeps while it checks a hand-off', async () => {
    const text = visibleText(await (await fetch(`${harness.bot.url}/privacy`)).text());

    assert.match(text, /An export : the bot asks for none/);
    assert.doesNotMatch(text, /to tell you when it is ready/);
    assert.match(text, /After a hand-off to Microsoft's page :[^.]*\. Checks go on for at most 7 days/);
  });

  it('with CLOSURE=graph, says the Yes closes the account and what an export keeps', async () => {
    const graph = await startHarness({ CLOSURE: 'graph', EXPORT_LINK_TTL_HOURS: '48' });
    try {
      const terms = visibleText(await (await fetch(`${graph.bot.url}/terms`)).text());
      assert.match(terms, /only after you press Yes, close my account on its final warning/);
      const privacy = visibleText(await (await fetch(`${graph.bot.url}/privacy`)).text());
      assert.match(
        privacy,
        /An export you ask for :[^.]*to tell you when it is ready\. The download link works for 48 hours\. This record is deleted when your account is closed/,
      );
    } finally {
      await graph.stop();
    }
  });

  for (const [language, how, init] of [
    ['de', '?locale=de on an English browser', { query: '?locale=de', headers: { 'accept-language': 'en-US' } }],
    ['ja', 'a Japanese browser', { query: '', headers: { 'accept-language': 'ja-JP,ja;q=0.9,en;q=0.5' } }],
  ] as const) {
    it(`serves both pages in ${language}, chosen by ${how}, with no English sentence left`, async () => {
      for (const route of ['/privacy', '/terms']) {
        const response = await fetch(`${harness.bot.url}${route}${init.query}`, { headers: init.headers });
        const html = await response.text();
        assert.equal(response.headers.get('content-language'), language);
        assert.match(response.headers.get('vary') ?? '', /accept-language/i);
        assert.match(html, new RegExp(`<html lang="${language}">`));
        assert.match(html, new RegExp(`href="/privacy\\?locale=${language}"`), 'its links keep the language');
        const heading = inLanguageOf(language, () =>
          t(route === '/privacy' ? 'legal.privacy.keepsHeading' : 'legal.terms.irreversibleLead'),
        );
        assert.ok(html.includes(heading), `"${heading}" on ${route}`);
        assert.deepEqual(englishLeaks(visibleText(html), language, language === 'de' ? 'de-DE' : 'ja-JP'), [], `English on ${route}`);
      }
    });
  }

  it('links both from the web chat page', async () => {
    const html = await (await fetch(`${harness.bot.url}/`)).text();

    assert.match(html, /<a href="\/privacy">Privacy<\/a>/);
    assert.match(html, /<a href="\/terms">Terms of use<\/a>/);
  });
});
