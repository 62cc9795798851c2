import os from 'node:os';
import { type Command, Option } from 'commander';
import type { ApprovalDecision, PendingApprovalOfRun } from '../../workflows';
import { argumentsColumn, outcomeColumn } from '../audit-columns';
import { examples, jsonOption } from '../help';
import { print, printJson, printTable, readJsonArgument, UsageError, when } from '../output';
import { withGeminiflow } from '../session';

const reviewerOption = () =>
  new Option(
    '--reviewer <name>',
    'who decides, for the audit record (default: GEMINIFLOW_REVIEWER, else your user name)',
  );

function reviewerOf(o: { reviewer?: string }): string {
  return o.reviewer ?? process.env.GEMINIFLOW_REVIEWER ?? os.userInfo().username;
}

function argumentsOf(text: string): Record<string, unknown> {
  const value = readJsonArgument(text, '--args');
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new UsageError('--args must be a JSON object');
  return value as Record<string, unknown>;
}

const short = (value: unknown, max = 60) => {
  const text = JSON.stringify(value) ?? '';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
};

async function decide(cmd: Command, workflowId: string, decision: ApprovalDecision, json?: boolean) {
  const decided = await withGeminiflow(cmd, (g) => g.decideApproval(workflowId, decision));
  if (json) return printJson({ workflowId, ...decided });
  const how = { approve: 'approved', edit: 'approved with edited arguments', deny: 'denied', answer: 'answered' }[
    decided.kind
  ];
  print(`call ${decided.callId} of ${workflowId}: ${how} by ${decided.reviewer ?? 'unknown'}`);
}

/** `pending`, `approve`, `deny`, `answer`, `log`: the calls that wait for a person, and what people decided. */
export function registerApprovals(program: Command): void {
  examples(
    program
      .command('pending')
      .description('calls waiting for a person, across runs, oldest first')
      .option('--tool <name>', 'only calls of this tool')
      .option('--older-than <duration>', 'only calls waiting at least this long, e.g. 30m or 2h')
      .addOption(jsonOption()),
    'geminiflow pending',
    'geminiflow pending --tool publish --older-than 1h --json',
  ).action(async (o: { tool?: string; olderThan?: string; json?: boolean }, cmd: Command) => {
    const silent: string[] = [];
    const pending: PendingApprovalOfRun[] = await withGeminiflow(cmd, (g) =>
      g.listPendingApprovals({
        tool: o.tool,
        olderThan: o.olderThan as never,
        onUnanswered: (run) => silent.push(run.workflowId),
      }),
    );
    if (silent.length) {
      process.stderr.write(
        `geminiflow: ${silent.length} run(s) with pending calls did not answer (is their worker running?): ${silent.join(', ')}\n`,
      );
    }
    if (o.json) return printJson(pending);
    printTable(
      ['WORKFLOW ID', 'CALL', 'TOOL', 'REQUESTED', 'DEADLINE', 'DECISIONS', 'ARGUMENTS'],
      pending.map((p) => [
        p.workflowId,
        p.callId,
        p.tool,
        when(p.requestedAt),
        when(p.deadline),
        p.decisions.join('|'),
        short(p.arguments),
      ]),
    );
    print(`${pending.length} pending call(s)`);
  });

  examples(
    program
      .command('approve')
      .description('approve a pending call, as proposed or with edited arguments (--args)')
      .argument('<workflowId>')
      .argument('<callId>')
      .option('--reason <text>', 'why, for the audit record')
      .option('--args <json|@file>', 'run the tool with these arguments instead (the tool must allow edit)')
      .addOption(reviewerOption())
      .addOption(jsonOption()),
    'geminiflow approve research-brief-1/brief call_1_0_ab12 --reason "checked the figures"',
    `geminiflow approve research-brief-1/brief call_1_0_ab12 --args '{"title":"Tidal energy, in brief","body":"..."}'`,
  ).action(
    async (
      workflowId: string,
      callId: string,
      o: { reason?: string; args?: string; reviewer?: string; json?: boolean },
      cmd: Command,
    ) => {
      const base = { callId, reviewer: reviewerOf(o), ...(o.reason ? { reason: o.reason } : {}) };
      const decision: ApprovalDecision = o.args
        ? { ...base, kind: 'edit', arguments: argumentsOf(o.args) }
        : { ...base, kind: 'approve' };
      await decide(cmd, workflowId, decision, o.json);
    },
  );

  examples(
    program
      .command('deny')
      .description('deny a pending call; the model is told the reason')
      .argument('<workflowId>')
      .argument('<callId>')
      .requiredOption('--reason <text>', 'why (the model reads it)')
      .addOption(reviewerOption())
      .addOption(jsonOption()),
    'geminiflow deny research-brief-1/brief call_1_0_ab12 --reason "not before the review on Monday"',
  ).action(
    async (
      workflowId: string,
      callId: string,
      o: { reason: string; reviewer?: string; json?: boolean },
      cmd: Command,
    ) => {
      if (!o.reason.trim()) throw new UsageError('--reason must say why');
      await decide(cmd, workflowId, { callId, kind: 'deny', reason: o.reason, reviewer: reviewerOf(o) }, o.json);
    },
  );

  examples(
    program
      .command('answer')
      .description(
        "answer a pending call in the tool's place: the tool does not run, the model gets this as its result",
      )
      .argument('<workflowId>')
      .argument('<callId>')
      .argument('<result>', 'the result, as JSON or @file')
      .option('--reason <text>', 'why, for the audit record')
      .addOption(reviewerOption())
      .addOption(jsonOption()),
    `geminiflow answer support-7 call_2_0_9f3e '{"status":"refunded by hand"}'`,
  ).action(
    async (
      workflowId: string,
      callId: string,
      result: string,
      o: { reason?: string; reviewer?: string; json?: boolean },
      cmd: Command,
    ) => {
      const decision: ApprovalDecision = {
        callId,
        kind: 'answer',
        result: readJsonArgument(result, 'the result'),
        reviewer: reviewerOf(o),
        ...(o.reason ? { reason: o.reason } : {}),
      };
      await decide(cmd, workflowId, decision, o.json);
    },
  );

  examples(
    program
      .command('log')
      .description(
        "a run's audit record: every call that needed a person, who decided what and when, what the tool did, the arguments proposed and (for an edit) what changed",
      )
      .argument('<workflowId>')
      .addOption(jsonOption()),
    'geminiflow log research-brief-1/brief',
  ).action(async (workflowId: string, o: { json?: boolean }, cmd: Command) => {
    const log = await withGeminiflow(cmd, (g) => g.approvalLog(workflowId));
    if (o.json) return printJson(log);
    printTable(
      ['CALL', 'TOOL', 'STATUS', 'REVIEWER', 'DECIDED', 'REASON', 'OUTCOME', 'ARGUMENTS'],
      log.map((r) => [
        r.callId,
        r.tool,
        r.status,
        r.reviewer ?? '-',
        r.decidedAt ?? '-',
        r.reason ?? '-',
        outcomeColumn(r),
        argumentsColumn(r),
      ]),
    );
    print(`${log.length} call(s)`);
  });
}
