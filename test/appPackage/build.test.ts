import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AdmZip from 'adm-zip';
import {
  buildPackage,
  fillManifest,
  validateLanguageFiles,
  MANIFEST_TEMPLATE_PATH,
  readPackageSettings,
  validateManifest,
  type Manifest,
} from '../../appPackage/build';
import { encodePng, OUTLINE_ICON_FILE } from '../../appPackage/icons';
import { appLocalization, BOT_COMMANDS } from '../../appPackage/localization';
import { CANCEL_WORDS, HELP_WORDS, START_PHRASE } from '../../dialogs/interruptions';
import { inLanguageOf, LANGUAGES, t } from '../../locales/i18n';
import { isAppError } from '../../services/errors';

const APP_PACKAGE_DIR = path.resolve(__dirname, '../../appPackage');
const BOT_ID = '3f1e6c2a-9b7d-4e58-a0c1-2d4b6f8e0a13';
const BOT_DOMAIN = 'closure-bot.azurewebsites.net';
const SSO_APP_ID = '7c2b9d40-1e5f-4a83-b6c7-9d0e1f2a3b4c';
const PUBLISHER = { name: 'Fabrikam Volunteers', websiteUrl: 'https://fabrikam.example/' };
const PUBLISHER_ENV = { PUBLISHER_NAME: PUBLISHER.name, PUBLISHER_WEBSITE_URL: PUBLISHER.websiteUrl };

function createTemplate(): unknown {
  return JSON.parse(fs.readFileSync(MANIFEST_TEMPLATE_PATH, 'utf8'));
}

function createManifest(): Manifest {
  return fillManifest(createTemplate(), { botId: BOT_ID, botDomain: BOT_DOMAIN, publisher: PUBLISHER });
}

/** The other languages' files for the default (portal) manifest, as `npm run package:teams` passes them. */
const LANGUAGE_FILES = appLocalization('1.22', 'portal').files;

function createTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'app-package-'));
}

function refusedWith(pattern: RegExp) {
  return (error: unknown) => isAppError(error, 'CONFIG_INVALID') && pattern.test(error.message) && !error.message.includes('\n');
}

describe('Teams app package', () => {
  describe('fillManifest with a valid app id and domain', () => {
    const manifest = createManifest();
    const bot = (manifest.bots as Array<Record<string, unknown>>)[0] ?? {};

    it('validates against the schema bundled in @microsoft/app-manifest, offline', async () => {
      assert.deepEqual(await validateManifest(manifest), []);
    });

    it('uses the app id for the app, the bot and SSO', () => {
      assert.equal(manifest.id, BOT_ID);
      assert.equal(bot.botId, BOT_ID);
      assert.deepEqual(manifest.webApplicationInfo, { id: BOT_ID, resource: `api://botid-${BOT_ID}` });
    });

    it('asks for the SSO token to the sign-in app when OAUTH_APP_ID names it (a managed identity bot)', () => {
      const withSso = fillManifest(createTemplate(), { botId: BOT_ID, botDomain: BOT_DOMAIN, publisher: PUBLISHER, ssoAppId: SSO_APP_ID });
      assert.deepEqual(withSso.webApplicationInfo, { id: SSO_APP_ID, resource: `api://botid-${SSO_APP_ID}` });
      assert.equal(withSso.id, BOT_ID);
    });

    it('allows a regional token service host (OAUTH_URL) instead of the global one', () => {
      const regional = fillManifest(createTemplate(), {
        botId: BOT_ID,
        botDomain: BOT_DOMAIN,
        oauthUrl: 'https://europe.token.botframework.com',
        publisher: PUBLISHER,
      });
      assert.deepEqual(regional.validDomains, [BOT_DOMAIN, 'europe.token.botframework.com']);
    });

    it('refuses an OAUTH_APP_ID that is not a GUID and an OAUTH_URL that is not an https origin', () => {
      assert.throws(
        () => readPackageSettings({ ...PUBLISHER_ENV, MicrosoftAppId: BOT_ID, BOT_DOMAIN, OAUTH_APP_ID: 'sign-in' }),
        /OAUTH_APP_ID must be a GUID/,
      );
      assert.throws(
        () =>
          readPackageSettings({ ...PUBLISHER_ENV, MicrosoftAppId: BOT_ID, BOT_DOMAIN, OAUTH_URL: 'http://europe.token.botframework.com' }),
        /OAUTH_URL must be an https URL/,
      );
    });

    it('allows the token service and the bot host, and points the developer links at the host', () => {
      assert.deepEqual(manifest.validDomains, [BOT_DOMAIN, 'token.botframework.com']);
      assert.equal((manifest.developer as Record<string, unknown>).privacyUrl, `https://${BOT_DOMAIN}/privacy`);
    });

    it('offers the bot in personal chats, group chats and teams, without files', () => {
      assert.deepEqual(bot.scopes, ['personal', 'groupChat', 'team']);
      assert.equal(bot.supportsFiles, false);
    });

    it('keeps $schema on developer.microsoft.com and leaves no placeholder behind', () => {
      assert.match(
        String(manifest.$schema),
        /^https:\/\/developer\.microsoft\.com\/json-schemas\/teams\/v1\.\d+\/MicrosoftTeams\.schema\.json$/,
      );
      assert.doesNotMatch(JSON.stringify(manifest), /\$\{\{/);
    });

    it('names English as the default and one file per other language, each in its language and valid offline', async () => {
      assert.deepEqual(manifest.localizationInfo, {
        defaultLanguageTag: 'en',
        additionalLanguages: ['de', 'fr', 'es', 'ja', 'pt'].map((tag) => ({ languageTag: tag, file: `${tag}.json` })),
      });
      assert.deepEqual(await validateLanguageFiles(manifest, LANGUAGE_FILES), []);
      assert.equal(
        LANGUAGE_FILES['de.json']?.['description.short'],
        inLanguageOf('de', () => t('teamsApp.descriptionShort')),
      );
      assert.equal(
        LANGUAGE_FILES['pt.json']?.['name.full'],
        inLanguageOf('pt-BR', () => t('teamsApp.nameFull')),
      );
      assert.match(LANGUAGE_FILES['ja.json']?.['$schema'] ?? '', /teams\/v1\.22\/MicrosoftTeams\.Localization\.schema\.json$/);
    });

    it('lists the commands in English in the manifest and in each language in its file (Localization schema keys)', () => {
      const commands = (bot.commandLists as Array<{ commands: Array<{ title: string; description: string }> }>)[0]?.commands;
      assert.deepEqual(
        commands,
        BOT_COMMANDS.map((command) => ({
          title: t(`teamsApp.command${command}Title`),
          description: t(`teamsApp.command${command}Description`),
        })),
      );
      assert.deepEqual(
        commands?.map((command) => command.title),
        ['close my account', 'help', 'cancel'],
      );
      assert.equal(LANGUAGE_FILES['de.json']?.['bots[0].commandLists[0].commands[0].title'], 'Konto schließen');
      assert.equal(LANGUAGE_FILES['ja.json']?.['bots[0].commandLists[0].commands[2].title'], 'キャンセル');
      for (const [file, strings] of Object.entries(LANGUAGE_FILES)) {
        const keys = Object.keys(strings).filter((key) => key.startsWith('bots[0].'));
        assert.equal(keys.length, BOT_COMMANDS.length * 2, `${file} translates every command's title and description`);
      }
    });

    it("recognises every language's command title as that command when Teams sends it as the message", () => {
      const recognised = {
        Start: (text: string) => START_PHRASE.test(text),
        Help: (text: string) => HELP_WORDS.has(text),
        Cancel: (text: string) => CANCEL_WORDS.has(text),
      };
      for (const language of LANGUAGES) {
        for (const command of BOT_COMMANDS) {
          const title = inLanguageOf(language, () => t(`teamsApp.command${command}Title`));
          assert.ok(recognised[command](title.trim().toLowerCase()), `${language} "${title}" is recognised as ${command}`);
        }
      }
    });

    it('says what the bot does in the descriptions', () => {
      const description = manifest.description as { short: string; full: string };
      assert.match(description.short, /close your own work or school account/i);
      assert.match(description.full, /unmanaged/);
      assert.match(description.full, /permanent/);
    });

    it("says, by default (CLOSURE=portal), that the closing happens on Microsoft's page and the bot closes nothing (issue 18)", () => {
      const { full } = manifest.description as { full: string };
      assert.match(full, /where you close the account yourself \(Close account, then Yes\)/);
      assert.match(full, /The bot closes nothing itself/);
      assert.match(full, /system-generated logs[\s\S]*up to a month/);
      assert.doesNotMatch(full, /the bot then closes the account/);
      assert.ok(full.length <= 4000, "within Teams' limit");
    });

    it('says the bot closes the account itself only when built for CLOSURE=graph', async () => {
      const settings = readPackageSettings({ ...PUBLISHER_ENV, MicrosoftAppId: BOT_ID, BOT_DOMAIN, CLOSURE: 'graph' });
      const graph = fillManifest(createTemplate(), settings);
      assert.match((graph.description as { full: string }).full, /the bot then closes the account itself/);
      assert.deepEqual(await validateManifest(graph), []);
      assert.throws(
        () => readPackageSettings({ ...PUBLISHER_ENV, MicrosoftAppId: BOT_ID, BOT_DOMAIN, CLOSURE: 'delete' }),
        /CLOSURE must be one of/,
      );
    });
  });

  describe('fillManifest with bad settings', () => {
    it('refuses a missing app id, naming MicrosoftAppId', () => {
      assert.throws(
        () => fillManifest(createTemplate(), { botId: '', botDomain: BOT_DOMAIN, publisher: PUBLISHER }),
        refusedWith(/MicrosoftAppId is not set/),
      );
    });

    it('refuses an app id that is not a GUID', () => {
      assert.throws(
        () => fillManifest(createTemplate(), { botId: 'my-bot', botDomain: BOT_DOMAIN, publisher: PUBLISHER }),
        refusedWith(/MicrosoftAppId must be a GUID.*"my-bot"/),
      );
    });

    it('refuses a missing domain, naming BOT_DOMAIN', () => {
      assert.throws(
        () => fillManifest(createTemplate(), { botId: BOT_ID, botDomain: '', publisher: PUBLISHER }),
        refusedWith(/BOT_DOMAIN is not set/),
      );
    });

    it('refuses a domain given as a URL', () => {
      assert.throws(
        () => fillManifest(createTemplate(), { botId: BOT_ID, botDomain: `https://${BOT_DOMAIN}/`, publisher: PUBLISHER }),
        refusedWith(/BOT_DOMAIN must be a host name only/),
      );
    });

    it('refuses a template with a placeholder it does not know', () => {
      assert.throws(
        () => fillManifest({ id: '${{TEAMS_APP_ID}}' }, { botId: BOT_ID, botDomain: BOT_DOMAIN, publisher: PUBLISHER }),
        refusedWith(/unknown placeholder "\$\{\{TEAMS_APP_ID\}\}"/),
      );
    });
  });

  describe('readPackageSettings', () => {
    it('reads MicrosoftAppId and BOT_DOMAIN, trimmed', () => {
      assert.deepEqual(
        readPackageSettings({
          MicrosoftAppId: ` ${BOT_ID} `,
          BOT_DOMAIN: `${BOT_DOMAIN}\n`,
          PUBLISHER_NAME: ' Fabrikam Volunteers ',
          PUBLISHER_WEBSITE_URL: 'https://fabrikam.example/',
        }),
        { botId: BOT_ID, botDomain: BOT_DOMAIN, publisher: PUBLISHER },
      );
    });

    it("refuses to package without the publisher's name or website, naming the setting", () => {
      const base = {
        MicrosoftAppId: BOT_ID,
        BOT_DOMAIN,
        PUBLISHER_NAME: 'Fabrikam Volunteers',
        PUBLISHER_WEBSITE_URL: 'https://fabrikam.example/',
      };
      assert.throws(() => readPackageSettings({ ...base, PUBLISHER_NAME: '' }), refusedWith(/PUBLISHER_NAME is not set/));
      assert.throws(
        () => readPackageSettings({ ...base, PUBLISHER_WEBSITE_URL: undefined }),
        refusedWith(/PUBLISHER_WEBSITE_URL is not set/),
      );
      assert.throws(() => readPackageSettings({ ...base, PUBLISHER_NAME: 'x'.repeat(33) }), refusedWith(/at most 32 characters/));
      assert.throws(
        () => readPackageSettings({ ...base, PUBLISHER_PRIVACY_URL: 'http://fabrikam.example/privacy' }),
        refusedWith(/PUBLISHER_PRIVACY_URL must be an https URL/),
      );
    });

    it("names the publisher as the app's developer, with the bot's own privacy and terms pages unless others are given", () => {
      const developer = createManifest().developer as Record<string, string>;
      assert.deepEqual(developer, {
        name: 'Fabrikam Volunteers',
        websiteUrl: 'https://fabrikam.example/',
        privacyUrl: `https://${BOT_DOMAIN}/privacy`,
        termsOfUseUrl: `https://${BOT_DOMAIN}/terms`,
      });
      const own = fillManifest(createTemplate(), {
        botId: BOT_ID,
        botDomain: BOT_DOMAIN,
        publisher: { ...PUBLISHER, privacyUrl: 'https://fabrikam.example/privacy', termsUrl: 'https://fabrikam.example/terms' },
      }).developer as Record<string, string>;
      assert.equal(own.privacyUrl, 'https://fabrikam.example/privacy');
      assert.equal(own.termsOfUseUrl, 'https://fabrikam.example/terms');
    });

    it('refuses an environment without MicrosoftAppId', () => {
      assert.throws(() => readPackageSettings({ BOT_DOMAIN }), refusedWith(/MicrosoftAppId is not set/));
    });
  });

  describe('validateManifest', () => {
    it('reports a description longer than Teams allows, so the check itself can fail', async () => {
      const manifest = createManifest();
      manifest.description = { short: 'x'.repeat(81), full: 'Long enough.' };
      const problems = await validateManifest(manifest);
      assert.ok(
        problems.some((problem) => problem.startsWith('/description/short')),
        problems.join('\n'),
      );
    });

    it('reports a missing required field', async () => {
      const manifest = createManifest();
      delete manifest.accentColor;
      assert.ok((await validateManifest(manifest)).some((problem) => problem.includes('accentColor')));
    });

    it('reports a $schema version the package does not bundle instead of fetching it', async () => {
      const manifest = {
        ...createManifest(),
        $schema: 'https://developer.microsoft.com/json-schemas/teams/v9.99/MicrosoftTeams.schema.json',
      };
      assert.deepEqual(await validateManifest(manifest), [
        '$schema version v9.99 is not bundled with @microsoft/app-manifest, so it cannot be checked offline',
      ]);
    });

    it('reports a $schema outside developer.microsoft.com', async () => {
      const manifest = { ...createManifest(), $schema: 'https://example.com/MicrosoftTeams.schema.json' };
      assert.match((await validateManifest(manifest))[0] ?? '', /must be a Teams schema URL on developer\.microsoft\.com/);
    });

    it('reports a manifestVersion that differs from the $schema version', async () => {
      const manifest = { ...createManifest(), manifestVersion: '1.19' };
      assert.match((await validateManifest(manifest))[0] ?? '', /manifestVersion "1\.19" does not match/);
    });
  });

  describe('buildPackage', () => {
    let tempDir: string;
    beforeEach(() => {
      tempDir = createTempDir();
    });
    afterEach(() => {
      fs.rmSync(tempDir, { recursive: true, force: true });
    });

    it('writes a zip holding exactly manifest.json, the two icons and one strings file per other language', async () => {
      const manifest = createManifest();
      const outFile = path.join(tempDir, 'nested', 'appPackage.zip');
      const built = await buildPackage({ manifest, languageFiles: LANGUAGE_FILES, iconsDir: APP_PACKAGE_DIR, outFile });

      const zip = new AdmZip(outFile);
      const names = zip
        .getEntries()
        .map((entry) => entry.entryName)
        .sort();
      assert.deepEqual(names, ['color.png', 'de.json', 'es.json', 'fr.json', 'ja.json', 'manifest.json', 'outline.png', 'pt.json']);
      assert.deepEqual([...built.entries].sort(), names);
      const entry = (name: string) =>
        zip
          .getEntries()
          .find((candidate) => candidate.entryName === name)
          ?.getData() ?? Buffer.alloc(0);
      assert.deepEqual(JSON.parse(entry('manifest.json').toString('utf8')), manifest);
      assert.ok(entry('color.png').equals(fs.readFileSync(path.join(APP_PACKAGE_DIR, 'color.png'))));
      assert.ok(entry('outline.png').equals(fs.readFileSync(path.join(APP_PACKAGE_DIR, 'outline.png'))));
      assert.deepEqual(JSON.parse(entry('ja.json').toString('utf8')), LANGUAGE_FILES['ja.json']);
    });

    it('refuses a package that lacks a language file its manifest names, naming the file', async () => {
      const outFile = path.join(tempDir, 'appPackage.zip');
      const { 'de.json': _german, ...others } = LANGUAGE_FILES;
      await assert.rejects(
        buildPackage({ manifest: createManifest(), languageFiles: others, iconsDir: APP_PACKAGE_DIR, outFile }),
        refusedWith(/de\.json: named in localizationInfo but not given/),
      );
      assert.equal(fs.existsSync(outFile), false);
    });

    it('refuses a language file Teams would not accept (a short name over 30 characters), naming the file', async () => {
      const outFile = path.join(tempDir, 'appPackage.zip');
      const languageFiles = { ...LANGUAGE_FILES, 'fr.json': { ...LANGUAGE_FILES['fr.json'], 'name.short': 'x'.repeat(31) } };
      await assert.rejects(
        buildPackage({ manifest: createManifest(), languageFiles, iconsDir: APP_PACKAGE_DIR, outFile }),
        refusedWith(/fr\.json: .*name\.short/),
      );
    });

    it('refuses a language file that translates a command the manifest cannot have (an 11th), naming the file', async () => {
      const outFile = path.join(tempDir, 'appPackage.zip');
      const languageFiles = {
        ...LANGUAGE_FILES,
        'es.json': { ...LANGUAGE_FILES['es.json'], 'bots[0].commandLists[0].commands[10].title': 'ayuda' },
      };
      await assert.rejects(
        buildPackage({ manifest: createManifest(), languageFiles, iconsDir: APP_PACKAGE_DIR, outFile }),
        refusedWith(/es\.json: /),
      );
    });

    it('refuses an invalid manifest and writes nothing', async () => {
      const manifest = { ...createManifest(), accentColor: 'purple' };
      const outFile = path.join(tempDir, 'appPackage.zip');
      await assert.rejects(
        buildPackage({ manifest, languageFiles: LANGUAGE_FILES, iconsDir: APP_PACKAGE_DIR, outFile }),
        refusedWith(/manifest is not valid: \/accentColor/),
      );
      assert.equal(fs.existsSync(outFile), false);
    });

    it('refuses an icon of the wrong size, naming it', async () => {
      fs.copyFileSync(path.join(APP_PACKAGE_DIR, 'color.png'), path.join(tempDir, 'color.png'));
      fs.writeFileSync(path.join(tempDir, OUTLINE_ICON_FILE), encodePng({ width: 16, height: 16, pixels: Buffer.alloc(16 * 16 * 4) }));
      await assert.rejects(
        buildPackage({
          manifest: createManifest(),
          languageFiles: LANGUAGE_FILES,
          iconsDir: tempDir,
          outFile: path.join(tempDir, 'appPackage.zip'),
        }),
        refusedWith(/outline icon must be 32x32, .* is 16x16/),
      );
    });

    it('refuses a missing icon, naming the script that draws it', async () => {
      await assert.rejects(
        buildPackage({
          manifest: createManifest(),
          languageFiles: LANGUAGE_FILES,
          iconsDir: tempDir,
          outFile: path.join(tempDir, 'appPackage.zip'),
        }),
        refusedWith(/color icon .* is missing \(run: npx tsx appPackage\/icons\.ts\)/),
      );
    });
  });

  describe('npm run package:teams (the script itself)', () => {
    function runBuild(env: Record<string, string>) {
      // Values set here win over any .env on this machine: dotenv never overrides the environment.
      return spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), path.join(APP_PACKAGE_DIR, 'build.ts')], {
        cwd: path.resolve(APP_PACKAGE_DIR, '..'),
        env: { PATH: process.env.PATH ?? '', ...env },
        encoding: 'utf8',
      });
    }

    it('refuses an invalid app id with one clear line and a failing exit code', () => {
      const result = runBuild({ MicrosoftAppId: 'not-a-guid', BOT_DOMAIN });
      assert.equal(result.status, 1);
      assert.equal(result.stderr, 'package:teams: MicrosoftAppId must be a GUID (the bot\'s app id), got "not-a-guid"\n');
      assert.equal(result.stdout, '');
    });

    it('refuses an empty app id with one clear line', () => {
      const result = runBuild({ MicrosoftAppId: '', BOT_DOMAIN });
      assert.equal(result.status, 1);
      assert.match(result.stderr, /^package:teams: MicrosoftAppId is not set: [^\n]*\n$/);
    });
  });
});
