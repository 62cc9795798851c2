import type { EmulatorCore } from '../core';
import { field, isRecord } from '../fields';
import { closingEvents, formatEvents, openingEvents, streamEnd } from '../interaction-stream';
import { apiPath, id, type Route, type RouteReply } from './route';

const eventStream = 'text/event-stream';

/**
 * A streamed answer. A running background interaction keeps the stream open until it stops running (the SDK's
 * `get(id, {stream: true})` and `create({stream: true, background: true})` read it to the end).
 */
function sse(core: EmulatorCore, interaction: Record<string, unknown>): RouteReply {
  const running = core.interactions.isRunning(String(interaction.id));
  const opening = openingEvents(interaction, running);
  if (!running) {
    return { raw: { data: Buffer.from(formatEvents(opening) + streamEnd), contentType: eventStream } };
  }
  return {
    stream: {
      contentType: eventStream,
      start(sink) {
        sink.write(formatEvents(opening));
        const unsubscribe = core.interactions.onSettled(String(interaction.id), (settled) => {
          sink.end((settled ? formatEvents(closingEvents(settled), opening.length) : '') + streamEnd);
        });
        sink.onClose(unsubscribe);
      },
    },
  };
}

export const interactionRoutes: Route[] = [
  {
    method: 'POST',
    pattern: apiPath('interactions'),
    sdkMethod: 'interactions.create',
    handle: (req, core) => {
      const body = req.json();
      const interaction = core.interactions.create(body);
      return isRecord(body) && body.stream === true ? sse(core, interaction) : { json: interaction };
    },
  },
  {
    method: 'GET',
    pattern: apiPath(`interactions/${id}`),
    sdkMethod: 'interactions.get',
    handle: (req, core) => {
      const interaction = core.interactions.get(req.params[0], field(req.query, 'include_input') === 'true');
      return req.query.stream === 'true' ? sse(core, interaction) : { json: interaction };
    },
  },
  {
    method: 'POST',
    pattern: apiPath(`interactions/${id}(?:/cancel|:cancel)`),
    sdkMethod: 'interactions.cancel',
    handle: (req, core) => ({ json: core.interactions.cancel(req.params[0]) }),
  },
  {
    method: 'DELETE',
    pattern: apiPath(`interactions/${id}`),
    sdkMethod: 'interactions.delete',
    handle: (req, core) => core.interactions.delete(req.params[0]),
  },
];
