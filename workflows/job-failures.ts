import { ApplicationFailure } from '@temporalio/workflow';
import {
  type AgentInteraction,
  GeminiflowFailure,
  type StoppedInteraction,
  type StoppedShortStatus,
  stoppedShortStatuses,
} from '../contract';

const pascal = (snake: string) =>
  snake
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

/**
 * The failure for a Gemini job that ended without a result (failed, cancelled, expired, stalled, a status geminiflow
 * does not know): not retryable, naming the state and Gemini's reason, with a type such as `GeminiFailed` or
 * `GeminiUnknownStatus` a caller can match on (GeminiflowFailure).
 */
export function jobEnded(what: string, eventType: string, data: Record<string, unknown>): ApplicationFailure {
  const state = eventType.split('.')[1] ?? eventType;
  const reason = typeof data.error_message === 'string' ? `: ${data.error_message}` : '';
  const status = typeof data.status === 'string' ? data.status : undefined;
  const message =
    state === 'unknown_status'
      ? `${what} ended in status ${JSON.stringify(status)}, which this version of geminiflow does not know`
      : state === 'requires_continuation'
        ? `${what} stalled at requires_continuation: Gemini did not continue it`
        : `${what} ${state}${reason}`;
  return ApplicationFailure.nonRetryable(message, `Gemini${pascal(state)}`, {
    eventType,
    errorCode: data.error_code ?? null,
    ...(status ? { status } : {}),
    ...(typeof data.continuation_token === 'string' ? { continuationToken: data.continuation_token } : {}),
  });
}

export function isStoppedShort(status: string): status is StoppedShortStatus {
  return (stoppedShortStatuses as readonly string[]).includes(status);
}

/**
 * The failure for an interaction that stopped short (`incomplete`, `budget_exceeded`): `GeminiIncomplete` or
 * `GeminiBudgetExceeded`, with what Gemini kept (partial text, usage) as a StoppedInteraction in its details.
 */
export function stoppedShort(
  what: string,
  interaction: AgentInteraction & { status: StoppedShortStatus },
): ApplicationFailure {
  const details: StoppedInteraction = {
    interactionId: interaction.id,
    status: interaction.status,
    partialText: interaction.outputText,
    ...(interaction.usage ? { usage: interaction.usage } : {}),
  };
  const type =
    interaction.status === 'incomplete' ? GeminiflowFailure.jobIncomplete : GeminiflowFailure.jobBudgetExceeded;
  const tokens = interaction.usage?.totalTokens;
  return ApplicationFailure.nonRetryable(
    `${what} ended ${interaction.status}${tokens !== undefined ? ` after ${tokens} tokens` : ''}, ` +
      `with ${details.partialText.length} characters of partial output`,
    type,
    details,
  );
}

/** Invalid workflow input: nothing was started, and retrying the same input cannot help. */
export function badInput(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, GeminiflowFailure.badInput);
}
