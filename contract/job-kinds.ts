/**
 * The long-running Gemini jobs geminiflow waits on, and the webhook events each one sends. Everything else (the event
 * type list, what ends a wait, the receiver's event names) is derived from this table, so a new kind of job starts
 * here: see CONTRIBUTING.md, "A new kind of Gemini job".
 */
export const jobKinds = {
  batch: {
    events: ['batch.succeeded', 'batch.failed', 'batch.expired', 'batch.cancelled'],
    /** States after which the job changes no more. */
    terminal: ['batch.succeeded', 'batch.failed', 'batch.expired', 'batch.cancelled'],
    /** States that end any wait on the job, whatever it waits for: waiting on would never end. */
    failures: ['batch.failed', 'batch.expired', 'batch.cancelled'],
    /** What a wait ends on when the caller names nothing. */
    waitsFor: ['batch.succeeded', 'batch.failed', 'batch.expired', 'batch.cancelled'],
  },
  // Video runs through interactions (Omni models); `video.generated` is an extra fact about a finished one.
  interaction: {
    events: [
      'interaction.requires_action',
      'interaction.completed',
      'interaction.failed',
      'interaction.cancelled',
      'video.generated',
    ],
    terminal: ['interaction.completed', 'interaction.failed', 'interaction.cancelled'],
    failures: ['interaction.failed', 'interaction.cancelled'],
    waitsFor: ['interaction.completed', 'interaction.failed', 'interaction.cancelled', 'interaction.requires_action'],
  },
} as const;

export type GeminiResourceKind = keyof typeof jobKinds;
export const geminiResourceKinds = Object.keys(jobKinds) as GeminiResourceKind[];

/** The event types Gemini documents, after the receiver's lenient normalisation. */
export type GeminiEventType = (typeof jobKinds)[GeminiResourceKind]['events'][number];
export const geminiEventTypes = geminiResourceKinds.flatMap((k) => jobKinds[k].events) as readonly GeminiEventType[];

/** The kind of job an event type is about (`video.generated` is about an interaction). */
export function kindOfEvent(type: GeminiEventType): GeminiResourceKind {
  return geminiResourceKinds.find((k) => (jobKinds[k].events as readonly string[]).includes(type))!;
}
