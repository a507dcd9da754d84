import { type Funnel, OUTCOMES, STAGES } from './reports';

/**
 * The funnel as a picture: one bar per stage, as wide as its share of the first counted stage, then the outcomes.
 * Hand-written SVG (no dependency); text is escaped, and holds only stage names and counts.
 */
const LABELS: Record<string, string> = {
  started: 'Started',
  signedIn: 'Signed in',
  eligible: 'Eligible',
  warned: 'Warned',
  confirmed: 'Confirmed',
  closed: 'Closed',
  handedOff: 'Handed off',
  verified: 'Verified after hand-off',
  failed: 'Failed',
  stillOpen: 'Still open after hand-off',
  unconfirmed: 'Hand-off unconfirmed',
  declined: 'Declined',
  cancelled: 'Cancelled',
  expired: 'Expired',
};

const WIDTH = 760;
const BAR_MAX = 400;
const ROW = 30;

export function funnelSvg(data: Funnel): string {
  const rows = [
    ...STAGES.map((stage) => ({ label: LABELS[stage] ?? stage, value: data.stages[stage], kind: 'stage' as const })),
    ...OUTCOMES.filter((o) => data.outcomes[o] > 0 || ['closed', 'handedOff', 'verified', 'failed'].includes(o)).map((o) => ({
      label: LABELS[o] ?? o,
      value: data.outcomes[o],
      kind: 'outcome' as const,
    })),
  ];
  const top = Math.max(1, ...rows.map((r) => r.value ?? 0));
  // The outcomes sit below a gap with their own heading.
  const GAP = 28;
  const firstOutcome = STAGES.length;
  const height = 56 + rows.length * ROW + GAP + 24;
  const body = rows
    .map((row, i) => {
      const y = 48 + i * ROW + (i >= firstOutcome ? GAP : 0);
      const width = row.value === null ? 0 : Math.max(2, Math.round((row.value / top) * BAR_MAX));
      const x = 200 + (BAR_MAX - width) / 2;
      const fill = row.kind === 'stage' ? '#2b6cb0' : '#2f855a';
      const count = row.value === null ? 'not recorded' : String(row.value);
      return [
        `  <text x="190" y="${y + 17}" text-anchor="end">${escape(row.label)}</text>`,
        `  <rect x="${x}" y="${y}" width="${width}" height="${ROW - 8}" rx="3" fill="${fill}"/>`,
        `  <text x="${200 + BAR_MAX + 10}" y="${y + 17}">${escape(count)}</text>`,
      ].join('\n');
    })
    .join('\n');
  const outcomesHeading = `  <text x="20" y="${48 + firstOutcome * ROW + 18}" font-weight="600">Outcomes</text>`;
  const title = `Closure funnel ${data.since.slice(0, 10)} to ${data.until.slice(0, 10)}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, sans-serif" font-size="14" role="img" aria-label="${escape(title)}">
  <rect width="100%" height="100%" fill="#ffffff"/>
  <text x="20" y="28" font-size="18" font-weight="600">${escape(title)}</text>
${body}
${outcomesHeading}
  <text x="20" y="${height - 10}" font-size="11" fill="#555">Counts of accounts (sign-in stages) and requests (later stages) from the audit trail; no names.</text>
</svg>
`;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
