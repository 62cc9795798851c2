import {
  describeDuration,
  describeUsage,
  flattenTimeline,
  type RunTimeline,
  type TimelineRow,
  timelineMoments,
} from '../client/timeline';
import { print, printTable } from './output';

/** A run id as the timeline lists it: relative to the run the timeline is of. */
function shortId(timeline: RunTimeline, workflowId: string): string {
  return workflowId.startsWith(`${timeline.workflowId}/`)
    ? `…${workflowId.slice(timeline.workflowId.length)}`
    : workflowId;
}

function took(row: TimelineRow): string {
  return row.end ? describeDuration(Date.parse(row.end) - Date.parse(row.start)) : 'going';
}

/**
 * `status <id> --timeline`: the stages as a tree (when each started, how long it took, how it went, its facts), then
 * every moment at its exact time.
 */
export function printTimeline(timeline: RunTimeline): void {
  const t0 = Date.parse(timeline.start);
  const { root } = timeline;
  print(`${timeline.workflowId} (${timeline.type}): ${root.summary}`);
  const ended = timeline.state === 'running' ? `still running, read ${timeline.readAt}` : `ended ${timeline.end}`;
  const usage = root.usage ? `; ${describeUsage(root.usage)} (prices of ${timeline.pricesOf})` : '';
  print(`started ${timeline.start}, ${ended}${usage}`);
  if (timeline.runsNotRead) print(`${timeline.runsNotRead} child run(s) not read: the limit of histories was reached`);
  print();

  const rows: string[][] = [];
  for (const { row, depth } of flattenTimeline(timeline)) {
    const indent = '  '.repeat(depth);
    const name = row.kind === 'run' && depth === 0 ? `${row.run!.type} ${timeline.workflowId}` : row.label;
    const tokens = row.usage ? `; ${describeUsage(row.usage)}` : '';
    const offset = `+${describeDuration(Date.parse(row.start) - t0)}`;
    rows.push([offset, took(row), `${indent}${name}: ${row.summary}${tokens}`]);
    const facts = row.kind === 'run' ? row.details.filter((d) => !d.startsWith('workflow ')) : row.details;
    if (facts.length) rows.push(['', '', `${indent}  ${facts.join('; ')}`]);
  }
  printTable(['START', 'TOOK', 'STAGE'], rows);
  print();
  printTable(
    ['WHEN', 'RUN', 'WHAT'],
    timelineMoments(timeline).map((m) => [m.at, shortId(timeline, m.workflowId), m.what]),
  );
}
