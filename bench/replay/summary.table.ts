import { table } from '../../scripts/up/report/up.report';
import type { ReplaySummary, Unanswered } from './replay.summary';

export function formatUsd(usd: number): string {
  return usd.toFixed(4);
}

export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}

function percent(fraction: number | null): string {
  return fraction === null ? '-' : `${(fraction * 100).toFixed(1)} %`;
}

/** `table` with the numeric columns right-aligned, each row indented. */
function aligned(rows: string[][], numeric: readonly number[]): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  const padded = rows.map((row, index) =>
    index === 0 ? row : row.map((cell, column) => (numeric.includes(column) ? cell.padStart(widths[column] ?? 0) : cell)),
  );
  return table(padded).map((line) => `  ${line}`);
}

function lanesText(lanes: Record<string, number>): string {
  return Object.entries(lanes)
    .map(([lane, count]) => `${lane} ${count}`)
    .join(', ');
}

function unansweredLines(unanswered: readonly Unanswered[]): string[] {
  const groups = new Map<string, Unanswered[]>();
  for (const request of unanswered) {
    const key = [request.urgency, request.routedLane ?? '-', request.status, request.pastDeadline].join('|');
    groups.set(key, [...(groups.get(key) ?? []), request]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0] as Unanswered;
    const where = first.routedLane === null ? `(${first.status})` : `routed to ${first.routedLane} (status ${first.status})`;
    const when = first.pastDeadline ? 'no result by the deadline' : 'no result yet, deadline still ahead (pending) when the wait ended';
    const examples = group
      .slice(0, 3)
      .map((request) => request.id)
      .join(', ');
    return `  ${group.length} ${first.urgency} request(s) ${where}: ${when}, e.g. ${examples}`;
  });
}

/** The replay's figures as the demo prints them. */
export function formatSummary(summary: ReplaySummary): string[] {
  const lines: string[] = [];
  const unansweredCount = summary.unanswered.length;
  lines.push('Requests per lane (the lane that delivered the result, from the ledger)');
  lines.push(
    ...aligned(
      [
        ['lane', 'requests', 'cost USD'],
        ...summary.lanes.map((lane) => [lane.lane, String(lane.requests), formatUsd(lane.billedUsd)]),
        ...(unansweredCount > 0 ? [['no result', String(unansweredCount), '-']] : []),
      ],
      [1, 2],
    ),
  );
  lines.push('', 'Deadline attainment per urgency class (met / decided; pending: no result yet, deadline still ahead)');
  lines.push(
    ...aligned(
      [
        ['class', 'deadline', 'requests', 'met', 'late', 'failed', 'no result', 'pending', 'attainment', 'lanes'],
        ...summary.classes.map((c) => [
          c.urgency,
          formatDuration(c.deadlineMs),
          String(c.requests),
          String(c.met),
          String(c.late),
          String(c.failed),
          String(c.noResult),
          String(c.pending),
          percent(c.attainment),
          lanesText(c.lanes),
        ]),
      ],
      [2, 3, 4, 5, 6, 7, 8],
    ),
  );
  const { cost } = summary;
  const x = (value: number | null): string => (value === null ? '-' : `${value.toFixed(2)}x`);
  lines.push('', `Cost in USD over the ${cost.requests} requests answered successfully`);
  lines.push(
    ...aligned(
      [
        ['', 'USD', ''],
        ['Sluice (billed, from the ledger)', formatUsd(cost.sluiceUsd), ''],
        [
          'all-realtime',
          formatUsd(cost.allRealtimeUsd),
          `Sluice saved ${formatUsd(cost.savedUsd)} USD (${cost.savedPct === null ? '-' : cost.savedPct.toFixed(1)} %)`,
        ],
        ['lower bound (cheapest lane each deadline allows)', formatUsd(cost.lowerBoundUsd), `Sluice / lower bound = ${x(cost.ratioToLowerBound)}`],
        ['naive all-batch', formatUsd(cost.naiveAllBatch.usd), `would miss ${cost.naiveAllBatch.missedDeadlines} of ${cost.requests} deadlines`],
      ],
      [1],
    ).slice(1),
  );
  if (unansweredCount > 0) {
    lines.push('', `${unansweredCount} of ${summary.requests} requests have no result:`, ...unansweredLines(summary.unanswered));
  }
  return lines;
}
