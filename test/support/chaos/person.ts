import { randomUUID } from 'node:crypto';
import { cardActionData, magicCodeOf, signInLinkOf, submitSignInPage, textsOf, type ReplyActivity } from '../botHarness';
import type { NodeProcess } from '../botProcess';
import { emulatorReplies, postAsEmulator } from '../emulatorActivity';
import { CLAIMS_NOT_CLOSED, said, WAIT_FOR_THE_BOT, type Said } from './sentences';
import { sleep, type ChaosPerson, type ChaosWorld } from './world';

export type Choice = 'yes' | 'no' | 'cancel';

/** One person's run: what they chose, how it went, and the conversation their messages arrive in. */
export interface PersonRun {
  readonly person: ChaosPerson;
  readonly choice: Choice;
  readonly conversationId: string;
  readonly userId: string;
  /** The warning card was reached and the choice made (else the walk gave up: `gaveUp`). */
  reachedWarning: boolean;
  /** Presses of the card (or "cancel" typed) sent, including presses repeated after a lost answer. */
  presses: number;
  /** When the first press was sent (ms since the epoch): messages after it are the decision's. */
  firstPressAt?: number;
  /** Each press's HTTP answer (a status, or the transport error of an instance that died), for a failure's story. */
  readonly answers: string[];
  gaveUp?: string;
}

const MAX_WALK_TURNS = 16;
const MAX_PRESSES = 6;
/** How long a person waits before pressing again after a lost answer or "not recorded" (storage heals meanwhile). */
const PRESS_AGAIN_MS = 2_500;
/** After "I can't tell whether it was recorded", how long the person waits to hear from the bot before pressing again. */
const WAIT_FOR_WORD_MS = 8_000;

/**
 * Walks one person through sign-in -> export offer (skip) -> warning on whichever instance is up for each turn,
 * then makes the choice, pressing again as a person would after an answer that never came or said "not recorded".
 */
export async function runPerson(world: ChaosWorld, person: ChaosPerson, choice: Choice): Promise<PersonRun> {
  const userId = `chaos-${person.upn.split('@')[0]}-${randomUUID().slice(0, 6)}`;
  const run: PersonRun = { person, choice, userId, conversationId: `conv-${userId}`, reachedWarning: false, presses: 0, answers: [] };
  const address = { serviceUrl: world.connector.url, userId, conversationId: run.conversationId };
  /** A turn whose replies come back in the HTTP answer; undefined when the instance died or refused it. */
  const turn = async (activity: Record<string, unknown>): Promise<ReplyActivity[] | undefined> =>
    emulatorReplies((await world.pick()).url, address, activity).catch(() => undefined);

  const warning = await walk(person, turn);
  if (typeof warning === 'string') {
    run.gaveUp = warning;
    return run;
  }
  run.reachedWarning = true;
  run.firstPressAt = Date.now();
  await decide(world, run, choice === 'cancel' ? { type: 'message', text: 'cancel' } : { type: 'message', value: warning[choice] });
  return run;
}

type Turn = (activity: Record<string, unknown>) => Promise<ReplyActivity[] | undefined>;

/** Returns the warning card's Yes and No data, or why the walk gave up. */
async function walk(person: ChaosPerson, turn: Turn): Promise<{ yes: Record<string, string>; no: Record<string, string> } | string> {
  let replies = await turn({ type: 'message', text: 'close my account' });
  const trace: string[] = [];
  for (let step = 0; step < MAX_WALK_TURNS; step += 1) {
    trace.push(
      replies
        ? textsOf(replies).slice(0, 70) || `[${replies.map((r) => r.attachments?.[0]?.contentType ?? r.type).join(',')}]`
        : '(no answer)',
    );
    const has = (action: string) => replies !== undefined && JSON.stringify(replies).includes(`"action":"${action}"`);
    if (replies && has('closure.confirm')) {
      return { yes: cardActionData(replies, 'closure.confirm'), no: cardActionData(replies, 'closure.decline') };
    }
    if (replies && has('closure.skipExport')) {
      replies = await turn({ type: 'message', value: cardActionData(replies, 'closure.skipExport') });
    } else if (replies && hasOAuthCard(replies)) {
      const page = await submitSignInPage(signInLinkOf(replies), person.upn, person.password).catch(() => '');
      const code = /id="magic-code"/.test(page) ? magicCodeOf(page) : undefined;
      replies = code ? await turn({ type: 'message', text: code }) : await turn({ type: 'message', text: 'close my account' });
    } else if (replies === undefined) {
      await sleep(1_000);
      replies = await turn({ type: 'message', text: 'close my account' });
    } else {
      // Words with no card (an error reply such as "can't save your progress"): nothing to press, so they cancel and
      // start over. A lost answer no longer lands here: what they say next is answered with the step's card again.
      await turn({ type: 'message', text: 'cancel' });
      replies = await turn({ type: 'message', text: 'close my account' });
    }
  }
  return `no warning after ${MAX_WALK_TURNS} turns: ${trace.slice(-4).join(' / ')}`;
}

/**
 * The decision, sent as channels send it (replies go to the connector, not in the answer). A person presses again
 * after an answer that never came, after "not recorded", and after "can't tell" followed by silence; never after the
 * bot said it owes them the end.
 */
async function decide(world: ChaosWorld, run: PersonRun, activity: Record<string, unknown>): Promise<void> {
  let seen = 0;
  while (run.presses < MAX_PRESSES) {
    run.presses += 1;
    const bot: NodeProcess = await world.pick();
    world.pressing(bot);
    const answer = await postAsEmulator(
      bot.url,
      { serviceUrl: world.connector.url, userId: run.userId, conversationId: run.conversationId },
      { ...activity, deliveryMode: 'normal' },
    ).then(
      (a) => String(a.status),
      (error: Error) => `${error.message} ${(error.cause as Error | undefined)?.message ?? ''}`.trim(),
    );
    run.answers.push(`pid ${bot.pid}: ${answer}`);
    const heard = wordsFor(world, run.conversationId);
    const fresh = heard.slice(seen);
    seen = heard.length;
    if (fresh.some((s) => WAIT_FOR_THE_BOT.has(s))) return;
    if (run.choice !== 'yes' && fresh.some((s) => CLAIMS_NOT_CLOSED.has(s))) return;
    if (fresh.some((s) => s === 'expired')) return;
    const unsure = fresh.some((s) => s === 'notRecordedUnsure' || s === 'turnFailed');
    await sleep(unsure ? WAIT_FOR_WORD_MS : PRESS_AGAIN_MS);
    const later = wordsFor(world, run.conversationId).slice(seen);
    if (later.some((s) => WAIT_FOR_THE_BOT.has(s))) return;
  }
}

/** What the bot has said in this conversation through the connector, in order. */
export function wordsFor(world: ChaosWorld, conversationId: string): Said[] {
  return world.connector.received
    .filter((r) => r.conversationId === conversationId && r.method === 'POST' && typeof r.activity.text === 'string')
    .map((r) => said(String(r.activity.text)));
}

function hasOAuthCard(replies: ReplyActivity[]): boolean {
  return replies.some((r) => (r.attachments ?? []).some((a) => a.contentType === 'application/vnd.microsoft.card.oauth'));
}
