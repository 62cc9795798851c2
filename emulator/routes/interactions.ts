import { field, isRecord } from '../fields';
import { interactionEventStream } from '../interaction-stream';
import { apiPath, id, type Route, type RouteReply } from './route';

const sse = (interaction: Record<string, unknown>): RouteReply => ({
  raw: { data: interactionEventStream(interaction), contentType: 'text/event-stream' },
});

export const interactionRoutes: Route[] = [
  {
    method: 'POST',
    pattern: apiPath('interactions'),
    sdkMethod: 'interactions.create',
    handle: (req, core) => {
      const body = req.json();
      const interaction = core.interactions.create(body);
      return isRecord(body) && body.stream === true ? sse(interaction) : { json: interaction };
    },
  },
  {
    method: 'GET',
    pattern: apiPath(`interactions/${id}`),
    sdkMethod: 'interactions.get',
    handle: (req, core) => {
      const interaction = core.interactions.get(req.params[0], field(req.query, 'include_input') === 'true');
      return req.query.stream === 'true' ? sse(interaction) : { json: interaction };
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
