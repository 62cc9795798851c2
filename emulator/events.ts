/** The nine event types Gemini's guide lists (the SDK enum has seven; its type is open, so all nine are accepted). */
export const eventTypes = [
  'batch.succeeded',
  'batch.failed',
  'batch.expired',
  'batch.cancelled',
  'interaction.requires_action',
  'interaction.completed',
  'interaction.failed',
  'interaction.cancelled',
  'video.generated',
] as const;
export type EventType = (typeof eventTypes)[number];

/** What `webhooks.ping` sends; Gemini does not document its ping body, so this type is the emulator's choice. */
export const pingEventType = 'webhook.ping';
