import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Each key's type is written out through what the SDK exports: inferred, the declarations users compile against would
// name the SDK's internal module (`@temporalio/common/lib/...`), where its key type lives.

/**
 * Search attributes that make every waiting run visible in the Temporal UI and let the receiver find the owner of a
 * Gemini resource when an event carries no user_metadata. Workers and receivers check this exact list at start.
 */
export const GeminiResourceIds: ReturnType<typeof defineSearchAttributeKey<typeof SearchAttributeType.KEYWORD_LIST>> =
  defineSearchAttributeKey('GeminiResourceIds', SearchAttributeType.KEYWORD_LIST);
export const GeminiWaitingFor: ReturnType<typeof defineSearchAttributeKey<typeof SearchAttributeType.KEYWORD>> =
  defineSearchAttributeKey('GeminiWaitingFor', SearchAttributeType.KEYWORD);
export const GeminiWaitingSince: ReturnType<typeof defineSearchAttributeKey<typeof SearchAttributeType.DATETIME>> =
  defineSearchAttributeKey('GeminiWaitingSince', SearchAttributeType.DATETIME);
/**
 * A fan-out's counts as one line ("done 120, failed 3, running 50, left 827 of 1000"): one Keyword, the most plentiful
 * type in SQL visibility (10 per namespace against 3 Int), instead of an Int per count; the numbers are also in the
 * memo `fanOutProgress` and the `fanOutProgress` query.
 */
export const GeminiFanOutProgress: ReturnType<typeof defineSearchAttributeKey<typeof SearchAttributeType.KEYWORD>> =
  defineSearchAttributeKey('GeminiFanOutProgress', SearchAttributeType.KEYWORD);

/** The tools whose calls wait for a person's decision in this run (set when a call opens, cleared when it closes). */
export const GeminiPendingApprovals: ReturnType<
  typeof defineSearchAttributeKey<typeof SearchAttributeType.KEYWORD_LIST>
> = defineSearchAttributeKey('GeminiPendingApprovals', SearchAttributeType.KEYWORD_LIST);

export const searchAttributeKeys = [
  GeminiResourceIds,
  GeminiWaitingFor,
  GeminiWaitingSince,
  GeminiPendingApprovals,
  GeminiFanOutProgress,
];

/** How many resource ids GeminiResourceIds keeps (about 40 bytes each, within Temporal's 2 KiB per value). */
export const maxTrackedIds = 20;
