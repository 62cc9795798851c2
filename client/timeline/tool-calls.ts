import type { ApprovalNotice } from '../../contract';
import { decideApprovalUpdate, recordDecisionSignal } from '../../workflows';
import { closeRow } from './close-row';
import { describeDuration, iso } from './durations';
import type { ActivityFact, MessageFact, RunFacts } from './history-facts';
import { excerpt, field, stringField } from './payloads';
import type { TimelineRow, TimelineToolCall } from './types';

const runToolType = 'runTool';
const notifyType = 'notifyApproval';
/** The activities of tool calls; they name the interaction that asked for the call, but are not that job's. */
export const toolCallActivityTypes: readonly string[] = [runToolType, notifyType];

type Decision = NonNullable<TimelineToolCall['approval']>['decision'];

/** A decision as the `decideApproval` update carries it (the first form's `approve: boolean` too). */
function decisionOf(value: unknown): Exclude<Decision, 'timed_out' | undefined> | undefined {
  const kind = stringField(value, 'kind');
  const words = { approve: 'approved', edit: 'edited', deny: 'denied', answer: 'answered' } as const;
  if (kind && kind in words) return words[kind as keyof typeof words];
  const approve = field(value, 'approve');
  return typeof approve === 'boolean' ? (approve ? 'approved' : 'denied') : undefined;
}

interface Call {
  row: TimelineRow;
  tool: TimelineToolCall;
  requestedAt?: number;
  decidedAt?: number;
  proposed?: unknown;
  used?: unknown;
  ran?: ActivityFact;
}

/**
 * The tool calls of an agent run: a row each, with the wait for a person's decision when the call needed one (who
 * decided, how, and how long they took: from the `decideApproval` updates, the decisions recorded while no worker
 * answered, and the approval notifications) and the tool's own run. Also returns the activities and updates it took.
 */
export function toolCallRows(run: RunFacts): { rows: TimelineRow[]; claimed: Set<ActivityFact | MessageFact> } {
  const claimed = new Set<ActivityFact | MessageFact>();
  const calls = new Map<string, Call>();
  const callOf = (callId: string, tool: string, at: number, eventId: number): Call => {
    let call = calls.get(callId);
    if (call) return call;
    const toolCall: TimelineToolCall = { name: tool, callId };
    call = {
      tool: toolCall,
      row: {
        key: `${run.workflowId}@${run.runId}#${eventId}`,
        kind: 'tool',
        label: tool,
        summary: '',
        details: [],
        start: iso(at),
        state: 'running',
        segments: [],
        marks: [],
        tool: toolCall,
        children: [],
      },
    };
    calls.set(callId, call);
    return call;
  };
  const request = (call: Call, at: number, args: unknown) => {
    if (call.requestedAt !== undefined) return;
    call.requestedAt = at;
    call.proposed ??= args;
    if (at < Date.parse(call.row.start)) call.row.start = iso(at);
    call.tool.approval = { requestedAt: iso(at) };
    call.row.segments.unshift({ kind: 'person', start: iso(at), label: 'waiting for a person' });
    call.row.marks.push({ kind: 'requested', at: iso(at), label: 'approval requested' });
  };
  const decide = (call: Call, at: number, decision: Decision, who?: string, reason?: string) => {
    call.decidedAt = at;
    Object.assign(call.tool.approval!, {
      decision,
      decidedAt: iso(at),
      tookMs: at - call.requestedAt!,
      ...(who ? { reviewer: who } : {}),
      ...(reason ? { reason: excerpt(reason, 200) } : {}),
    });
    const person = call.row.segments.find((s) => s.kind === 'person');
    if (person) person.end = iso(at);
    if (decision === 'denied' || decision === 'timed_out') call.row.state = decision;
    if (decision === 'answered') call.row.state = 'completed';
    const label = decision === 'timed_out' ? 'nobody decided in time' : `${decision} by ${who ?? 'someone unnamed'}`;
    call.row.marks.push({ kind: 'decision', at: iso(at), label });
  };

  for (const a of run.activities) {
    const input = a.input[0];
    if (a.type === notifyType) {
      const notice = input as Partial<ApprovalNotice> | undefined;
      if (!notice?.callId || !notice.tool) continue;
      claimed.add(a);
      const call = callOf(notice.callId, notice.tool, a.scheduledAt, a.eventId);
      request(call, notice.requestedAt ? Date.parse(notice.requestedAt) : a.scheduledAt, notice.arguments);
      if (notice.event === 'approval.reminder')
        call.row.marks.push({ kind: 'reminder', at: iso(a.scheduledAt), label: 'reminder sent' });
      if (notice.event === 'approval.timed_out' && call.decidedAt === undefined)
        decide(call, a.scheduledAt, 'timed_out');
      if (a.ended === 'failed' || a.ended === 'timed_out') {
        const label = `${notice.event} notification failed: ${a.failure ?? a.ended}`;
        call.row.marks.push({ kind: 'notification-failed', at: iso(a.endedAt!), label });
      }
    } else if (a.type === runToolType) {
      const callId = stringField(input, 'callId');
      const tool = stringField(input, 'tool');
      if (!callId || !tool) continue;
      claimed.add(a);
      const call = callOf(callId, tool, a.scheduledAt, a.eventId);
      call.ran = a;
      call.used = field(input, 'arguments');
      const end = a.endedAt !== undefined ? { end: iso(a.endedAt) } : {};
      call.row.segments.push({ kind: 'tool', start: iso(a.scheduledAt), ...end, label: `${tool} runs` });
    }
  }
  // A decision reaches the run as an update, or, made while no worker answered, as a durable record (a signal). The
  // run ignores a record sent again (its decisionId seen) or one for a call already decided; so does the timeline.
  const decisions = [
    ...run.updates.filter((u) => u.name === decideApprovalUpdate.name && !u.outcome?.failure),
    ...run.signals.filter((s) => s.name === recordDecisionSignal.name),
  ].sort((a, b) => a.eventId - b.eventId);
  const seen = new Set<string>();
  for (const message of decisions) {
    const decision = message.args[0];
    const callId = stringField(decision, 'callId');
    if (!callId) continue;
    const decisionId = stringField(decision, 'decisionId');
    const isRecord = message.name === recordDecisionSignal.name;
    if (decisionId && seen.has(decisionId)) continue;
    if (decisionId) seen.add(decisionId);
    // Runs from before approval notifications: the call was requested when the run read the model's turn.
    const turn = turnOf(run, callId);
    const call = calls.get(callId) ?? (turn && callOf(callId, turn.tool, turn.at, message.eventId));
    if (!call || (isRecord && call.decidedAt !== undefined)) continue;
    claimed.add(message);
    if (call.requestedAt === undefined) request(call, turn?.at ?? message.at, turn?.arguments);
    const who = stringField(decision, 'reviewer');
    // One approval of several a quorum needs: the call still waits.
    const waitingFor = stringField(message.outcome?.value, 'waitingFor');
    if (waitingFor) {
      const label = `${decisionOf(decision)} by ${who ?? 'someone unnamed'}; waits for ${waitingFor}`;
      call.row.marks.push({ kind: 'decision', at: iso(message.at), label });
      continue;
    }
    decide(call, message.at, decisionOf(decision), who, stringField(decision, 'reason'));
  }
  return { rows: [...calls.values()].map((call) => closeCall(call, run)), claimed };
}

/** The model's turn that asked for the call: when the run read it, the tool and its arguments. */
function turnOf(run: RunFacts, callId: string): { at: number; tool: string; arguments: unknown } | undefined {
  for (const a of run.activities) {
    const calls = field(a.result, 'functionCalls');
    const call = Array.isArray(calls) ? calls.find((c) => field(c, 'id') === callId) : undefined;
    if (call && a.endedAt !== undefined)
      return { at: a.endedAt, tool: stringField(call, 'name') ?? '?', arguments: field(call, 'arguments') };
  }
  return undefined;
}

/** What the tool did: its result, or its error. */
function outcomeLine(call: Call): string | undefined {
  const a = call.ran;
  if (!a?.ended) return undefined;
  const isError = a.ended !== 'completed' || field(a.result, 'isError') === true;
  call.tool.outcome = isError ? 'error' : 'ok';
  call.row.state = isError ? 'failed' : 'completed';
  if (a.ended !== 'completed') return `error ${excerpt(a.failure ?? a.ended, 160)}`;
  const error = field(a.result, 'error');
  return isError
    ? `error ${excerpt(error ?? field(a.result, 'result'), 160)}`
    : `result ${excerpt(field(a.result, 'result'), 160)}`;
}

function closeCall(call: Call, run: RunFacts): TimelineRow {
  const { row, tool } = call;
  const approval = tool.approval;
  const outcome = outcomeLine(call);
  const proposed = call.proposed ?? call.used;
  row.details = [
    `call ${tool.callId}`,
    ...(proposed !== undefined ? [`arguments ${excerpt(proposed)}`] : []),
    ...(call.used !== undefined && excerpt(call.used) !== excerpt(proposed)
      ? [`arguments used ${excerpt(call.used)}`]
      : []),
    ...(outcome ? [outcome] : []),
  ];
  const parts: string[] = [];
  if (approval?.decision === 'timed_out') parts.push(`nobody decided within ${describeDuration(approval.tookMs!)}`);
  else if (approval?.decision)
    parts.push(
      `${approval.decision} by ${approval.reviewer ?? 'someone unnamed'} after ${describeDuration(approval.tookMs!)}`,
    );
  else if (approval) parts.push('waiting for a person');
  const ran = row.segments.find((s) => s.kind === 'tool');
  const took = ran?.end ? describeDuration(Date.parse(ran.end) - Date.parse(ran.start)) : '';
  if (ran?.end) parts.push(`ran in ${took}${tool.outcome === 'error' ? ', with an error' : ''}`);
  else if (ran) parts.push('running');
  else if (approval?.decision === 'denied' || approval?.decision === 'timed_out') parts.push('not run');
  if (approval?.reason) parts.push(`reason: ${approval.reason}`);
  row.summary = parts.join('; ');
  return closeRow(row, run.closed?.at);
}
