import os from 'node:os';
import { type Command, Option } from 'commander';
import ms from 'ms';
import { declareEnvNames } from '../../common/env-names';
import type { ApprovalDecision, PendingApprovalOfRun } from '../../workflows';
import { argumentsColumn, outcomeColumn } from '../audit-columns';
import { examples, jsonOption } from '../help';
import { exitCodes, print, printJson, printTable, readJsonArgument, UsageError, when } from '../output';
import { withGeminiflow } from '../session';

const reviewerOption = () =>
  new Option(
    '--reviewer <name>',
    'who decides, for the audit record (default: GEMINIFLOW_REVIEWER, else your user name)',
  );
const groupsOption = () =>
  new Option(
    '--groups <a,b>',
    "the reviewer's groups, for tools with approver groups (default: GEMINIFLOW_REVIEWER_GROUPS)",
  );

const waitOption = () =>
  new Option(
    '--wait <duration>',
    "how long the run's worker gets to take the decision before it is recorded for later instead",
  ).default('1.2s');

const [reviewerEnv, groupsEnv] = declareEnvNames(['GEMINIFLOW_REVIEWER', 'GEMINIFLOW_REVIEWER_GROUPS']);

interface Identity {
  reviewer?: string;
  groups?: string;
  wait?: string;
}

function waitMsOf(o: Identity): number | undefined {
  if (o.wait === undefined) return undefined;
  const waited = ms(o.wait as ms.StringValue);
  if (typeof waited !== 'number' || !(waited > 0)) throw new UsageError(`--wait: "${o.wait}" is not a duration`);
  return waited;
}

/**
 * Who decides, as this command establishes it: the name and groups you give (or your environment's), not checked
 * against anything but Temporal's own access control: whoever can reach the namespace can claim any name.
 */
function identityOf(o: Identity): { reviewer: string; reviewerGroups?: string[] } {
  const groups = (o.groups ?? process.env[groupsEnv] ?? '').split(/[\s,]+/).filter(Boolean);
  return {
    reviewer: o.reviewer ?? process.env[reviewerEnv] ?? os.userInfo().username,
    ...(groups.length ? { reviewerGroups: groups } : {}),
  };
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

const done = {
  approve: 'approved',
  edit: 'approved with edited arguments',
  deny: 'denied',
  answer: 'answered',
} as const;

/**
 * Sends a decision and says what became of it: applied (exit 0), recorded and waiting for the run's worker (exit 3),
 * or refused, with why (exit 1, from the error).
 */
async function decide(cmd: Command, workflowId: string, decision: ApprovalDecision, o: Identity & { json?: boolean }) {
  const workerWaitMs = waitMsOf(o);
  const receipt = await withGeminiflow(cmd, (g) =>
    g.decideApproval(workflowId, decision, workerWaitMs ? { workerWaitMs } : {}),
  );
  const json = o.json;
  if (receipt.state === 'recorded') process.exitCode = exitCodes.recorded;
  if (json) return printJson(receipt);
  const who = receipt.reviewer ?? 'unknown';
  if (receipt.state === 'recorded') {
    print(
      `call ${receipt.callId} of ${workflowId}: recorded, waiting for the run's worker (${receipt.why}); ` +
        `${receipt.kind} by ${who} applies when it returns (decision ${receipt.decisionId})`,
    );
  } else if (receipt.waitingFor) {
    print(`call ${receipt.callId} of ${workflowId}: approval by ${who} counted; still needed: ${receipt.waitingFor}`);
  } else {
    print(`call ${receipt.callId} of ${workflowId}: ${done[receipt.kind]} by ${who}`);
  }
}

/** What a pending call waits for, in one cell. */
function stateOf(p: PendingApprovalOfRun): string {
  const recorded = p.recorded?.map((r) => `${r.kind} by ${r.reviewer ?? 'unknown'}`).join(', ');
  if (recorded) return `decided, waiting for the worker (${recorded})`;
  const worker = p.source === 'published' ? ' (worker down)' : '';
  return p.stillNeeded ? `needs ${p.stillNeeded}${worker}` : `waiting for a decision${worker}`;
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
        onUnanswered: (run) => silent.push(`${run.workflowId}${run.published ? ' (shown as it published them)' : ''}`),
      }),
    );
    if (silent.length) {
      process.stderr.write(
        `geminiflow: ${silent.length} run(s) with pending calls did not answer (is their worker running?): ${silent.join(', ')}\n`,
      );
    }
    if (o.json) return printJson(pending);
    printTable(
      ['WORKFLOW ID', 'CALL', 'TOOL', 'STATE', 'REQUESTED', 'DEADLINE', 'DECISIONS', 'ARGUMENTS'],
      pending.map((p) => [
        p.workflowId,
        p.callId,
        p.tool,
        stateOf(p),
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
      .addOption(groupsOption())
      .addOption(waitOption())
      .addOption(jsonOption()),
    'geminiflow approve research-brief-1/brief call_1_0_ab12 --reason "checked the figures"',
    `geminiflow approve research-brief-1/brief call_1_0_ab12 --args '{"title":"Tidal energy, in brief","body":"..."}'`,
  ).action(
    async (
      workflowId: string,
      callId: string,
      o: Identity & { reason?: string; args?: string; json?: boolean },
      cmd: Command,
    ) => {
      const base = { callId, ...identityOf(o), ...(o.reason ? { reason: o.reason } : {}) };
      const decision: ApprovalDecision = o.args
        ? { ...base, kind: 'edit', arguments: argumentsOf(o.args) }
        : { ...base, kind: 'approve' };
      await decide(cmd, workflowId, decision, o);
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
      .addOption(groupsOption())
      .addOption(waitOption())
      .addOption(jsonOption()),
    'geminiflow deny research-brief-1/brief call_1_0_ab12 --reason "not before the review on Monday"',
  ).action(
    async (workflowId: string, callId: string, o: Identity & { reason: string; json?: boolean }, cmd: Command) => {
      if (!o.reason.trim()) throw new UsageError('--reason must say why');
      await decide(cmd, workflowId, { callId, kind: 'deny', reason: o.reason, ...identityOf(o) }, o);
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
      .addOption(groupsOption())
      .addOption(waitOption())
      .addOption(jsonOption()),
    `geminiflow answer support-7 call_2_0_9f3e '{"status":"refunded by hand"}'`,
  ).action(
    async (
      workflowId: string,
      callId: string,
      result: string,
      o: Identity & { reason?: string; json?: boolean },
      cmd: Command,
    ) => {
      const decision: ApprovalDecision = {
        callId,
        kind: 'answer',
        result: readJsonArgument(result, 'the result'),
        ...identityOf(o),
        ...(o.reason ? { reason: o.reason } : {}),
      };
      await decide(cmd, workflowId, decision, o);
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
