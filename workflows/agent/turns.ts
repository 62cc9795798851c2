import { ApplicationFailure, patched } from '@temporalio/workflow';
import {
  type AgentInteraction,
  type AgentTurnRequest,
  eventTypeOfStatus,
  type FunctionTool,
  GeminiflowFailure,
  isRunningStatus,
} from '../../contract';
import { createAgentInteraction, getAgentInteraction } from '../activities';
import { isStoppedShort, jobEnded, stoppedShort } from '../job-failures';
import type { GeminiEvents, WaitSettings } from '../wait-for-gemini-event';
import type { AnsweredCall } from './tool-calls';
import type { Transcript } from './transcript';
import type { AgentReply } from './types';

export interface TurnDeps {
  events: GeminiEvents;
  transcript: Transcript;
  model: string;
  systemInstruction?: string;
  declarations: FunctionTool[];
  maxSteps: number;
  wait?: WaitSettings;
  answerCall(
    call: AgentInteraction['functionCalls'][number],
    interactionId: string,
    turn: number,
  ): Promise<AnsweredCall>;
  /** Where the agent is, for its state query. */
  onThinking(interactionId?: string): void;
  onRunningTools(): void;
  /** Before each interaction starts: the run's budget may ask a person, or stop the run. */
  beforeInteraction(): Promise<void>;
  /** Each interaction once it has stopped running, with the usage Gemini reports for it. */
  onSettled(interaction: AgentInteraction): void;
}

/**
 * One message answered: a chain of interactions (previous_interaction_id), each waited for by webhook, with the
 * model's function calls answered in between, until the model replies in text.
 */
export function createTurnRunner(deps: TurnDeps) {
  let interactionsStarted = 0;

  const startInteraction = async (
    next: AgentTurnRequest['input'],
    previousInteractionId: string | undefined,
  ): Promise<AgentInteraction> => {
    await deps.beforeInteraction();
    deps.onThinking();
    const started = await createAgentInteraction({
      model: deps.model,
      input: next,
      tools: deps.declarations,
      systemInstruction: deps.systemInstruction,
      previousInteractionId,
    });
    deps.onThinking(started.id);
    interactionsStarted++;
    deps.events.track({ kind: 'interaction', id: started.id });
    return started;
  };

  /** Waits for the model to answer or to ask for tools, then reads what it said. */
  const settle = async (interaction: AgentInteraction): Promise<AgentInteraction> => {
    if (!stillRunning(interaction.status)) return interaction;
    await deps.events.waitFor(
      { kind: 'interaction', id: interaction.id },
      { until: ['interaction.requires_action', 'interaction.completed'], ...deps.wait },
    );
    return getAgentInteraction(interaction.id);
  };

  const runTurn = async (turn: number, text: string, lastInteractionId: string | undefined): Promise<AgentReply> => {
    deps.transcript.add({ kind: 'user', turn, text });
    let interaction = await startInteraction({ text }, lastInteractionId);
    for (let step = 1; ; step++) {
      interaction = await settle(interaction);
      deps.onSettled(interaction);
      if (interaction.status === 'completed') {
        deps.transcript.add({ kind: 'model', turn, text: interaction.outputText, interactionId: interaction.id });
        return { turn, reply: interaction.outputText, interactionId: interaction.id };
      }
      if (interaction.status !== 'requires_action' || interaction.functionCalls.length === 0) {
        throwIfUnfinished(interaction);
        const why = interaction.error ? `: ${interaction.error}` : '';
        throw ApplicationFailure.nonRetryable(
          `interaction ${interaction.id} ended ${interaction.status}${why}`,
          GeminiflowFailure.agentInteractionFailed,
        );
      }
      if (step > deps.maxSteps) {
        throw ApplicationFailure.nonRetryable(
          `the model asked for tools ${deps.maxSteps} times for one message without answering (step limit)`,
          GeminiflowFailure.agentStepLimitExceeded,
        );
      }
      const asked = interaction;
      deps.onRunningTools();
      // Independent calls run side by side; each waits for its own approval, if it needs one.
      const answered = await Promise.all(asked.functionCalls.map((call) => deps.answerCall(call, asked.id, turn)));
      for (const { entry } of answered) deps.transcript.add(entry);
      interaction = await startInteraction({ functionResults: answered.map((a) => a.answer) }, asked.id);
    }
  };

  return { runTurn, interactionsStarted: () => interactionsStarted };
}

/** Whether to wait for an interaction in this status. Statuses of SDK 3.6 beyond these two are new waits. */
function stillRunning(status: string): boolean {
  if (status === 'in_progress' || status === 'queued') return true;
  return isRunningStatus(status) && patched('agent-waits-on-new-statuses');
}

/**
 * A turn that stopped short fails with what the model wrote so far (GeminiIncomplete, GeminiBudgetExceeded); one in a
 * status geminiflow does not know (or a stalled continuation) fails naming it.
 */
function throwIfUnfinished(interaction: AgentInteraction): void {
  const what = `the model's turn (interaction ${interaction.id})`;
  if (isStoppedShort(interaction.status)) throw stoppedShort(what, { ...interaction, status: interaction.status });
  const type = eventTypeOfStatus(interaction.status);
  if (type === 'interaction.unknown_status' || type === 'interaction.requires_continuation') {
    throw jobEnded(what, type, { status: interaction.status });
  }
}
