import type { Command } from 'commander';
import { type FanOutProgress, type FanOutSummary, type RunState, type RunStatus, runStates } from '../../client';
import { describeFanOutCounts } from '../../contract';
import { examples, jsonOption } from '../help';
import { positiveInt, print, printJson, printTable, UsageError, when } from '../output';
import { withGeminiflow } from '../session';
import { printTimeline } from '../timeline-text';
import { usageCell, usageRows } from '../usage-text';

/** One fan-out as `status` shows it: its counts, its window and run, and the latest failures. */
function fanOutRows(p: FanOutProgress): [string, string][] {
  const rows: [string, string][] = [['fan-out', `${p.name} (${p.workflowId}), ${p.state}: ${describeFanOutCounts(p)}`]];
  const limited = p.rateLimited.reports
    ? `; ${p.rateLimited.reports} rate limit(s), ${p.rateLimited.requeued} item(s) re-run`
    : '';
  const window = `window ${p.window.current} (max ${p.window.max}, lowest ${p.window.lowest})`;
  rows.push(['', `${window}; run ${p.run}, started ${when(p.startedAt)}${limited}`]);
  for (const f of p.recentFailures) {
    rows.push([
      'failed',
      `item ${f.index}${f.label !== undefined ? ` (${f.label})` : ''}: ${f.error.type ? `${f.error.type}: ` : ''}${f.error.message}`,
    ]);
  }
  return rows;
}

/** A fan-out's published counts in one cell of `list`, e.g. `done 2, failed 0, running 1, left 0 of 3`. */
function fanOutCell(f: FanOutSummary | undefined): string {
  if (!f) return '-';
  return f.state === 'running' ? describeFanOutCounts(f) : `${describeFanOutCounts(f)} (${f.state})`;
}

function printStatus(s: RunStatus): void {
  const rows: [string, string][] = [['run', `${s.workflowId} (${s.type}), ${s.status}, started ${when(s.startTime)}`]];
  if (s.closeTime) rows.push(['closed', when(s.closeTime)]);
  // A fan-out's own children are its items: their count says it, a line each would not.
  if (s.fanOuts?.some((f) => f.workflowId === s.workflowId)) {
    if (s.runningChildren.length) rows.push(['stage', `${s.runningChildren.length} item run(s) running`]);
  } else {
    for (const child of s.runningChildren) rows.push(['stage', `child ${child.workflowId} (${child.type}) is running`]);
  }
  if (s.agent) rows.push(['agent', `${s.agent.phase}, turn ${s.agent.turn}`]);
  if (s.usage) rows.push(...usageRows(s.usage));
  for (const fanOut of s.fanOuts ?? []) rows.push(...fanOutRows(fanOut));
  const waiting = s.waits?.waiting ?? [];
  for (const w of waiting) {
    rows.push([
      'waits for',
      `${w.until.join(' | ')} on ${w.resource.kind} ${w.resource.id} since ${when(w.since)}; status re-read ${when(w.nextCheckAt)}`,
    ]);
  }
  if (!waiting.length && s.status === 'RUNNING' && !s.runningChildren.length && !s.pendingApprovals?.length) {
    rows.push(['waits for', s.waitingFor ? `${s.waitingFor} since ${when(s.waitingSince)}` : 'nothing on Gemini']);
  }
  for (const r of s.waits?.resolved ?? []) {
    rows.push([
      'earlier',
      `${r.type} on ${r.resource.kind} ${r.resource.id}: by ${r.resolvedBy} after ${r.waitedMs} ms`,
    ]);
  }
  for (const p of s.pendingApprovals ?? []) {
    rows.push([
      'pending',
      `${p.callId} ${p.tool}(${JSON.stringify(p.arguments).slice(0, 100)}) deadline ${when(p.deadline)}`,
    ]);
  }
  for (const [key, value] of rows) print(`${key.padEnd(10)} ${value}`);
}

interface ListOptions {
  waiting?: boolean;
  type?: string;
  fanOuts?: boolean;
  running?: boolean;
  status?: RunState[];
  id?: string;
  limit: number;
  json?: boolean;
}

/** `--status completed,failed`: run states, each one `list` knows. */
function statusList(value: string): RunState[] {
  const states = value.split(',').map((s) => s.trim().toLowerCase());
  const unknown = states.find((s) => !(runStates as readonly string[]).includes(s));
  if (unknown !== undefined) throw new UsageError(`"${unknown}" is not a run status (one of ${runStates.join(', ')})`);
  return states as RunState[];
}

/** `result`, `status`, `list`: what runs there are, what each waits for, and how they ended. */
export function registerRuns(program: Command): void {
  examples(
    program
      .command('result')
      .description("wait for a run's result and print it (exit 1 when the run failed)")
      .argument('<workflowId>')
      .addOption(jsonOption()),
    'geminiflow result research-1',
    'geminiflow result research-1 --json | jq .markdown',
  ).action(async (workflowId: string, o: { json?: boolean }, cmd: Command) => {
    const result = await withGeminiflow(cmd, (g) => g.result(workflowId));
    if (o.json) printJson(result);
    else print(JSON.stringify(result, null, 2));
  });

  examples(
    program
      .command('status')
      .description(
        "what a run is doing: its stage, its fan-outs' progress, its Gemini usage and estimated cost, its budget, what it waits for and since when, how earlier waits ended, pending calls; with --timeline, what happened and when",
      )
      .argument('<workflowId>')
      .option(
        '--timeline',
        'its stages on a time axis instead, finished runs too: jobs (which event ended each wait, and how), tool calls (who decided, how long they took), child runs nested, then every moment at its exact time',
      )
      .addOption(jsonOption()),
    'geminiflow status research-brief-1',
    'geminiflow status answers-1 --json | jq .fanOuts',
    'geminiflow status research-brief-1 --json | jq .usage.total',
    'geminiflow status research-brief-1 --timeline',
  ).action(async (workflowId: string, o: { json?: boolean; timeline?: boolean }, cmd: Command) => {
    if (o.timeline) {
      const timeline = await withGeminiflow(cmd, (g) => g.timeline(workflowId));
      return o.json ? printJson(timeline) : printTimeline(timeline);
    }
    const status = await withGeminiflow(cmd, (g) => g.runStatus(workflowId));
    if (o.json) printJson(status);
    else printStatus(status);
  });

  examples(
    program
      .command('list')
      .description(
        "runs, newest first (the receiver's own mailbox and dead-letter runs are left out unless --type names them)",
      )
      .option('--waiting', 'only running runs that wait on Gemini right now')
      .option('--type <workflowType>', 'only runs of this workflow type')
      .option('--fan-outs', 'only fan-outs (with their published counts), not the runs they continued as new from')
      .option('--running', 'only runs still running')
      .option(
        '--status <states>',
        `only runs in one of these states, comma-separated: ${runStates.join(', ')}`,
        statusList,
      )
      .option('--id <text>', 'only runs whose workflow id contains this text (any case)')
      .option('--limit <n>', 'at most this many', positiveInt, 100)
      .addOption(jsonOption()),
    'geminiflow list --waiting',
    'geminiflow list --type deepResearch --json',
    'geminiflow list --fan-outs --running',
    'geminiflow list --status failed,timed_out --id brief',
  ).action(async (o: ListOptions, cmd: Command) => {
    const filter = {
      waiting: o.waiting,
      type: o.type,
      fanOuts: o.fanOuts,
      running: o.running,
      status: o.status,
      idContains: o.id,
      limit: o.limit,
    };
    const runs = await withGeminiflow(cmd, (g) => g.listRuns(filter));
    if (o.json) return printJson(runs);
    printTable(
      ['WORKFLOW ID', 'TYPE', 'STATUS', 'WAITING FOR', 'SINCE', 'FAN-OUT', 'USAGE'],
      runs.map((r) => [
        r.workflowId,
        r.type,
        r.status,
        r.waitingFor ?? '-',
        r.waitingSince ? when(r.waitingSince) : '-',
        fanOutCell(r.fanOut),
        usageCell(r.usage),
      ]),
    );
    print(`${runs.length} run(s)`);
  });
}
