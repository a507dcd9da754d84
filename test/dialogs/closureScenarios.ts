import type { CloseOutcome } from '../../services/accountCloser';
import { AppError } from '../../services/errors';
import type { FixtureOptions } from './dialogFixture';
import { MAGIC_CODE } from './dialogFixture';

/** One user turn: text typed, or a press of a card action shown earlier in the conversation. */
export type ScriptStep =
  | { readonly says: string; readonly expect: RegExp | 'oauthCard' | 'adaptiveCard' }
  | { readonly presses: string; readonly expect: RegExp | 'adaptiveCard' }
  /** Moves the fake clock on before the next step. */
  | { readonly waitMs: number };

export interface ClosureScenario {
  readonly name: string;
  readonly fixture?: FixtureOptions;
  readonly steps: readonly ScriptStep[];
  /** How many times the directory was asked to close the account. */
  readonly closes: number;
  /** The closure request's final status, when one was opened. */
  readonly requestStatus?: string;
}

const SIGN_IN: readonly ScriptStep[] = [
  { says: 'close my account', expect: 'oauthCard' },
  {
    says: MAGIC_CODE,
    expect: /signed in as \*\*\u2068Kim Akers\u2069\*\* \(\u2068kim@tailspin\.example\u2069\)[\s\S]*organization is unmanaged/,
  },
];
const TO_WARNING: readonly ScriptStep[] = [...SIGN_IN, { presses: 'closure.skipExport', expect: 'adaptiveCard' }];
const handOff = async (): Promise<CloseOutcome> => ({ kind: 'handedOff', portalUrl: 'https://portal.test/close', reason: 'forbidden' });

export const CLOSURE_SCENARIOS: readonly ClosureScenario[] = [
  {
    name: 'an eligible user who skips the export and presses Yes has the account closed',
    steps: [...TO_WARNING, { presses: 'closure.confirm', expect: /has been closed\. Request id: `cr_[0-9a-f]{32}`/ }],
    closes: 1,
    requestStatus: 'closed',
  },
  {
    name: 'a user who presses No keeps the account',
    steps: [...TO_WARNING, { presses: 'closure.decline', expect: /has been kept\. Nothing was closed/ }],
    closes: 0,
    requestStatus: 'cancelled',
  },
  {
    name: 'a user in a managed organization is sent to the administrator, with the organization named',
    fixture: { verdict: { kind: 'managed', organizationName: 'Northwind Traders' } },
    steps: [
      ...SIGN_IN.slice(0, 1),
      { says: MAGIC_CODE, expect: /\*\*\u2068Northwind Traders\u2069\*\*, an organization with an administrator/ },
    ],
    closes: 0,
  },
  {
    name: 'a personal account is told it is not a work or school account',
    fixture: { verdict: { kind: 'notWorkOrSchool' } },
    steps: [...SIGN_IN.slice(0, 1), { says: MAGIC_CODE, expect: /isn't a work or school account/ }],
    closes: 0,
  },
  {
    name: 'a realm that cannot answer ends the conversation with nothing changed',
    fixture: { verdict: new AppError('REALM_UNAVAILABLE', 'timeout') },
    steps: [...SIGN_IN.slice(0, 1), { says: MAGIC_CODE, expect: /can't confirm right now whether your organization is unmanaged/ }],
    closes: 0,
  },
  {
    name: 'a user who asks for the export is told how long it takes and that nothing was closed',
    steps: [
      ...SIGN_IN,
      { presses: 'closure.export', expect: /usually takes a day or two, and can take up to 30 days[\s\S]*Nothing has been closed/ },
    ],
    closes: 0,
  },
  {
    name: 'an export that cannot be requested says so and closes nothing',
    fixture: {
      exportStart: async () => {
        throw new AppError('EXPORT_UNAVAILABLE', 'graph 503');
      },
    },
    steps: [...SIGN_IN, { presses: 'closure.export', expect: /couldn't request your data export/ }],
    closes: 0,
  },
  {
    name: 'typing "export" works like pressing the export button',
    steps: [...SIGN_IN, { says: 'export', expect: /usually takes a day or two/ }],
    closes: 0,
  },
  {
    name: 'typing yes at the warning is not a confirmation',
    steps: [
      ...TO_WARNING,
      { says: 'yes', expect: /Typing doesn't close your account/ },
      { says: 'yes close it', expect: /Typing doesn't close your account/ },
    ],
    closes: 0,
    requestStatus: 'pending',
  },
  {
    name: 'cancel at the sign-in step stops with nothing closed',
    steps: [SIGN_IN[0], { says: 'cancel', expect: /Cancelled\. Nothing has been closed/ }],
    closes: 0,
  },
  {
    name: 'cancel at the export offer stops with nothing closed',
    steps: [...SIGN_IN, { says: 'cancel', expect: /Cancelled\. Nothing has been closed/ }],
    closes: 0,
  },
  {
    name: 'cancel at the warning cancels the request, and its Yes no longer works',
    steps: [...TO_WARNING, { says: 'stop', expect: /Cancelled/ }, { presses: 'closure.confirm', expect: /That request was cancelled/ }],
    closes: 0,
    requestStatus: 'cancelled',
  },
  {
    name: 'a Yes pressed after the warning expired closes nothing',
    steps: [...TO_WARNING, { waitMs: 10 * 60_000 }, { presses: 'closure.confirm', expect: /That warning has expired/ }],
    closes: 0,
    requestStatus: 'expired',
  },
  {
    name: 'a second press of Yes is told the account is already closed',
    steps: [
      ...TO_WARNING,
      { presses: 'closure.confirm', expect: /has been closed/ },
      { presses: 'closure.confirm', expect: /already been closed/ },
    ],
    closes: 1,
    requestStatus: 'closed',
  },
  {
    name: 'a directory without rights hands the user off to the portal, saying why and that nothing is closed yet',
    fixture: { closeOutcome: handOff },
    steps: [...TO_WARNING, { presses: 'closure.confirm', expect: /isn't allowed to close accounts[\s\S]*has not been closed yet/ }],
    closes: 1,
    requestStatus: 'handedOff',
  },
  {
    name: 'help at the warning explains the decision waiting, and the card still works after',
    steps: [
      ...TO_WARNING,
      { says: 'help', expect: /warning below is waiting for your decision[\s\S]*Please read the card carefully/ },
      { presses: 'closure.confirm', expect: /has been closed/ },
    ],
    closes: 1,
    requestStatus: 'closed',
  },
  {
    name: 'a wrong magic code is told it did not match, and the right code still signs in',
    steps: [SIGN_IN[0], { says: '135791', expect: /That code didn't match\. Press \*\*Sign in\*\* again/ }, SIGN_IN[1]],
    closes: 0,
  },
  {
    name: 'other text while the sign-in card waits is told what to do',
    steps: [SIGN_IN[0], { says: 'hello?', expect: /still waiting for you to sign in\. Here is the sign-in card again/ }, SIGN_IN[1]],
    closes: 0,
  },
  {
    name: 'other text while the sign-in card waits comes with the sign-in card again (the first may never have arrived)',
    steps: [SIGN_IN[0], { says: 'hello?', expect: 'oauthCard' }, SIGN_IN[1]],
    closes: 0,
  },
  {
    name: 'text while the warning waits comes with the warning again, and a Yes on that card closes the account',
    steps: [
      ...TO_WARNING,
      { says: 'ok', expect: 'adaptiveCard' },
      { says: 'what now?', expect: /Typing doesn't close your account\. Here is the warning again/ },
      { presses: 'closure.confirm', expect: /has been closed/ },
    ],
    closes: 1,
    requestStatus: 'closed',
  },
  {
    name: 'help at the sign-in step comes with the sign-in card again',
    steps: [SIGN_IN[0], { says: 'help', expect: 'oauthCard' }, SIGN_IN[1]],
    closes: 0,
  },
  {
    name: 'five wrong codes start sign-in again with a fresh card',
    steps: [
      SIGN_IN[0],
      ...['111111', '222222', '333333', '444444'].map((code) => ({ says: code, expect: /didn't match/ })),
      { says: '555555', expect: /5 codes that didn't match, so for your safety that code no longer works\. Let's start sign-in again/ },
      { says: '666666', expect: /didn't match/ },
      SIGN_IN[1],
    ],
    closes: 0,
  },
  {
    name: 'help at the sign-in step explains it, and sign-in still works after',
    steps: [SIGN_IN[0], { says: 'help', expect: /need you to sign in/ }, SIGN_IN[1]],
    closes: 0,
  },
  {
    name: 'anything else gets the welcome card',
    steps: [{ says: 'hello there', expect: 'adaptiveCard' }],
    closes: 0,
  },
];
