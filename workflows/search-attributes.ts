import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Search attributes that make every waiting run visible in the Temporal UI and let the receiver find the owner of a
 * Gemini resource when an event carries no user_metadata. The dev-server launcher registers exactly this list.
 */
export const GeminiResourceIds = defineSearchAttributeKey('GeminiResourceIds', SearchAttributeType.KEYWORD_LIST);
export const GeminiWaitingFor = defineSearchAttributeKey('GeminiWaitingFor', SearchAttributeType.KEYWORD);
export const GeminiWaitingSince = defineSearchAttributeKey('GeminiWaitingSince', SearchAttributeType.DATETIME);

export const searchAttributeKeys = [GeminiResourceIds, GeminiWaitingFor, GeminiWaitingSince];
