/** What tests script the deterministic model with (control `model.addInteractionRule` / `addBatchRule`). */

export interface ScriptedFunctionCall {
  name: string;
  arguments?: Record<string, unknown>;
  /** Defaults to a deterministic id. */
  id?: string;
}

/** What the model does in one turn of a conversation (one interaction in a previous_interaction_id chain). */
export interface ScriptedTurn {
  /** Function calls to make; the interaction ends in requires_action. */
  functionCalls?: ScriptedFunctionCall[];
  /** Final text; the interaction completes with it. */
  text?: string;
  /** The interaction fails with this error. */
  fail?: { code?: string; message?: string };
  /**
   * The interaction stops in this status, with a partial answer: `incomplete`, `budget_exceeded`,
   * `requires_continuation` (with a continuation token), `idle`, `queued`, or any other word (a status unknown to
   * the SDK). Its webhook follows `statusEvents`.
   */
  end?: string;
  /** Statuses a background interaction shows first, each for `ms` emulator ms, before it runs `durationMs`. */
  phases?: StatusPhase[];
  /** How long the turn takes when background (emulator ms). */
  durationMs?: number;
}

export interface StatusPhase {
  status: string;
  ms: number;
}

/**
 * The webhook an interaction that ends in a status of its own (`[[end STATUS]]`) sends, since Gemini documents none:
 * `status` (default) `interaction.<status>`; `completed` `interaction.completed`; `failed` `interaction.failed` with
 * `error_code` STATUS; `none` nothing. Each carries `data.status`.
 */
export type StatusEvents = 'status' | 'completed' | 'failed' | 'none';
export const statusEventsChoices: readonly StatusEvents[] = ['status', 'completed', 'failed', 'none'];

export interface InteractionRuleMatch {
  /** Exact model name (with or without 'models/'). */
  model?: string;
  /** Exact agent name. */
  agent?: string;
  /** Substring of the first turn's input text. */
  inputIncludes?: string;
  /** The request offers a function tool with this name. */
  toolName?: string;
}

/** A scripted conversation: turn i of a matching chain plays `turns[i]`; past the end, the last turn repeats. */
export interface InteractionRule {
  match?: InteractionRuleMatch;
  turns: ScriptedTurn[];
}

export interface BatchRuleMatch {
  displayName?: string;
  model?: string;
}

export interface BatchRule {
  match?: BatchRuleMatch;
  /** Request keys whose output line is an error. */
  failKeys?: string[];
  /** The whole batch fails (BATCH_STATE_FAILED, batch.failed). */
  fail?: { code?: string; message?: string };
  /** Emulator ms to the terminal state; 48 h or more means it expires. */
  durationMs?: number;
  /** Expire at the 48 h mark regardless of duration. */
  expire?: boolean;
}
