/**
 * The `type` of every non-retryable ApplicationFailure geminiflow raises, so callers can match on them
 * (`err.cause.type === GeminiflowFailure.jobFailed`).
 */
export const GeminiflowFailure = {
  /** The workflow input is invalid; nothing was started. */
  badInput: 'BadInput',
  badBatchInput: 'BadBatchInput',
  badBatchOutput: 'BadBatchOutput',
  /** The Gemini job ended failed / cancelled / expired (the suffix is the state). */
  jobFailed: 'GeminiFailed',
  jobCancelled: 'GeminiCancelled',
  jobExpired: 'GeminiExpired',
  /**
   * The interaction stopped short: `incomplete` (e.g. at max_output_tokens) or `budget_exceeded` (its agent config's
   * token budget). Details: a StoppedInteraction with the partial text and usage.
   */
  jobIncomplete: 'GeminiIncomplete',
  jobBudgetExceeded: 'GeminiBudgetExceeded',
  /** The interaction sat at `requires_continuation` without moving on; details carry its continuation token. */
  jobStalled: 'GeminiRequiresContinuation',
  /** The interaction reached a status this version of geminiflow does not know; details name it. */
  jobUnknownStatus: 'GeminiUnknownStatus',
  noVideoFile: 'GeminiNoVideoFile',
  interactionNotCompleted: 'InteractionNotCompleted',
  agentInteractionFailed: 'AgentInteractionFailed',
  agentStepLimitExceeded: 'AgentStepLimitExceeded',
  toolNotRunnable: 'ToolNotRunnable',
  noWorkflow: 'NoWorkflow',
  /** A fan-out stopped by its failure policy (fail-fast, stopAfter); details: its progress and the first failures. */
  fanOutStopped: 'FanOutStopped',
  /** An item a stopped fan-out never started. */
  notStarted: 'NotStarted',
  /**
   * The pipeline's budget stopped the run: `fail`, a person's denial, or no decision in time. Details: the run's
   * GeminiUsage (for a fan-out, its partial FanOutResult, which holds it).
   */
  budgetExceeded: 'BudgetExceeded',
} as const;
export type GeminiflowFailureType = (typeof GeminiflowFailure)[keyof typeof GeminiflowFailure];
