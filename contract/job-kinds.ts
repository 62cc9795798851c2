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
      // Statuses of @google/genai 3.6 Gemini documents no webhook event for (see interaction-status.ts): the receiver
      // takes plausible names for the first two, and the reconciliation backstop reads all four.
      'interaction.incomplete',
      'interaction.budget_exceeded',
      'interaction.requires_continuation',
      'interaction.unknown_status',
    ],
    terminal: [
      'interaction.completed',
      'interaction.failed',
      'interaction.cancelled',
      'interaction.incomplete',
      'interaction.budget_exceeded',
    ],
    // A stalled continuation and a status this version does not know end a wait too, but may not be final.
    failures: [
      'interaction.failed',
      'interaction.cancelled',
      'interaction.incomplete',
      'interaction.budget_exceeded',
      'interaction.requires_continuation',
      'interaction.unknown_status',
    ],
    waitsFor: ['interaction.completed', 'interaction.failed', 'interaction.cancelled', 'interaction.requires_action'],
  },
} as const;

export type GeminiResourceKind = keyof typeof jobKinds;
export const geminiResourceKinds = Object.keys(jobKinds) as GeminiResourceKind[];

/** The event types Gemini documents, after the receiver's lenient normalisation. */
export type GeminiEventType = (typeof jobKinds)[GeminiResourceKind]['events'][number];
export const geminiEventTypes = geminiResourceKinds.flatMap((k) => jobKinds[k].events) as readonly GeminiEventType[];

/** What geminiflow makes of a status read; never a webhook's name, so never subscribed to or taken from a delivery. */
const readOnlyTypes: readonly string[] = ['interaction.requires_continuation', 'interaction.unknown_status'];
/** Not in Gemini's event catalog, so a registered webhook cannot subscribe to them. */
const undocumentedTypes: readonly string[] = [
  ...readOnlyTypes,
  'interaction.incomplete',
  'interaction.budget_exceeded',
];

/** The event types a delivery may carry (after the receiver's lenient normalisation). */
export const deliveredEventTypes = geminiEventTypes.filter((t) => !readOnlyTypes.includes(t));
/** The nine event types Gemini's guide lists: what a registered webhook subscribes to. */
export const webhookEventTypes = geminiEventTypes.filter((t) => !undocumentedTypes.includes(t));

/** The kind of job an event type is about (`video.generated` is about an interaction). */
export function kindOfEvent(type: GeminiEventType): GeminiResourceKind {
  return geminiResourceKinds.find((k) => (jobKinds[k].events as readonly string[]).includes(type))!;
}
