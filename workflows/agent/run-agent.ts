import { TemporalFailure } from '@temporalio/common';
import {
  ApplicationFailure,
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  setHandler,
} from '@temporalio/workflow';
import { defaultTextModel, functionTool, GeminiflowFailure, type ToolSpec } from '../../contract';
import { cancelInteraction } from '../activities';
import { durationMs } from '../duration';
import { badInput } from '../job-failures';
import { trackGeminiUsage } from '../usage';
import { listenForGeminiEvents } from '../wait-for-gemini-event';
import { createApprovalDesk } from './approval-desk';
import { ApprovalBook } from './approvals';
import { historyIsLarge, interactionsPerRun, recentResourcesOnly } from './continue-as-new';
import { takeDecisions } from './decision-handlers';
import {
  agentStateQuery,
  approvalLogQuery,
  endConversationUpdate,
  pendingApprovalsQuery,
  sendMessageUpdate,
} from './messages';
import { offeredTools } from './offered-tools';
import { createToolCaller, failureMessage } from './tool-calls';
import { Transcript } from './transcript';
import { createTurnRunner } from './turns';
import type { AgentCarryOver, AgentInput, AgentReply, AgentResult } from './types';

interface Ticket {
  text: string;
  reply?: AgentReply;
  error?: unknown;
}

/**
 * The body of an agent workflow with tools: each message is answered by a chain of model interactions, running the
 * function calls the model asks for under each tool's policy, with a person's approval where the policy says so.
 * Export a workflow that calls it with your tool registry:
 *   export const supportAgent = (input: AgentInput) => runAgent(input, supportTools);
 */
export async function runAgent(input: AgentInput, registry: Record<string, ToolSpec>): Promise<AgentResult> {
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
  const desk = createApprovalDesk(approvals, durationMs(input.approvalTimeout ?? '1 hour'));
  takeDecisions(approvals, desk);
  setHandler(endConversationUpdate, () => void (ending = true), {
    validator: () => {
      if (ending || ended) throw new Error('the conversation is already ending');
    },
  });
  setHandler(pendingApprovalsQuery, () => approvals.list());
  setHandler(approvalLogQuery, () => approvals.log());
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

  const offered = offeredTools(registry, input.tools);
  const model = input.model ?? defaultTextModel;
  // A reached budget asks on this agent's own approvals, beside its tool calls.
  const usage = trackGeminiUsage(input.budget, { desk, carried: carried?.usage });
  const turns = createTurnRunner({
    events,
    transcript,
    model,
    systemInstruction: input.systemInstruction,
    declarations: [...offered.values()].map(functionTool),
    maxSteps: input.maxStepsPerTurn ?? 10,
    wait: input.wait,
    answerCall: createToolCaller({
      offered,
      approvals,
      desk,
      run: { startedBy: input.startedBy, context: input.context ?? {} },
      onRunning: () => void (activity = 'running_tools'),
    }),
    onThinking: (id) => {
      activity = 'thinking';
      if (id) currentInteractionId = id;
    },
    onRunningTools: () => void (activity = 'running_tools'),
    beforeInteraction: () => usage.beforeJob('the next model interaction'),
    onSettled: (interaction) => usage.recordJob(model, interaction.usage),
  });
  const idleMs = durationMs(input.idleTimeout ?? '1 hour');

  const answer = async (text: string): Promise<AgentReply> => {
    const reply = await turns.runTurn(++turn, text, lastInteractionId);
    lastInteractionId = reply.interactionId;
    lastReply = reply.reply;
    return reply;
  };
  const result = async (endedBy: AgentResult['endedBy']): Promise<AgentResult> => {
    // Notifications still being retried are settled first (bounded), so the approval log says how they went.
    await desk.settled();
    ended = true;
    activity = 'idle';
    return {
      reply: lastReply,
      turns: turn,
      endedBy,
      lastInteractionId,
      transcript: transcript.view(),
      runs,
      geminiUsage: usage.report(),
    };
  };

  try {
    if (!conversation) {
      if (!input.message?.trim()) throw badInput('a one-message agent needs `message`');
      await answer(input.message);
      return await result('answered');
    }
    if (!carried && input.message?.trim()) {
      await answer(input.message);
      lastActivityAt = Date.now();
    }
    for (;;) {
      const next = queue[0];
      if (next) {
        try {
          next.reply = await answer(next.text);
        } catch (err) {
          // Only Temporal failures fail the message's update; anything else is a bug and fails the workflow task. A
          // budget that stops the agent stops the conversation, not only this message.
          if (isCancellation(err) || !(err instanceof TemporalFailure) || stoppedByBudget(err)) throw err;
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
        return await result('request');
      }
      if (
        historyIsLarge(input.continueAsNewAfterEvents ?? 10_000) ||
        turns.interactionsStarted() >= interactionsPerRun
      ) {
        // Notifications still being retried settle first, so the carried approval log says how they went.
        await desk.settled();
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
          usage: usage.carry(),
        };
        return await continueAsNew<(input: AgentInput) => Promise<AgentResult>>({
          ...input,
          message: undefined,
          carried: carry,
        });
      }
      const remaining = lastActivityAt + idleMs - Date.now();
      const woken = remaining > 0 && (await condition(() => queue.length > 0 || ending, remaining));
      if (!woken) {
        // From here on the validator turns new messages away, so nothing can wait on a closed conversation.
        ending = true;
        await condition(allHandlersFinished);
        return await result('idle');
      }
    }
  } catch (err) {
    const running = modelAtWork();
    if (isCancellation(err) && running) await CancellationScope.nonCancellable(() => cancelInteraction(running));
    throw err;
  }
}

function stoppedByBudget(err: unknown): boolean {
  return err instanceof ApplicationFailure && err.type === GeminiflowFailure.budgetExceeded;
}
