/**
 * The models and agents geminiflow uses when a workflow input names none; every workflow takes its own as an input.
 * `gemini-flash-latest` is SDK 3.1.0's alias for the current Flash model, so the default does not go stale.
 */
export const defaultTextModel = 'gemini-flash-latest';
/** Video through Interactions runs on Omni models (Veo is served only by generateVideos). */
export const defaultVideoModel = 'gemini-omni-1.1-flash';
export const defaultDeepResearchAgent = 'deep-research-preview-04-2026';
