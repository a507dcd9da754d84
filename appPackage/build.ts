/**
 * `npm run package:teams`: fills the manifest template with the bot's app id and host, validates it offline
 * against the schema bundled in @microsoft/app-manifest, and zips it with both icons into
 * appPackage/build/appPackage.zip, ready to upload in Teams or the Developer Portal.
 */
import fs from 'node:fs';
import path from 'node:path';
import AdmZip from 'adm-zip';
import { AppManifestUtils } from '@microsoft/app-manifest';
import dotenv from 'dotenv';
import { AppError } from '../services/errors';
import { appLocalization, appStrings, BOT_COMMANDS } from './localization';
import { COLOR_ICON_SIZE, OUTLINE_ICON_SIZE, readPngSize } from './icons';

export const MANIFEST_TEMPLATE_PATH = path.join(__dirname, 'manifest.template.json');
export const DEFAULT_OUTPUT_PATH = path.join(__dirname, 'build', 'appPackage.zip');

/** What the template needs. Each field is named after the environment variable it comes from. */
export interface PackageSettings {
  /** `MicrosoftAppId`: the bot's app (client) id, also used as the Teams app id and for SSO. */
  readonly botId: string;
  /** `BOT_DOMAIN`: the host name the bot is reached at, without scheme or path (e.g. `mybot.azurewebsites.net`). */
  readonly botDomain: string;
  /**
   * `OAUTH_APP_ID`: the client id of the sign-in (OAuth connection) app, which Teams SSO asks Entra ID for a token
   * to (`webApplicationInfo`, with `api://botid-<that id>`). Default: the bot's id, right only when the bot and
   * the sign-in app are one registration (SingleTenant); with a managed identity it must be given.
   */
  readonly ssoAppId?: string;
  /**
   * `OAUTH_URL`: the bot's token service (a regional bot's, e.g. https://europe.token.botframework.com); its host
   * is a valid domain of the app, where the sign-in page redirects. Default: token.botframework.com.
   * Hosts: https://learn.microsoft.com/azure/bot-service/ref-oauth-redirect-urls
   */
  readonly oauthUrl?: string;
  /**
   * The publisher Teams shows as the app's developer (manifest `developer`), which Microsoft requires to be the
   * real one for published apps (https://learn.microsoft.com/microsoftteams/platform/resources/schema/manifest-schema#developer:
   * name up to 32 characters; websiteUrl, privacyUrl and termsOfUseUrl https). `PUBLISHER_NAME` and
   * `PUBLISHER_WEBSITE_URL` are required; `PUBLISHER_PRIVACY_URL` and `PUBLISHER_TERMS_URL` default to the bot's
   * own /privacy and /terms pages, which name the publisher too (PUBLISHER_NAME, PUBLISHER_CONTACT on the bot).
   */
  readonly publisher: {
    readonly name: string;
    readonly websiteUrl: string;
    readonly privacyUrl?: string;
    readonly termsUrl?: string;
  };
  /**
   * `CLOSURE`, as the bot is configured: the full description says what the bot does in that mode. Default
   * `portal`, as the bot's own default (config/config.ts): the bot closes nothing itself.
   */
  readonly closure?: 'portal' | 'graph';
}

const DEFAULT_TOKEN_HOST = 'token.botframework.com';

export type Manifest = Record<string, unknown>;

export interface BuildPackageOptions {
  readonly manifest: Manifest;
  /** The files `localizationInfo.additionalLanguages` names, by file name (appPackage/localization.ts). */
  readonly languageFiles?: Readonly<Record<string, unknown>>;
  /** Where the icon files the manifest names are read from. */
  readonly iconsDir: string;
  readonly outFile: string;
}

export interface BuiltPackage {
  readonly outFile: string;
  readonly entries: readonly string[];
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;
const PLACEHOLDER = /\$\{\{([A-Za-z0-9_]+)\}\}/g;
const ICON_SIZES = { color: COLOR_ICON_SIZE, outline: OUTLINE_ICON_SIZE } as const;

/** Reads the two variables from an environment-shaped object; the refusal is one line naming the variable. */
export function readPackageSettings(env: Readonly<Record<string, string | undefined>>): PackageSettings {
  const ssoAppId = env.OAUTH_APP_ID?.trim();
  const oauthUrl = env.OAUTH_URL?.trim();
  const privacyUrl = env.PUBLISHER_PRIVACY_URL?.trim();
  const termsUrl = env.PUBLISHER_TERMS_URL?.trim();
  const closure = env.CLOSURE?.trim() || undefined;
  if (closure !== undefined && !isClosureMode(closure))
    throw new AppError('CONFIG_INVALID', `CLOSURE must be one of "graph", "portal"; got "${closure}"`);
  return checkSettings({
    ...(closure ? { closure } : {}),
    botId: env.MicrosoftAppId?.trim() ?? '',
    botDomain: env.BOT_DOMAIN?.trim() ?? '',
    ...(ssoAppId ? { ssoAppId } : {}),
    ...(oauthUrl ? { oauthUrl } : {}),
    publisher: {
      name: env.PUBLISHER_NAME?.trim() ?? '',
      websiteUrl: env.PUBLISHER_WEBSITE_URL?.trim() ?? '',
      ...(privacyUrl ? { privacyUrl } : {}),
      ...(termsUrl ? { termsUrl } : {}),
    },
  });
}

/**
 * Replaces `${{BOT_ID}}`, `${{BOT_DOMAIN}}`, `${{SSO_APP_ID}}`, `${{TOKEN_HOST}}`, the publisher's and the English
 * name, descriptions and command list (`teamsApp.*` in locales/en.json) in every string of the template, and adds
 * `localizationInfo` naming the other languages' files; an unknown placeholder is an error.
 */
export function fillManifest(template: unknown, settings: PackageSettings): Manifest {
  const { botId, botDomain, ssoAppId, oauthUrl, publisher, closure } = checkSettings(settings);
  const english = appStrings('en', closure ?? 'portal');
  const values: Record<string, string> = {
    NAME_SHORT: english['name.short'],
    NAME_FULL: english['name.full'],
    DESCRIPTION_SHORT: english['description.short'],
    DESCRIPTION_FULL: english['description.full'],
    ...Object.fromEntries(
      BOT_COMMANDS.flatMap((command, index) => [
        [`COMMAND_${command.toUpperCase()}_TITLE`, english[`bots[0].commandLists[0].commands[${index}].title`]],
        [`COMMAND_${command.toUpperCase()}_DESCRIPTION`, english[`bots[0].commandLists[0].commands[${index}].description`]],
      ]),
    ),
    BOT_ID: botId,
    BOT_DOMAIN: botDomain.toLowerCase(),
    PUBLISHER_NAME: publisher.name,
    PUBLISHER_WEBSITE_URL: publisher.websiteUrl,
    PUBLISHER_PRIVACY_URL: publisher.privacyUrl ?? `https://${botDomain.toLowerCase()}/privacy`,
    PUBLISHER_TERMS_URL: publisher.termsUrl ?? `https://${botDomain.toLowerCase()}/terms`,
    SSO_APP_ID: ssoAppId ?? botId,
    TOKEN_HOST: oauthUrl ? new URL(oauthUrl).hostname.toLowerCase() : DEFAULT_TOKEN_HOST,
  };
  const fill = (node: unknown): unknown => {
    if (typeof node === 'string') {
      return node.replace(PLACEHOLDER, (_match, name: string) => {
        const value = values[name];
        if (value === undefined) throw new AppError('CONFIG_INVALID', `the manifest template uses an unknown placeholder "\${{${name}}}"`);
        return value;
      });
    }
    if (Array.isArray(node)) return node.map(fill);
    if (typeof node === 'object' && node !== null)
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, fill(value)]));
    return node;
  };
  const filled = fill(template);
  if (typeof filled !== 'object' || filled === null || Array.isArray(filled)) {
    throw new AppError('CONFIG_INVALID', 'the manifest template is not a JSON object');
  }
  return { ...filled, localizationInfo: appLocalization(String((filled as Manifest).manifestVersion), closure ?? 'portal').info };
}

/**
 * Validates against the Teams schema bundled in @microsoft/app-manifest and returns one line per problem
 * (empty when valid). The schema is passed in explicitly, so validation never goes to the network: a
 * `$schema` the package does not bundle is itself reported as a problem.
 */
export async function validateManifest(manifest: Manifest): Promise<string[]> {
  const located = locateBundledSchema(manifest.$schema);
  if (typeof located === 'string') return [located];
  if (manifest.manifestVersion !== located.version) {
    return [`manifestVersion "${String(manifest.manifestVersion)}" does not match the $schema version "${located.version}"`];
  }
  const schema: unknown = JSON.parse(fs.readFileSync(located.file, 'utf8'));
  type AppManifest = Parameters<typeof AppManifestUtils.validateAgainstSchema>[0];
  type AppManifestSchema = NonNullable<Parameters<typeof AppManifestUtils.validateAgainstSchema>[1]>;
  const problems = await AppManifestUtils.validateAgainstSchema(manifest as unknown as AppManifest, schema as AppManifestSchema);
  return problems.map((problem) => problem.trim());
}

/**
 * Each file `localizationInfo.additionalLanguages` names must be given, and valid against the Localization schema
 * bundled beside the manifest's (same version); one line per problem, naming the file.
 */
export async function validateLanguageFiles(manifest: Manifest, files: Readonly<Record<string, unknown>>): Promise<string[]> {
  const named = (
    (manifest.localizationInfo as { additionalLanguages?: Array<{ file: string }> } | undefined)?.additionalLanguages ?? []
  ).map((language) => language.file);
  const located = locateBundledSchema(manifest.$schema);
  if (typeof located === 'string') return named.length > 0 ? [located] : [];
  const schemaFile = path.join(path.dirname(located.file), 'MicrosoftTeams.Localization.schema.json');
  const problems: string[] = [];
  for (const file of named) {
    const strings = files[file];
    if (strings === undefined) {
      problems.push(`${file}: named in localizationInfo but not given`);
      continue;
    }
    const schema = localizationSchema(schemaFile);
    type Checked = Parameters<typeof AppManifestUtils.validateAgainstSchema>;
    const found = await AppManifestUtils.validateAgainstSchema(strings as Checked[0], schema as NonNullable<Checked[1]>);
    problems.push(...found.map((problem) => `${file}: ${problem.trim()}`));
  }
  return problems;
}

/**
 * The bundled Localization schema, less the `patternProperties` whose patterns ajv cannot compile in its unicode mode
 * (v1.22 has `[\b(...)\b]` in the activities' keys: "Lone quantifier brackets"). Our files use none of those keys,
 * and `additionalProperties: false` still refuses any key the schema does not name.
 */
function localizationSchema(file: string): Record<string, unknown> {
  const schema = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  const patterns = (schema.patternProperties ?? {}) as Record<string, unknown>;
  const compiles = (pattern: string) => {
    try {
      new RegExp(pattern, 'u');
      return true;
    } catch {
      return false;
    }
  };
  return { ...schema, patternProperties: Object.fromEntries(Object.entries(patterns).filter(([pattern]) => compiles(pattern))) };
}

/** Validates the manifest, checks both icons' sizes, and writes a zip of exactly manifest.json and the two icons. */
export async function buildPackage(options: BuildPackageOptions): Promise<BuiltPackage> {
  const problems = [
    ...(await validateManifest(options.manifest)),
    ...(await validateLanguageFiles(options.manifest, options.languageFiles ?? {})),
  ];
  if (problems.length > 0) {
    throw new AppError('CONFIG_INVALID', `the Teams manifest is not valid: ${problems.slice(0, 5).join('; ')}`);
  }
  const zip = new AdmZip();
  zip.addFile('manifest.json', Buffer.from(`${JSON.stringify(options.manifest, null, 2)}\n`, 'utf8'));
  for (const [file, strings] of Object.entries(options.languageFiles ?? {}))
    zip.addFile(file, Buffer.from(`${JSON.stringify(strings, null, 2)}\n`, 'utf8'));
  const icons = options.manifest.icons as Record<keyof typeof ICON_SIZES, string>;
  for (const kind of ['color', 'outline'] as const) {
    const file = icons[kind];
    const png = readIcon(path.join(options.iconsDir, file), kind);
    zip.addFile(file, png);
  }
  fs.mkdirSync(path.dirname(options.outFile), { recursive: true });
  zip.writeZip(options.outFile);
  return { outFile: options.outFile, entries: zip.getEntries().map((entry) => entry.entryName) };
}

function readIcon(file: string, kind: keyof typeof ICON_SIZES): Buffer {
  if (!fs.existsSync(file)) {
    throw new AppError('CONFIG_INVALID', `the ${kind} icon "${file}" is missing (run: npx tsx appPackage/icons.ts)`);
  }
  const png = fs.readFileSync(file);
  const expected = ICON_SIZES[kind];
  let size: { width: number; height: number };
  try {
    size = readPngSize(png);
  } catch (error) {
    throw new AppError('CONFIG_INVALID', `the ${kind} icon "${file}" is not a PNG`, { cause: error });
  }
  if (size.width !== expected || size.height !== expected) {
    throw new AppError('CONFIG_INVALID', `the ${kind} icon must be ${expected}x${expected}, "${file}" is ${size.width}x${size.height}`);
  }
  return png;
}

function isClosureMode(value: string): value is 'portal' | 'graph' {
  return value === 'portal' || value === 'graph';
}

function checkSettings(settings: PackageSettings): PackageSettings {
  if (!settings.botId) {
    throw new AppError('CONFIG_INVALID', "MicrosoftAppId is not set: give the bot's app (client) id, a GUID, in the environment or .env");
  }
  if (!GUID.test(settings.botId)) {
    throw new AppError('CONFIG_INVALID', `MicrosoftAppId must be a GUID (the bot's app id), got "${settings.botId}"`);
  }
  if (!settings.botDomain) {
    throw new AppError('CONFIG_INVALID', 'BOT_DOMAIN is not set: give the host name the bot is reached at, e.g. mybot.azurewebsites.net');
  }
  if (!HOST_NAME.test(settings.botDomain)) {
    throw new AppError(
      'CONFIG_INVALID',
      `BOT_DOMAIN must be a host name only, without scheme, port or path (e.g. mybot.azurewebsites.net), got "${settings.botDomain}"`,
    );
  }
  if (settings.ssoAppId !== undefined && !GUID.test(settings.ssoAppId)) {
    throw new AppError('CONFIG_INVALID', `OAUTH_APP_ID must be a GUID (the sign-in app's client id), got "${settings.ssoAppId}"`);
  }
  checkPublisher(settings.publisher);
  if (settings.oauthUrl !== undefined && !/^https:\/\/[^/]+\/?$/i.test(settings.oauthUrl)) {
    throw new AppError(
      'CONFIG_INVALID',
      `OAUTH_URL must be an https URL of a token service, e.g. https://europe.token.botframework.com, got "${settings.oauthUrl}"`,
    );
  }
  return settings;
}

/**
 * Maps `https://developer.microsoft.com/[locale/]json-schemas/teams/v<version>/MicrosoftTeams.schema.json` to the
 * copy inside the installed package. Returns a problem line when there is none.
 */
function locateBundledSchema(schemaUrl: unknown): { file: string; version: string } | string {
  const match =
    typeof schemaUrl === 'string'
      ? /^https:\/\/developer\.microsoft\.com\/(?:[a-z]{2}(?:-[a-z]{2})?\/)?json-schemas\/teams\/v([0-9.]+|DevPreview)\/MicrosoftTeams\.schema\.json$/i.exec(
          schemaUrl,
        )
      : null;
  if (!match) return `$schema must be a Teams schema URL on developer.microsoft.com, got "${String(schemaUrl)}"`;
  const packageRoot = path.dirname(path.dirname(require.resolve('@microsoft/app-manifest')));
  const file = path.join(packageRoot, 'build', 'json-schemas', 'teams', `v${match[1]}`, 'MicrosoftTeams.schema.json');
  if (!fs.existsSync(file))
    return `$schema version v${match[1]} is not bundled with @microsoft/app-manifest, so it cannot be checked offline`;
  return { file, version: match[1] === 'DevPreview' ? 'devPreview' : match[1] };
}

async function main(): Promise<void> {
  const envFile = path.resolve(__dirname, '..', '.env');
  if (fs.existsSync(envFile)) dotenv.config({ path: envFile, quiet: true });
  const settings = readPackageSettings(process.env);
  const template: unknown = JSON.parse(fs.readFileSync(MANIFEST_TEMPLATE_PATH, 'utf8'));
  const manifest = fillManifest(template, settings);
  const languageFiles = appLocalization(String(manifest.manifestVersion), settings.closure ?? 'portal').files;
  const built = await buildPackage({ manifest, languageFiles, iconsDir: __dirname, outFile: DEFAULT_OUTPUT_PATH });
  process.stdout.write(
    `Wrote ${path.relative(process.cwd(), built.outFile)} (${built.entries.join(', ')}) for bot "${settings.botId}" at "${settings.botDomain}".\n`,
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    const message =
      error instanceof AppError ? error.message.replace(/^CONFIG_INVALID: /, '') : String(error instanceof Error ? error.stack : error);
    process.stderr.write(`package:teams: ${message}\n`);
    process.exitCode = 1;
  });
}

/** Teams' limits on `developer` (manifest schema 1.22: name 1-32 characters, each URL https and at most 2048). */
function checkPublisher(publisher: PackageSettings['publisher'] | undefined): void {
  const name = publisher?.name ?? '';
  if (!name) {
    throw new AppError(
      'CONFIG_INVALID',
      'PUBLISHER_NAME is not set: give the organization that publishes the bot (Teams shows it as the developer)',
    );
  }
  if (name.length > 32)
    throw new AppError('CONFIG_INVALID', `PUBLISHER_NAME must be at most 32 characters (Teams' limit), got ${name.length}`);
  const urls: Array<[string, string | undefined]> = [
    ['PUBLISHER_WEBSITE_URL', publisher?.websiteUrl],
    ['PUBLISHER_PRIVACY_URL', publisher?.privacyUrl],
    ['PUBLISHER_TERMS_URL', publisher?.termsUrl],
  ];
  for (const [setting, url] of urls) {
    if (setting === 'PUBLISHER_WEBSITE_URL' && !url) {
      throw new AppError(
        'CONFIG_INVALID',
        "PUBLISHER_WEBSITE_URL is not set: give the publisher's https website (Teams shows it as the developer's)",
      );
    }
    if (url !== undefined && !/^https:\/\/[^\s/]+(\/\S*)?$/i.test(url)) {
      throw new AppError('CONFIG_INVALID', `${setting} must be an https URL, got "${url}"`);
    }
  }
}
