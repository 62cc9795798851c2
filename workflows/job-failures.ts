import { ApplicationFailure } from '@temporalio/workflow';
import { GeminiflowFailure } from '../contract';

/**
 * The failure for a Gemini job that ended without a result (failed, cancelled, expired): not retryable, with Gemini's
 * reason, and a type such as `GeminiFailed` a caller can match on.
 */
export function jobEnded(what: string, eventType: string, data: Record<string, unknown>): ApplicationFailure {
  const state = eventType.split('.')[1] ?? eventType;
  const reason = typeof data.error_message === 'string' ? `: ${data.error_message}` : '';
  return ApplicationFailure.nonRetryable(
    `${what} ${state}${reason}`,
    `Gemini${state[0]!.toUpperCase()}${state.slice(1)}`,
    {
      eventType,
      errorCode: data.error_code ?? null,
    },
  );
}

/** Invalid workflow input: nothing was started, and retrying the same input cannot help. */
export function badInput(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, GeminiflowFailure.badInput);
}
