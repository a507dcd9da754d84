import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: Array<{ readonly target: unknown[]; readonly why?: string }>;
}

/**
 * Runs axe-core's WCAG 2.x A and AA rules in the page. axe is injected as a script, which the pages' own CSP
 * forbids, so this context bypasses CSP; the CSP itself is checked by webchat.test.ts.
 */
export async function accessibilityViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ content: await readFile(require.resolve('axe-core/axe.min.js'), 'utf8') });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map(({ id, impact, help, nodes }) => ({
      id,
      impact,
      help,
      nodes: nodes.map((n) => ({ target: n.target, why: (n as unknown as { failureSummary?: string }).failureSummary })),
    }));
  });
}

export function describeViolations(violations: AxeViolation[]): string {
  return violations
    .map(
      (v) => `${v.id} (${v.impact}): ${v.help}: ${v.nodes.map((n) => `${JSON.stringify(n.target).slice(-120)} ${n.why ?? ''}`).join('; ')}`,
    )
    .join('\n');
}
