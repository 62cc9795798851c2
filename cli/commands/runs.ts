import type { Command } from 'commander';
import type { RunStatus } from '../../client';
import { examples, jsonOption } from '../help';
import { positiveInt, print, printJson, printTable, when } from '../output';
import { withGeminiflow } from '../session';

function printStatus(s: RunStatus): void {
  const rows: [string, string][] = [
    ['run', `${s.workflowId} (${s.type}), ${s.status}, started ${when(s.startTime)}`],
  ];
  if (s.closeTime) rows.push(['closed', when(s.closeTime)]);
  for (const child of s.runningChildren) rows.push(['stage', `child ${child.workflowId} (${child.type}) is running`]);
  if (s.agent) rows.push(['agent', `${s.agent.phase}, turn ${s.agent.turn}`]);
  const waiting = s.waits?.waiting ?? [];
  for (const w of waiting) {
    rows.push(['waits for', `${w.until.join(' | ')} on ${w.resource.kind} ${w.resource.id} since ${when(w.since)}; status re-read ${when(w.nextCheckAt)}`]);
  }
  if (!waiting.length && s.status === 'RUNNING' && !s.runningChildren.length && !s.pendingApprovals?.length) {
    rows.push(['waits for', s.waitingFor ? `${s.waitingFor} since ${when(s.waitingSince)}` : 'nothing on Gemini']);
  }
  for (const r of s.waits?.resolved ?? []) {
    rows.push(['earlier', `${r.type} on ${r.resource.kind} ${r.resource.id}: by ${r.resolvedBy} after ${r.waitedMs} ms`]);
  }
  for (const p of s.pendingApprovals ?? []) {
    rows.push(['pending', `${p.callId} ${p.tool}(${JSON.stringify(p.arguments).slice(0, 100)}) deadline ${when(p.deadline)}`]);
  }
  for (const [key, value] of rows) print(`${key.padEnd(10)} ${value}`);
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
      .description('what a run is doing: its stage, what it waits for and since when, how earlier waits ended, pending calls')
      .argument('<workflowId>')
      .addOption(jsonOption()),
    'geminiflow status research-brief-1',
  ).action(async (workflowId: string, o: { json?: boolean }, cmd: Command) => {
    const status = await withGeminiflow(cmd, (g) => g.runStatus(workflowId));
    if (o.json) printJson(status);
    else printStatus(status);
  });

  examples(
    program
      .command('list')
      .description('runs, newest first (the receiver\'s own mailbox and dead-letter runs are left out unless --type names them)')
      .option('--waiting', 'only running runs that wait on Gemini right now')
      .option('--type <workflowType>', 'only runs of this workflow type')
      .option('--limit <n>', 'at most this many', positiveInt, 100)
      .addOption(jsonOption()),
    'geminiflow list --waiting',
    'geminiflow list --type deepResearch --json',
  ).action(async (o: { waiting?: boolean; type?: string; limit: number; json?: boolean }, cmd: Command) => {
    const runs = await withGeminiflow(cmd, (g) => g.listRuns({ waiting: o.waiting, type: o.type, limit: o.limit }));
    if (o.json) return printJson(runs);
    printTable(
      ['WORKFLOW ID', 'TYPE', 'STATUS', 'WAITING FOR', 'SINCE'],
      runs.map((r) => [r.workflowId, r.type, r.status, r.waitingFor ?? '-', r.waitingSince ? when(r.waitingSince) : '-']),
    );
    print(`${runs.length} run(s)`);
  });
}
