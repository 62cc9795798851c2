/**
 * Server-sent events for `stream: true` interactions, in the shape the SDK (3.1.0 to 3.6.1) parses: `interaction.created`, then per
 * output step `step.start` / `step.delta` / `step.stop`, then `interaction.completed`, then `[DONE]`. A background
 * interaction still running sends `interaction.status_update` first and the rest once it stops running.
 */

type SseEvent = Record<string, unknown> & { event_type: string };
type Interaction = Record<string, unknown> & { steps?: Record<string, unknown>[] };

export const streamEnd = 'data: [DONE]\n\n';

/** The events up to the current state: all of them for a finished interaction, the opening ones for a running one. */
export function openingEvents(interaction: Interaction, running: boolean): SseEvent[] {
  const { steps: _steps, ...rest } = interaction;
  const created: SseEvent = { event_type: 'interaction.created', interaction: { ...rest, status: 'in_progress' } };
  if (running) {
    // The status it runs in: in_progress, or a scripted phase such as queued.
    const update = {
      event_type: 'interaction.status_update',
      interaction_id: interaction.id,
      status: interaction.status,
    };
    return [created, update];
  }
  return [created, ...closingEvents(interaction)];
}

/** The events of an interaction that stopped running: its output steps, then `interaction.completed` with it. */
export function closingEvents(interaction: Interaction): SseEvent[] {
  const events: SseEvent[] = [];
  (interaction.steps ?? []).forEach((step, index) => {
    const content = Array.isArray(step.content) ? (step.content as Record<string, unknown>[]) : undefined;
    if (step.type === 'model_output' && content) {
      events.push({ event_type: 'step.start', index, step: { ...step, content: [] } });
      for (const block of content) {
        events.push({
          event_type: 'step.delta',
          index,
          delta: block.type === 'text' ? { type: 'text', text: block.text } : block,
        });
      }
    } else {
      events.push({ event_type: 'step.start', index, step });
    }
    events.push({ event_type: 'step.stop', index });
  });
  events.push({ event_type: 'interaction.completed', interaction });
  return events;
}

/** SSE text for `events`, numbering their `event_id`s from `firstIndex` so a stream sent in parts stays in sequence. */
export function formatEvents(events: SseEvent[], firstIndex = 0): string {
  return events
    .map((e, i) => `event: ${e.event_type}\ndata: ${JSON.stringify({ ...e, event_id: `evt_${firstIndex + i}` })}\n\n`)
    .join('');
}
