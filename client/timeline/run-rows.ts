import { describeFanOutCounts, fanOutProgressMemoKey, geminiEventSignal, type PriceTable } from '../../contract';
import { fanOutSummaryOf } from '../fan-outs';
import { describeDuration, iso } from './durations';
import type { ActivityFact, ChildFact, ClosedAs, MessageFact, RunFacts } from './history-facts';
import { jobRows } from './jobs';
import { describeBytes, excerpt, stringField } from './payloads';
import { toolCallRows } from './tool-calls';
import type { TimelineMark, TimelineRow, TimelineState } from './types';
import { publishedUsage, withCost } from './usage';

const stateOf: Record<ClosedAs | 'not_started', TimelineState> = {
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
  terminated: 'terminated',
  timed_out: 'timed_out',
  continued: 'unfinished',
  not_started: 'failed',
};

/** A child run as its parent's history shows it; its own history, once read, fills in its stages. */
export function childRow(parent: RunFacts, child: ChildFact): TimelineRow {
  const prefix = `${parent.workflowId}/`;
  const name = child.workflowId.startsWith(prefix) ? child.workflowId.slice(prefix.length) : child.workflowId;
  const row: TimelineRow = {
    key: `${parent.workflowId}@${parent.runId}#${child.eventId}`,
    kind: 'run',
    label: `${name} · ${child.type}`,
    summary: '',
    details: [`workflow ${child.workflowId}`],
    start: iso(child.initiatedAt),
    ...(child.endedAt !== undefined ? { end: iso(child.endedAt) } : {}),
    state: child.ended ? stateOf[child.ended] : parent.closed ? 'unfinished' : 'running',
    segments: [],
    marks: [],
    run: { workflowId: child.workflowId, type: child.type, runIds: child.runId ? [child.runId] : [], expanded: false },
    children: [],
  };
  if (child.failure) row.details.push(child.failure);
  return row;
}

/** The row of a run read from its own history (the timeline's root). */
export function rootRow(chain: RunFacts[]): TimelineRow {
  const first = chain[0]!;
  const last = chain.at(-1)!;
  return {
    key: `${first.workflowId}@${first.runId}`,
    kind: 'run',
    label: `${first.workflowId} · ${first.type}`,
    summary: '',
    details: [`workflow ${first.workflowId}`],
    start: iso(first.startedAt),
    ...(last.closed ? { end: iso(last.closed.at) } : {}),
    state: last.closed ? stateOf[last.closed.as] : 'running',
    segments: [],
    marks: [],
    run: { workflowId: first.workflowId, type: first.type, runIds: [], expanded: false },
    children: [],
  };
}

/**
 * Fills a run's row from its histories (every run of a continue-as-new chain, in order): its jobs, tool calls, child
 * runs, other activities and lone timers as rows under it, its messages and progress as marks. At most
 * `maxChildRuns` child runs get a row of their own; the rest share one. Returns the child rows, to read further.
 */
export function fillRunRow(
  row: TimelineRow,
  chain: RunFacts[],
  { maxChildRuns, prices }: { maxChildRuns: number; prices: PriceTable },
): TimelineRow[] {
  const rows: TimelineRow[] = [];
  const children: TimelineRow[] = [];
  for (const [i, run] of chain.entries()) {
    const jobs = jobRows(run, prices);
    const tools = toolCallRows(run);
    const claimed = new Set([...jobs.claimed, ...tools.claimed]);
    rows.push(...jobs.rows, ...tools.rows);
    for (const child of run.children) children.push(childRow(run, child));
    rows.push(...run.activities.filter((a) => !claimed.has(a)).map((a) => activityRow(run, a)));
    rows.push(...timerRows(run, [...rows, ...children]));
    row.marks.push(...runMarks(run, claimed, i + 1 < chain.length));
    const published = run.memos
      .map(publishedUsage)
      .filter((u) => u !== undefined)
      .at(-1);
    if (published) row.usage = withCost(published, prices);
  }
  const last = chain.at(-1)!;
  if (last.closed?.failure && !row.details.includes(last.closed.failure)) row.details.push(last.closed.failure);
  if (chain.length > 1) row.details.push(`${chain.length} runs: it continued as new ${chain.length - 1} time(s)`);
  const shown = children.slice(0, maxChildRuns);
  const rest = children.slice(maxChildRuns);
  row.children = [
    ...[...rows, ...shown].sort((a, b) => a.start.localeCompare(b.start) || a.key.localeCompare(b.key)),
    ...(rest.length ? [moreRow(row, rest)] : []),
  ];
  row.run!.runIds = chain.map((r) => r.runId);
  row.run!.expanded = true;
  return shown;
}

/** How a run went, in a line: its state, how long, and a fan-out's last published counts. */
export function describeRun(row: TimelineRow): string {
  const took = row.end ? describeDuration(Date.parse(row.end) - Date.parse(row.start)) : '';
  const progress = row.marks.filter((m) => m.kind === 'progress').at(-1);
  const words: Record<TimelineState, string> = {
    running: 'running',
    completed: `completed in ${took}`,
    failed: `failed after ${took}`,
    cancelled: `cancelled after ${took}`,
    terminated: `terminated after ${took}`,
    timed_out: `timed out after ${took}`,
    denied: `denied after ${took}`,
    unfinished: 'unfinished',
  };
  return [words[row.state], progress?.label].filter(Boolean).join('; ');
}

function activityRow(run: RunFacts, a: ActivityFact): TimelineRow {
  const attempts = (a.attempt ?? 1) > 1 ? ` (attempt ${a.attempt})` : '';
  const took = a.endedAt !== undefined ? describeDuration(a.endedAt - a.scheduledAt) : '';
  const summary = !a.ended
    ? `running${attempts}`
    : a.ended === 'completed'
      ? `completed in ${took}${attempts}`
      : `${a.ended.replace('_', ' ')} after ${took}${attempts}: ${excerpt(a.failure ?? '', 160)}`;
  const end = a.endedAt ?? run.closed?.at;
  return {
    key: `${run.workflowId}@${run.runId}#${a.eventId}`,
    kind: 'activity',
    label: a.type,
    summary,
    details: [`input ${describeBytes(a.inputBytes)}`],
    start: iso(a.scheduledAt),
    ...(end !== undefined ? { end: iso(end) } : {}),
    state: a.ended ? stateOf[a.ended] : run.closed ? 'unfinished' : 'running',
    segments: [
      { kind: 'activity', start: iso(a.scheduledAt), ...(end !== undefined ? { end: iso(end) } : {}), label: a.type },
    ],
    marks: [],
    children: [],
  };
}

/** Timers that fired while nothing else of the run was going on (a sleep): where a run spent time waiting on itself. */
function timerRows(run: RunFacts, others: TimelineRow[]): TimelineRow[] {
  const busy = others.map((r) => [Date.parse(r.start), r.end ? Date.parse(r.end) : Number.POSITIVE_INFINITY] as const);
  return run.timers
    .filter((t) => t.fired && t.endedAt! - t.startedAt >= 1000)
    .filter((t) => !busy.some(([s, e]) => s < t.endedAt! && e > t.startedAt))
    .map((t) => ({
      key: `${run.workflowId}@${run.runId}#${t.eventId}`,
      kind: 'timer' as const,
      label: 'timer',
      summary: `slept ${describeDuration(t.timeoutMs)}`,
      details: [],
      start: iso(t.startedAt),
      end: iso(t.endedAt!),
      state: 'completed' as const,
      segments: [{ kind: 'timer' as const, start: iso(t.startedAt), end: iso(t.endedAt!), label: 'timer' }],
      marks: [],
      children: [],
    }));
}

function moreRow(parent: TimelineRow, rest: TimelineRow[]): TimelineRow {
  const states = new Map<string, number>();
  for (const r of rest) states.set(r.state, (states.get(r.state) ?? 0) + 1);
  const ends = rest.map((r) => r.end);
  return {
    key: `${parent.key}#more`,
    kind: 'more',
    label: `${rest.length} more child runs`,
    summary: [...states].map(([state, n]) => `${n} ${state.replace('_', ' ')}`).join(', '),
    details: [],
    start: rest.map((r) => r.start).sort()[0]!,
    ...(ends.every((e) => e !== undefined) ? { end: (ends as string[]).sort().at(-1)! } : {}),
    state: rest.some((r) => r.state === 'running') ? 'running' : 'completed',
    segments: [],
    marks: [],
    children: [],
  };
}

/** Signals and updates no stage took, a fan-out's published counts, a cancellation request, a continue-as-new. */
function runMarks(run: RunFacts, claimed: Set<ActivityFact | MessageFact>, continued: boolean): TimelineMark[] {
  const marks: TimelineMark[] = [];
  for (const s of run.signals.filter((m) => !claimed.has(m))) {
    const type = stringField(s.args[0], 'type');
    const label =
      s.name === geminiEventSignal.name && type
        ? `${type} for ${stringField(s.args[0], 'resourceId')}, a job this run did not start`
        : `signal ${s.name}`;
    marks.push({ kind: s.name === geminiEventSignal.name ? 'event' : 'message', at: iso(s.at), label });
  }
  for (const u of run.updates.filter((m) => !claimed.has(m))) {
    const label: Record<string, string> = {
      sendMessage: `a person sent a message (${typeof u.args[0] === 'string' ? u.args[0].length : 0} characters)`,
      endConversation: 'a person ended the conversation',
    };
    marks.push({ kind: 'message', at: iso(u.at), label: label[u.name] ?? `update ${u.name}` });
  }
  for (const m of run.memos.filter((memo) => memo.key === fanOutProgressMemoKey)) {
    const counts = fanOutSummaryOf({ [fanOutProgressMemoKey]: m.value });
    if (counts) marks.push({ kind: 'progress', at: iso(m.at), label: describeFanOutCounts(counts) });
  }
  if (run.cancelRequestedAt !== undefined)
    marks.push({ kind: 'cancel-requested', at: iso(run.cancelRequestedAt), label: 'cancellation requested' });
  if (continued && run.closed) marks.push({ kind: 'continued', at: iso(run.closed.at), label: 'continued as new' });
  return marks;
}
