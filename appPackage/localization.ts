/**
 * The Teams app's name and descriptions in the bot's six languages, from `teamsApp.*` in locales/*.json: English in
 * manifest.json itself (`localizationInfo.defaultLanguageTag`), every other language in a `<tag>.json` beside it
 * in the package, named in `localizationInfo.additionalLanguages`. Microsoft's rules
 * (https://learn.microsoft.com/microsoftteams/platform/concepts/build-and-test/apps-localization): a file follows
 * the Localization schema of the manifest's version, and a tag without a region ("de") serves every region of
 * that language, so each language has one; Teams starts from the default strings and overlays the user's.
 */
import { inLanguageOf, LANGUAGES, t, type Language } from '../locales/i18n';

export type ClosureMode = 'portal' | 'graph';

/**
 * The bot's command list (`bots[0].commandLists[0].commands`), in the manifest template's order: what Teams offers
 * when someone types `/` or @mentions the bot. A title is sent as the message when picked, so each language's
 * title is one the bot recognises in every language (test/appPackage/build.test.ts). Titles and descriptions are
 * localizable keys of the Localization schema (`bots[0].commandLists[0].commands[0].title`, ...:
 * https://learn.microsoft.com/microsoftteams/platform/resources/schema/localization-schema).
 */
export const BOT_COMMANDS = ['Start', 'Help', 'Cancel'] as const;

type CommandKey = `bots[0].commandLists[0].commands[${number}].${'title' | 'description'}`;

/** The fields Teams shows before anyone talks to the bot (app details, store listing, app bar) and its command list. */
export interface AppStrings {
  readonly 'name.short': string;
  readonly 'name.full': string;
  readonly 'description.short': string;
  readonly 'description.full': string;
  readonly [command: CommandKey]: string;
}

/** Teams' tag for each of our languages: the bare language (all Portuguese reads Brazilian Portuguese, as in the bot). */
const TEAMS_LANGUAGE_TAGS: Readonly<Record<Language, string>> = { en: 'en', de: 'de', fr: 'fr', es: 'es', ja: 'ja', 'pt-BR': 'pt' };
export const DEFAULT_LANGUAGE_TAG = TEAMS_LANGUAGE_TAGS.en;

/** The app's strings in one language, the full description saying what the bot does in `closure` mode. */
export function appStrings(language: Language, closure: ClosureMode): AppStrings {
  return inLanguageOf(language, () => ({
    'name.short': t('teamsApp.nameShort'),
    'name.full': t('teamsApp.nameFull'),
    'description.short': t('teamsApp.descriptionShort'),
    'description.full': t(`teamsApp.descriptionFull_${closure}`),
    ...Object.fromEntries(
      BOT_COMMANDS.flatMap((command, index) => [
        [`bots[0].commandLists[0].commands[${index}].title`, t(`teamsApp.command${command}Title`)],
        [`bots[0].commandLists[0].commands[${index}].description`, t(`teamsApp.command${command}Description`)],
      ]),
    ),
  }));
}

export interface AppLocalization {
  /** The manifest's `localizationInfo`. */
  readonly info: {
    readonly defaultLanguageTag: string;
    readonly additionalLanguages: ReadonlyArray<{ languageTag: string; file: string }>;
  };
  /** Each additional language's file, by its name in the package. */
  readonly files: Readonly<Record<string, Record<string, string>>>;
}

/** The localization files for a manifest of `manifestVersion` (e.g. "1.22"), in the language of each. */
export function appLocalization(manifestVersion: string, closure: ClosureMode): AppLocalization {
  const schema = `https://developer.microsoft.com/en-us/json-schemas/teams/v${manifestVersion}/MicrosoftTeams.Localization.schema.json`;
  const others = LANGUAGES.filter((language) => language !== 'en');
  const files = Object.fromEntries(
    others.map((language) => [`${TEAMS_LANGUAGE_TAGS[language]}.json`, { $schema: schema, ...appStrings(language, closure) }]),
  );
  return {
    info: {
      defaultLanguageTag: DEFAULT_LANGUAGE_TAG,
      additionalLanguages: others.map((language) => ({
        languageTag: TEAMS_LANGUAGE_TAGS[language],
        file: `${TEAMS_LANGUAGE_TAGS[language]}.json`,
      })),
    },
    files,
  };
}
