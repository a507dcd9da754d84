/**
 * The one renderer: a card template (JSON beside this file) plus typed data becomes an Adaptive Card 1.5
 * attachment. User-supplied text (names, addresses) is bound into `TextRun`s, which render no markdown, so a
 * display name cannot turn into a link on a card that asks for an irreversible decision.
 */
import en from '../locales/en.json';
import { currentLanguage, strings } from '../locales/i18n';
import exportOfferTemplate from './exportOffer.json';
import exportReadyTemplate from './exportReady.json';
import handOffTemplate from './handOff.json';
import exportRunningTemplate from './exportRunning.json';
import outcomeTemplate from './outcome.json';
import warningTemplate from './warning.json';
import welcomeTemplate from './welcome.json';
import { deepFreeze, expand, finishExpansion } from './expandTemplate';

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/** Shaped like botbuilder's `Attachment`, so `MessageFactory.attachment(renderCard(...))` works without this room importing the SDK. */
export interface AdaptiveCardAttachment {
  readonly contentType: typeof ADAPTIVE_CARD_CONTENT_TYPE;
  readonly content: AdaptiveCardContent;
}

export interface AdaptiveCardContent {
  readonly type: 'AdaptiveCard';
  readonly version: '1.5';
  readonly [property: string]: unknown;
}

export interface DownloadLink {
  /** What pressing does, whole ("Download profile.json (1.2 KB)"): the button's tooltip, and the link beyond the limit. */
  readonly title: string;
  /** The file named with its size, in a wrapping line above its Download button: no file name cuts a label. */
  readonly file: string;
  /**
   * The button's label, short and distinct on the card ("Download profile"): its accessible name too, since the
   * renderers read a button's title, not its tooltip (adaptivecards 3 `Action.setupElementForAccessibility`).
   */
  readonly button: string;
  readonly url: string;
}

export interface OutcomeFact {
  readonly title: string;
  readonly value: string;
}

/** Colour of the outcome title; `default` when omitted. */
export type OutcomeTone = 'default' | 'good' | 'warning' | 'attention';

export interface CardDataMap {
  welcome: Record<string, never>;
  exportOffer: { upn: string; organizationName: string };
  /**
   * One download button per blob the export produced (`title` names the file and its size; `url` must be http(s)),
   * at least one: an export with no files is a message, not this card. `expiresAt` is already formatted.
   */
  exportReady: { files: readonly DownloadLink[]; expiresAt: string };
  /** An export asked for earlier is still running: wait for it or go on without it. `requestedAt` is formatted. */
  exportRunning: { requestedAt: string };
  warning: {
    requestId: string;
    nonce: string;
    upn: string;
    displayName: string;
    organizationName: string;
    expiresAt: string;
    /**
     * Who gets the automatic `refresh` in Teams (`refresh.userIds`); required when `universalActions` is true.
     * Teams documents these ids as user MRIs, i.e. the Teams `activity.from.id` of the requester.
     */
    requesterAadObjectId?: string;
    /** True on Teams: `Action.Execute` with an `Action.Submit` fallback, and a refresh for the requester. */
    universalActions: boolean;
  };
  /** The portal hand-off: steps (export first, then close), the account named, and the button that checks the outcome. */
  handOff: { requestId: string; upn: string; portalUrl: string };
  /** A final state without buttons: closed, kept, expired, cancelled, or "waiting for <name> to confirm". */
  outcome: { title: string; message: string; requestId?: string; facts: readonly OutcomeFact[]; tone?: OutcomeTone };
}

export type CardName = keyof CardDataMap;

/**
 * Which closure the deployment performs (CLOSURE): the words on a card say what pressing does in that mode. In
 * `portal` mode (the default) the bot closes nothing itself, so its cards take the `portalMode.cards.<name>` texts
 * over the card's own where a language file has them.
 */
export type ClosureMode = 'portal' | 'graph';

export interface RenderOptions {
  /** Absent: the card's own texts, which are true in both modes (cards without a `portalMode` variant). */
  readonly closureMode?: ClosureMode;
}

export class CardRenderError extends Error {
  override readonly name = 'CardRenderError';
  readonly cardName: string;
  readonly field: string;

  constructor(cardName: string, field: string, problem: string) {
    // Never the value: the warning card's data holds the nonce.
    super(`Card "${cardName}" cannot be rendered: field "${field}" ${problem}.`);
    this.cardName = cardName;
    this.field = field;
  }
}

type FieldKind = 'text' | 'optionalText' | 'boolean' | 'httpUrl' | 'facts' | 'downloads' | 'tone';

interface CardSpec<N extends CardName> {
  readonly template: object;
  /** Every field of the data shape, so a caller outside the type system (or a cast) is still checked. */
  readonly fields: { readonly [K in keyof CardDataMap[N]]-?: FieldKind };
  /** Returns the name of a field required only in some combinations, when it is missing. */
  readonly requires?: (data: CardDataMap[N]) => string | undefined;
  readonly toTemplateData?: (data: CardDataMap[N]) => Record<string, unknown>;
}

/**
 * A title's colour per tone. Good and Warning stay the default text colour: Teams' light theme draws them #92c353 and
 * #f8d22a, 2.1:1 and 1.5:1 on white, under WCAG's 3:1 for large text (microsoft/AdaptiveCards
 * samples/HostConfig/microsoft-teams-light.json; test/cards/contrast.test.ts checks every host). The words say it.
 */
const TONE_COLOURS: Record<OutcomeTone, string> = { default: 'Default', good: 'Default', warning: 'Default', attention: 'Attention' };

/** Download buttons on the "export ready" card, besides its Continue button: 6 buttons in all, Teams' limit per card. */
export const MAX_DOWNLOAD_BUTTONS = 5;

/** `[title](url)` for a card's Markdown: brackets in the title escaped, parentheses and spaces in the URL encoded. */
function markdownLink(title: string, url: string): string {
  const safeTitle = title.replace(/[\\[\]]/g, '\\$&');
  const safeUrl = url.replace(/[()\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return `[${safeTitle}](${safeUrl})`;
}

const CARDS: { readonly [N in CardName]: CardSpec<N> } = {
  welcome: { template: welcomeTemplate, fields: {} },
  exportOffer: { template: exportOfferTemplate, fields: { upn: 'text', organizationName: 'text' } },
  exportReady: {
    template: exportReadyTemplate,
    fields: { files: 'downloads', expiresAt: 'text' },
    // Teams shows at most 6 actions on a card (its host config's `actions.maxActions`, microsoft/AdaptiveCards
    // samples/HostConfig/microsoft-teams-light.json) and drops the rest without a word; the renderer counts them per
    // ActionSet, and each button has its own, so the card keeps the 6 in all: five download buttons and Continue,
    // and any further file as a link in the card's text.
    toTemplateData: (data) => ({
      ...data,
      files: data.files.slice(0, MAX_DOWNLOAD_BUTTONS),
      moreFiles: data.files.slice(MAX_DOWNLOAD_BUTTONS).map((file) => ({ link: markdownLink(file.title, file.url) })),
    }),
  },
  exportRunning: { template: exportRunningTemplate, fields: { requestedAt: 'text' } },
  handOff: { template: handOffTemplate, fields: { requestId: 'text', upn: 'text', portalUrl: 'httpUrl' } },
  warning: {
    template: warningTemplate,
    fields: {
      requestId: 'text',
      nonce: 'text',
      upn: 'text',
      displayName: 'text',
      organizationName: 'text',
      expiresAt: 'text',
      requesterAadObjectId: 'optionalText',
      universalActions: 'boolean',
    },
    requires: (data) => (data.universalActions && !data.requesterAadObjectId ? 'requesterAadObjectId' : undefined),
  },
  outcome: {
    template: outcomeTemplate,
    fields: { title: 'text', message: 'text', requestId: 'optionalText', facts: 'facts', tone: 'tone' },
    toTemplateData: (data) => ({ ...data, tone: TONE_COLOURS[data.tone ?? 'default'] }),
  },
};

const englishPortalCards: object = en.portalMode.cards;

/**
 * A card with no data fields (the welcome card, every first turn's answer) is the same for everyone in a
 * language: rendered once per language and shared, frozen so no caller can change it for the next.
 */
const renderedWithoutData = new Map<string, AdaptiveCardAttachment>();

export function renderCard<N extends CardName>(name: N, data: CardDataMap[N], options: RenderOptions = {}): AdaptiveCardAttachment {
  const spec = CARDS[name] as CardSpec<N> | undefined;
  if (!spec) throw new CardRenderError(String(name), '(card name)', 'names no known card');
  checkData(name, spec, data);
  const portal = options.closureMode === 'portal' && PORTAL_VARIANTS.has(name);
  if (Object.keys(spec.fields).length > 0) return render(name, spec, data, portal);
  const key = `${name}\u0000${currentLanguage()}\u0000${portal ? 'portal' : ''}`;
  let card = renderedWithoutData.get(key);
  if (!card) {
    card = deepFreeze(render(name, spec, data, portal));
    renderedWithoutData.set(key, card);
  }
  return card;
}

/** Cards with portal-mode texts (`portalMode.cards.<name>` in the language files; English names them all). */
const PORTAL_VARIANTS: ReadonlySet<string> = new Set(Object.keys(englishPortalCards));

function render<N extends CardName>(name: N, spec: CardSpec<N>, data: CardDataMap[N], portal: boolean): AdaptiveCardAttachment {
  // The card's fixed texts in the current turn's language (locales/); a key missing there shows as an unfilled field.
  const texts = portal ? { ...strings(`cards.${name}`), ...strings(`portalMode.cards.${name}`) } : strings(`cards.${name}`);
  const templateData = { ...(spec.toTemplateData ? spec.toTemplateData(data) : { ...data }), strings: texts };
  const { expanded, missingPaths } = expand(name, spec.template, templateData);
  if (missingPaths.length > 0) throw new CardRenderError(name, missingPaths[0], 'is missing');
  const { content, leftover } = finishExpansion(expanded, templateData);
  if (leftover !== undefined) throw new CardRenderError(name, leftover, 'is missing');
  return { contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: content as AdaptiveCardContent };
}

function checkData<N extends CardName>(name: N, spec: CardSpec<N>, data: CardDataMap[N]): void {
  if (typeof data !== 'object' || data === null) throw new CardRenderError(name, '(data)', 'is not an object');
  const record = data as Record<string, unknown>;
  for (const [field, kind] of Object.entries<FieldKind>(spec.fields)) {
    const problem = checkField(kind, record[field]);
    if (problem !== undefined) throw new CardRenderError(name, problem.path ? `${field}${problem.path}` : field, problem.message);
  }
  const missing = spec.requires?.(data);
  if (missing !== undefined) throw new CardRenderError(name, missing, 'is missing');
}

function checkField(kind: FieldKind, value: unknown): { path?: string; message: string } | undefined {
  switch (kind) {
    case 'text':
      return isText(value) ? undefined : { message: value === undefined ? 'is missing' : 'must be a non-empty string' };
    case 'optionalText':
      return value === undefined || isText(value) ? undefined : { message: 'must be a non-empty string when given' };
    case 'boolean':
      return typeof value === 'boolean' ? undefined : { message: value === undefined ? 'is missing' : 'must be a boolean' };
    case 'httpUrl':
      if (value === undefined) return { message: 'is missing' };
      return isHttpUrl(value) ? undefined : { message: 'must be an http(s) URL' };
    case 'tone':
      return value === undefined || (typeof value === 'string' && Object.hasOwn(TONE_COLOURS, value))
        ? undefined
        : { message: `must be one of ${Object.keys(TONE_COLOURS).join(', ')}` };
    case 'facts':
      return checkFacts(value);
    case 'downloads':
      return checkDownloads(value);
  }
}

function checkFacts(value: unknown): { path?: string; message: string } | undefined {
  if (value === undefined) return { message: 'is missing' };
  if (!Array.isArray(value)) return { message: 'must be an array' };
  for (const [index, fact] of value.entries()) {
    if (typeof fact !== 'object' || fact === null) return { path: `[${index}]`, message: 'must be an object' };
    for (const key of ['title', 'value'] as const) {
      const part = (fact as Record<string, unknown>)[key];
      if (!isText(part)) return { path: `[${index}].${key}`, message: part === undefined ? 'is missing' : 'must be a non-empty string' };
    }
  }
  return undefined;
}

function checkDownloads(value: unknown): { path?: string; message: string } | undefined {
  if (value === undefined) return { message: 'is missing' };
  if (!Array.isArray(value) || value.length === 0) return { message: 'must be a non-empty array' };
  for (const [index, link] of value.entries()) {
    if (typeof link !== 'object' || link === null) return { path: `[${index}]`, message: 'must be an object' };
    const { title, file, button, url } = link as Record<string, unknown>;
    if (!isText(title)) return { path: `[${index}].title`, message: title === undefined ? 'is missing' : 'must be a non-empty string' };
    if (!isHttpUrl(url)) return { path: `[${index}].url`, message: url === undefined ? 'is missing' : 'must be an http(s) URL' };
    if (!isText(file)) return { path: `[${index}].file`, message: file === undefined ? 'is missing' : 'must be a non-empty string' };
    if (!isText(button)) return { path: `[${index}].button`, message: button === undefined ? 'is missing' : 'must be a non-empty string' };
  }
  return undefined;
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0;
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch (error) {
    if (error instanceof TypeError) return false;
    throw error;
  }
}
