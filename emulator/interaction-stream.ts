/**
 * Server-sent events for `stream: true` interactions, in the shape SDK 3.1.0 parses: `interaction.created`, then per
 * output step `step.start` / `step.delta` / `step.stop`, then `interaction.completed` (or a status update for a
 * still-running background job), then `[DONE]`.
 */
export function interactionEventStream(interaction: Record<string, unknown>): Buffer {
  const { steps = [], ...rest } = interaction as { steps?: Record<string, unknown>[] };
  const events: Record<string, unknown>[] = [
    { event_type: 'interaction.created', interaction: { ...rest, status: 'in_progress' } },
  ];
  if (interaction.status === 'in_progress') {
    events.push({ event_type: 'interaction.status_update', interaction_id: interaction.id, status: 'in_progress' });
  } else {
    steps.forEach((step, index) => {
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
  }
  const text = events
    .map((e, i) => `event: ${e.event_type}\ndata: ${JSON.stringify({ ...e, event_id: `evt_${i}` })}\n\n`)
    .join('');
  return Buffer.from(`${text}data: [DONE]\n\n`);
}
