// Usage and budgets: what a run's Gemini jobs used, summed up a pipeline, and a budget that holds across it.

export type { BudgetCarry, GeminiUsageCarry } from './carry';
export {
  type ChildOptions,
  GeminiUsageTracker,
  type TrackUsageOptions,
  trackGeminiUsage,
  usageMemoPatch,
} from './tracker';
