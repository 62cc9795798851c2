import { type Duration, ApplicationFailure, TemporalFailure } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  defineQuery,
  defineUpdate,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type * as agentActivities from '../activities/agent-interactions';
import type { AgentInteraction, FunctionCall, FunctionResult } from '../activities/agent-interactions';
import type * as interactionActivities from '../activities/interactions';
import type * as toolActivities from '../activities/tools';
import { type ApprovalDecision, ApprovalBook, type ApprovalsCarryOver, type PendingApproval } from './agent-approvals';
import { Transcript, type TranscriptCarryOver, type TranscriptEntry } from './agent-transcript';
import { findTool, functionTool, parseToolArgs, type ToolSpec, toolCatalog } from './tools';
import { type GeminiEventsCarryOver, listenForGeminiEvents, type WaitOptions } from './wait-for-gemini-event';

export interface AgentInput {
  /** Default 'gemini-2.5-flash'. */
  model?: string;
  systemInstruction?: string;
  /** Names of catalog tools (workflows/tools) the model may call. */
  tools: string[];
  /** The opening message; required when `conversation` is false. */
  message?: string;
  /** true (default): take follow-ups until `endConversation` or the idle timeout. false: answer `message`, return. */
  conversation?: boolean;
  /** A call that needs approval and gets no decision within this is refused. Default 1 hour. */
  approvalTimeout?: Duration;
  /** A conversation with no message for this long ends. Default 1 hour. */
  idleTimeout?: Duration;
  /** Rounds of function calls the model may make for one message before the turn fails. Default 10. */
  maxStepsPerTurn?: number;
  /** Transcript entries kept (older ones are counted, not kept). Default 100. */
  transcriptLimit?: number;
  /** Continue as new between turns once history has this many events (or Temporal suggests it). Default 10,000. */
  continueAsNewAfterEvents?: number;
  /** The reconciliation backstop of each wait for the model. */
  wait?: Pick<WaitOptions, 'reconcileAfter' | 'reconcileMax'>;
  /** Set by the workflow itself when it continues as new. */
  carried?: AgentCarryOver;
}

/** Everything a continued run needs; taken only between turns, when no call or message is in flight. */
export interface AgentCarryOver {
  runs: number;
  turn: number;
  lastInteractionId?: string;
  lastReply: string;
  lastActivityAt: number;
  transcript: TranscriptCarryOver;
  approvals: ApprovalsCarryOver;
  events: GeminiEventsCarryOver;
}

export interface AgentReply {
  turn: number;
  reply: string;
  interactionId: string;
}

export interface AgentResult {
  /** The model's last answer. */
  reply: string;
  turns: number;
  endedBy: 'answered' | 'request' | 'idle';
  lastInteractionId?: string;
  transcript: TranscriptCarryOver;
  /** 1 + how often the conversation continued as new. */
  runs: number;
}

export interface AgentState {
  phase: 'thinking' | 'running_tools' | 'waiting_for_approval' | 'idle' | 'ended';
  turn: number;
  currentInteractionId?: string;
  lastInteractionId?: string;
  pendingApprovals: PendingApproval[];
  /** Messages accepted and not yet answered, including the one being worked on. */
  queuedMessages: number;
  transcript: TranscriptCarryOver;
  runs: number;
}

/** A follow-up message; resolves with the model's answer to it (use startUpdate to not wait for that). */
export const sendMessageUpdate = defineUpdate<AgentReply, [string]>('sendMessage');
/** Approve or deny a pending call; unknown, stale and repeated decisions are rejected. */
export const decideApprovalUpdate = defineUpdate<{ callId: string; approved: boolean }, [ApprovalDecision]>(
  'decideApproval',
);
/** Ends the conversation once the messages already accepted are answered. */
export const endConversationUpdate = defineUpdate<void, []>('endConversation');
export const agentStateQuery = defineQuery<AgentState>('agentState');
export const pendingApprovalsQuery = defineQuery<PendingApproval[]>('pendingApprovals');

const { createAgentInteraction, getAgentInteraction } = proxyActivities<typeof agentActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});
const { runTool } = proxyActivities<typeof toolActivities>({
  startToCloseTimeout: '15 minutes',
  // Tools heartbeat every second, so a call on a crashed worker is retried within seconds, not minutes.
  heartbeatTimeout: '5 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 5 },
});
const { cancelInteraction } = proxyActivities<typeof interactionActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 5 },
});

interface Ticket {
  text: string;
  reply?: AgentReply;
  error?: unknown;
}

/**
 * An agent with tools: each message is answered by a chain of model interactions (previous_interaction_id), running
 * the function calls the model asks for under each tool's policy, with a person's approval where the policy says so.
 */
export async function agentWorkflow(input: AgentInput): Promise<AgentResult> {
  const carried = input.carried;
  const events = listenForGeminiEvents(carried?.events);
  const approvals = new ApprovalBook(carried?.approvals);
  const transcript = new Transcript(input.transcriptLimit ?? 100, carried?.transcript);
  const conversation = input.conversation ?? true;
  const runs = carried?.runs ?? 1;
  let turn = carried?.turn ?? 0;
  let lastInteractionId = carried?.lastInteractionId;
  let lastReply = carried?.lastReply ?? '';
  let lastActivityAt = carried?.lastActivityAt ?? Date.now();
  let activity: 'thinking' | 'running_tools' | 'idle' = 'idle';
  let currentInteractionId: string | undefined;
  let ending = false;
  let ended = false;
  let interactionsThisRun = 0;
  const queue: Ticket[] = [];
  const modelAtWork = () => (activity === 'thinking' ? currentInteractionId : undefined);

  setHandler(
    sendMessageUpdate,
    async (text) => {
      const ticket: Ticket = { text };
      queue.push(ticket);
      await condition(() => ticket.reply !== undefined || ticket.error !== undefined);
      if (ticket.error !== undefined) throw ticket.error;
      return ticket.reply!;
    },
    {
      validator: (text) => {
        if (typeof text !== 'string' || !text.trim()) throw new Error('a message needs non-empty text');
        if (!conversation) throw new Error('this agent answers one message and takes no follow-ups');
        if (ending || ended) throw new Error('the conversation has ended');
      },
    },
  );
  setHandler(
    decideApprovalUpdate,
    (decision) => {
      approvals.decide(decision);
      return { callId: decision.callId, approved: decision.approve };
    },
    { validator: (decision) => approvals.validate(decision) },
  );
  setHandler(
    endConversationUpdate,
    () => {
      ending = true;
    },
    {
      validator: () => {
        if (ending || ended) throw new Error('the conversation is already ending');
      },
    },
  );
  setHandler(pendingApprovalsQuery, () => approvals.list());
  setHandler(agentStateQuery, () => {
    const pendingApprovals = approvals.list();
    return {
      phase: ended ? 'ended' : pendingApprovals.length ? 'waiting_for_approval' : activity,
      turn,
      currentInteractionId,
      lastInteractionId,
      pendingApprovals,
      queuedMessages: queue.length,
      transcript: transcript.view(),
      runs,
    };
  });

  const offered = offeredTools(input.tools);
  const declarations = [...offered.values()].map(functionTool);
  const model = input.model ?? 'gemini-2.5-flash';
  const approvalMs = msToNumber(input.approvalTimeout ?? '1 hour');
  const idleMs = msToNumber(input.idleTimeout ?? '1 hour');
  const maxSteps = input.maxStepsPerTurn ?? 10;

  const startInteraction = async (
    next: agentActivities.AgentTurnRequest['input'],
    previousInteractionId: string | undefined,
  ): Promise<AgentInteraction> => {
    activity = 'thinking';
    const started = await createAgentInteraction({
      model,
      input: next,
      tools: declarations,
      systemInstruction: input.systemInstruction,
      previousInteractionId,
    });
    currentInteractionId = started.id;
    interactionsThisRun++;
    events.track({ kind: 'interaction', id: started.id });
    return started;
  };

  /** Waits for the model to answer or to ask for tools, then reads what it said. */
  const settle = async (interaction: AgentInteraction): Promise<AgentInteraction> => {
    if (interaction.status !== 'in_progress' && interaction.status !== 'queued') return interaction;
    await events.waitFor(
      { kind: 'interaction', id: interaction.id },
      { until: ['interaction.requires_action', 'interaction.completed'], ...input.wait },
    );
    return getAgentInteraction(interaction.id);
  };

  const answerCall = async (call: FunctionCall, interactionId: string, inTurn: number): Promise<AnsweredCall> => {
    const record = (handling: ToolHandling, result: unknown, isError: boolean): AnsweredCall => ({
      answer: { callId: call.id, name: call.name, result, isError },
      entry: {
        kind: 'tool',
        turn: inTurn,
        callId: call.id,
        tool: call.name,
        arguments: call.arguments,
        handling,
        result,
        isError,
      },
    });
    const spec = offered.get(call.name);
    if (!spec) {
      return record('refused', `unknown tool ${call.name}; available: ${[...offered.keys()].join(', ')}`, true);
    }
    if (spec.policy === 'refuse') {
      return record('refused', `${call.name} is not allowed${spec.note ? `: ${spec.note}` : ''}`, true);
    }
    const parsed = parseToolArgs(spec, call.arguments);
    if (!parsed.ok) return record('invalid', parsed.error, true);

    let handling: ToolHandling = 'auto';
    if (spec.policy === 'approval') {
      const request = approvals.open(
        { callId: call.id, tool: call.name, arguments: parsed.args, note: spec.note, interactionId },
        Date.now(),
        approvalMs,
      );
      await condition(request.decided, approvalMs);
      const outcome = request.close();
      if (outcome.kind === 'timed_out') {
        const waited = describeDuration(approvalMs);
        return record('timed_out', `refused: nobody approved ${call.name} within ${waited}; it was not run`, true);
      }
      if (outcome.kind === 'denied') {
        const { reviewer, reason } = outcome.decision;
        const why = reason ? `: ${reason}` : '';
        return record('denied', `denied by ${reviewer ?? 'the approver'}${why}; it was not run`, true);
      }
      handling = 'approved';
    }

    activity = 'running_tools';
    try {
      const outcome = await runTool({ tool: call.name, arguments: parsed.args, callId: call.id, interactionId });
      return record(handling, outcome.result, outcome.isError);
    } catch (err) {
      if (isCancellation(err)) throw err;
      return record('failed', `the tool failed: ${failureMessage(err)}`, true);
    }
  };

  const runTurn = async (text: string): Promise<AgentReply> => {
    const thisTurn = ++turn;
    transcript.add({ kind: 'user', turn: thisTurn, text });
    let interaction = await startInteraction({ text }, lastInteractionId);
    for (let step = 1; ; step++) {
      interaction = await settle(interaction);
      if (interaction.status === 'completed') {
        lastInteractionId = interaction.id;
        lastReply = interaction.outputText;
        transcript.add({ kind: 'model', turn: thisTurn, text: lastReply, interactionId: interaction.id });
        return { turn: thisTurn, reply: lastReply, interactionId: interaction.id };
      }
      if (interaction.status !== 'requires_action' || interaction.functionCalls.length === 0) {
        const why = interaction.error ? `: ${interaction.error}` : '';
        throw ApplicationFailure.nonRetryable(
          `interaction ${interaction.id} ended ${interaction.status}${why}`,
          'AgentInteractionFailed',
        );
      }
      if (step > maxSteps) {
        throw ApplicationFailure.nonRetryable(
          `the model asked for tools ${maxSteps} times for one message without answering (step limit)`,
          'AgentStepLimitExceeded',
        );
      }
      const asked = interaction;
      activity = 'running_tools';
      // Independent calls run side by side; each waits for its own approval, if it needs one.
      const answered = await Promise.all(asked.functionCalls.map((call) => answerCall(call, asked.id, thisTurn)));
      for (const { entry } of answered) transcript.add(entry);
      interaction = await startInteraction({ functionResults: answered.map((a) => a.answer) }, asked.id);
    }
  };

  const result = (endedBy: AgentResult['endedBy']): AgentResult => {
    ended = true;
    activity = 'idle';
    return { reply: lastReply, turns: turn, endedBy, lastInteractionId, transcript: transcript.view(), runs };
  };

  try {
    if (!conversation) {
      if (!input.message?.trim()) {
        throw ApplicationFailure.nonRetryable('a one-message agent needs `message`', 'BadInput');
      }
      await runTurn(input.message);
      return result('answered');
    }
    if (!carried && input.message?.trim()) {
      await runTurn(input.message);
      lastActivityAt = Date.now();
    }
    for (;;) {
      const next = queue[0];
      if (next) {
        try {
          next.reply = await runTurn(next.text);
        } catch (err) {
          // Only Temporal failures fail the message's update; anything else is a bug and fails the workflow task.
          if (isCancellation(err) || !(err instanceof TemporalFailure)) throw err;
          log.warn('a turn failed; the conversation goes on', { turn, error: failureMessage(err) });
          next.error = err;
        }
        queue.shift();
        lastActivityAt = Date.now();
        continue;
      }
      activity = 'idle';
      currentInteractionId = undefined;
      if (ending) {
        await condition(allHandlersFinished);
        return result('request');
      }
      if (historyIsLarge(input.continueAsNewAfterEvents ?? 10_000) || interactionsThisRun >= interactionsPerRun) {
        // A message may arrive while handlers finish; answer it first rather than wait on its handler forever.
        await condition(() => allHandlersFinished() || queue.length > 0);
        if (queue.length > 0) continue;
        const carry: AgentCarryOver = {
          runs: runs + 1,
          turn,
          lastInteractionId,
          lastReply,
          lastActivityAt,
          transcript: transcript.view(),
          approvals: approvals.carryOver(),
          events: recentResourcesOnly(events.carryOver()),
        };
        return await continueAsNew<typeof agentWorkflow>({ ...input, message: undefined, carried: carry });
      }
      const remaining = lastActivityAt + idleMs - Date.now();
      const woken = remaining > 0 && (await condition(() => queue.length > 0 || ending, remaining));
      if (!woken) {
        // From here on the validator turns new messages away, so nothing can wait on a closed conversation.
        ending = true;
        await condition(allHandlersFinished);
        return result('idle');
      }
    }
  } catch (err) {
    const running = modelAtWork();
    if (isCancellation(err) && running) await CancellationScope.nonCancellable(() => cancelInteraction(running));
    throw err;
  }
}

type ToolHandling = Extract<TranscriptEntry, { kind: 'tool' }>['handling'];
type AnsweredCall = { answer: FunctionResult; entry: TranscriptEntry };

function offeredTools(names: string[]): Map<string, ToolSpec> {
  if (!Array.isArray(names)) throw ApplicationFailure.nonRetryable('`tools` must be a list of tool names', 'BadInput');
  const offered = new Map<string, ToolSpec>();
  for (const name of names) {
    const spec = findTool(toolCatalog, name);
    if (!spec) {
      throw ApplicationFailure.nonRetryable(
        `unknown tool ${JSON.stringify(name)}; the catalog has ${Object.keys(toolCatalog).join(', ')}`,
        'BadInput',
      );
    }
    offered.set(name, spec);
  }
  return offered;
}

function describeDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}

/**
 * Every interaction id goes into the GeminiResourceIds search attribute, whose value Temporal caps (2 KB by default),
 * so a long conversation continues as new after this many and keeps only the latest ids in it.
 */
const interactionsPerRun = 16;
const resourcesCarried = 4;
const deliveriesRemembered = 200;

/**
 * Between turns no interaction is in flight, so an event still in the inbox is a late copy about an earlier one: the
 * next run needs only the recent ids to recognise such copies, not the whole conversation's.
 */
function recentResourcesOnly(carry: GeminiEventsCarryOver): GeminiEventsCarryOver {
  return {
    pending: [],
    seenWebhookIds: carry.seenWebhookIds.slice(-deliveriesRemembered),
    handled: carry.handled.slice(-deliveriesRemembered),
    trackedResources: carry.trackedResources.slice(-resourcesCarried),
  };
}

function historyIsLarge(limit: number): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= limit;
}

function failureMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  // ActivityFailure wraps the activity's own error; its message is the useful one.
  while (e?.cause && typeof e.cause === 'object') e = e.cause as typeof e;
  return e?.message ?? String(err);
}
