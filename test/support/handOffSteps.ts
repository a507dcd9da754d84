import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { BotHarness, ReplyActivity } from './botHarness';
import { buttonsOn } from '../../cards/cardActions';

/** The hand-off card among the replies (the one whose check button names `closure.checkHandOff`). */
export function handOffCard(replies: ReplyActivity[]): Record<string, unknown> {
  const card = replies.flatMap((r) => r.attachments ?? []).find((a) => JSON.stringify(a.content).includes('closure.checkHandOff'));
  assert.ok(card, 'the hand-off card is there');
  return card.content;
}

/** The address of Microsoft's (here the sandbox's) "My data requests" page on a hand-off card. */
export function portalLinkOf(card: Record<string, unknown>): string {
  const open = (buttonsOn(card) as Array<{ type: string; url?: string }>).find((a) => a.type === 'Action.OpenUrl');
  assert.ok(open?.url);
  return open.url;
}

/** The file audit trail's events as `type` or `type:detail`, in order. */
export async function auditTypes(harness: BotHarness): Promise<string[]> {
  const lines = (await readFile(path.join(harness.dataDir, 'audit', 'audit.jsonl'), 'utf8')).trim().split('\n');
  return lines
    .map((line) => JSON.parse(line) as { type: string; detail?: string })
    .map((e) => `${e.type}${e.detail ? `:${e.detail}` : ''}`);
}
