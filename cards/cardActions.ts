/**
 * The `action` values carried in the data of every card button, and the strict reader of what comes back.
 * A card press is untrusted input: anyone in the conversation can send any `value`, so nothing reaches a
 * dialog before this shape check.
 */
export const CardActions = {
  start: 'closure.start',
  exportData: 'closure.export',
  skipExport: 'closure.skipExport',
  /** While an export is still running: go on to the warning without it, or wait for its "ready" message. */
  proceed: 'closure.proceed',
  waitForExport: 'closure.waitForExport',
  confirm: 'closure.confirm',
  decline: 'closure.decline',
  /** Teams fetches the requester's own view of the warning card with this verb (Universal Actions `refresh`). */
  refresh: 'closure.refresh',
  /** "I've closed it, check" on the portal hand-off card: the bot checks whether the account still signs in. */
  checkHandOff: 'closure.checkHandOff',
} as const;

export type CardAction = (typeof CardActions)[keyof typeof CardActions];

/** Actions that act on one closure request and so must name it and prove they came from its warning card. */
type RequestCardAction = typeof CardActions.confirm | typeof CardActions.decline | typeof CardActions.refresh;

/** Actions that carry nothing but their name. */
type SimpleCardAction = Exclude<CardAction, RequestCardAction>;

export type CardActionPayload =
  { readonly action: SimpleCardAction } | { readonly action: RequestCardAction; readonly requestId: string; readonly nonce: string };

/**
 * Reads a press of the hand-off card's check button (`Action.Submit` data). Kept apart from `parseCardAction`:
 * it carries no nonce, because it changes nothing; it only asks the bot to look.
 */
export function parseHandOffCheck(value: unknown): { readonly requestId: string } | undefined {
  if (!isRecord(value) || own(value, 'action') !== CardActions.checkHandOff) return undefined;
  const requestId = boundedString(own(value, 'requestId'));
  return requestId === undefined ? undefined : { requestId };
}

/** Longer strings are never produced by our cards, so they are refused rather than carried into storage lookups. */
export const MAX_CARD_STRING_LENGTH = 200;

const REQUEST_ACTIONS: ReadonlySet<string> = new Set<RequestCardAction>([CardActions.confirm, CardActions.decline, CardActions.refresh]);
const SIMPLE_ACTIONS: ReadonlySet<string> = new Set<SimpleCardAction>([
  CardActions.start,
  CardActions.exportData,
  CardActions.skipExport,
  CardActions.proceed,
  CardActions.waitForExport,
]);

/**
 * Reads `activity.value` of a card press on either channel shape:
 * - a message from `Action.Submit` (Web Chat, Emulator, Teams): `value` is the action's data object;
 * - a Teams `adaptiveCard/action` invoke from `Action.Execute`: `value` is `{ action: { type, verb, data } }`
 *   (https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/universal-actions-for-adaptive-cards/work-with-universal-actions-for-adaptive-cards).
 * Returns undefined for anything that is not exactly one of our payloads. Unknown extra fields are ignored.
 */
export function parseCardAction(value: unknown): CardActionPayload | undefined {
  if (!isRecord(value)) return undefined;
  const execute = own(value, 'action');
  if (isRecord(execute)) return parseExecuteValue(execute);
  return parseData(value);
}

function parseExecuteValue(execute: Record<string, unknown>): CardActionPayload | undefined {
  const type = own(execute, 'type');
  if (type !== undefined && type !== 'Action.Execute') return undefined;
  const data = own(execute, 'data');
  const payload = isRecord(data) ? parseData(data) : undefined;
  // A verb that disagrees with the data means the card was not one of ours, or was tampered with.
  const verb = own(execute, 'verb');
  if (payload && verb !== undefined && verb !== payload.action) return undefined;
  return payload;
}

function parseData(data: Record<string, unknown>): CardActionPayload | undefined {
  const action = own(data, 'action');
  if (typeof action !== 'string') return undefined;
  if (SIMPLE_ACTIONS.has(action)) {
    return { action: action as SimpleCardAction };
  }
  if (!REQUEST_ACTIONS.has(action)) return undefined;
  const requestId = boundedString(own(data, 'requestId'));
  const nonce = boundedString(own(data, 'nonce'));
  if (requestId === undefined || nonce === undefined) return undefined;
  return { action: action as RequestCardAction, requestId, nonce };
}

function boundedString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_CARD_STRING_LENGTH ? value : undefined;
}

/** Own properties only: a prototype is never part of what the channel sent. */
function own(record: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Every button a person can press on a rendered card: the items of each `actions` list, at the card's foot or in
 * an `ActionSet` anywhere in its body (our cards put each button in its own body ActionSet: docs/architecture.md,
 * Decisions). A `fallback` stands in for its action and a `refresh` is no button, so neither is walked.
 */
export function buttonsOn(content: unknown): Array<Record<string, unknown>> {
  const found: Array<Record<string, unknown>> = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (isRecord(node)) {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'fallback' || key === 'refresh') continue;
        if (key === 'actions' && Array.isArray(value)) found.push(...value.filter(isRecord));
        visit(value);
      }
    }
  };
  visit(content);
  return found;
}
