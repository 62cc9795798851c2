import { field, isRecord } from '../fields';
import { apiPath, id, pageQuery, type Route } from './route';

export const webhookRoutes: Route[] = [
  {
    method: 'POST',
    pattern: apiPath('webhooks'),
    sdkMethod: 'webhooks.create',
    handle: (req, core) => {
      const { webhook, secret } = core.registry.create(req.json());
      return { json: core.registry.toJson(webhook, secret) };
    },
  },
  {
    method: 'GET',
    pattern: apiPath('webhooks'),
    sdkMethod: 'webhooks.list',
    handle: (req, core) => {
      const page = core.registry.list(...pageQuery(req.query));
      return {
        json: {
          webhooks: page.webhooks.map((w) => core.registry.toJson(w)),
          ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
        },
      };
    },
  },
  {
    method: 'GET',
    pattern: apiPath(`webhooks/${id}`),
    sdkMethod: 'webhooks.get',
    handle: (req, core) => ({ json: core.registry.toJson(core.registry.get(req.params[0])) }),
  },
  {
    method: 'PATCH',
    pattern: apiPath(`webhooks/${id}`),
    sdkMethod: 'webhooks.update',
    handle: (req, core) => {
      const w = core.registry.update(req.params[0], req.json(), field(req.query, 'update_mask'));
      return { json: core.registry.toJson(w) };
    },
  },
  {
    method: 'DELETE',
    pattern: apiPath(`webhooks/${id}`),
    sdkMethod: 'webhooks.delete',
    handle: (req, core) => core.registry.delete(req.params[0]),
  },
  {
    method: 'POST',
    pattern: apiPath(`webhooks/${id}(?::rotateSigningSecret|/rotateSigningSecret|/rotate_secret|:rotate_secret)`),
    sdkMethod: 'webhooks.rotateSigningSecret',
    handle: (req, core) => {
      const body = req.json();
      const behavior = isRecord(body) ? field(body, 'revocation_behavior') : undefined;
      return { json: { secret: core.registry.rotate(req.params[0], behavior) } };
    },
  },
  {
    method: 'POST',
    pattern: apiPath(`webhooks/${id}(?::ping|/ping)`),
    sdkMethod: 'webhooks.ping',
    handle: (req, core) => void core.publisher.ping(core.registry.assertPingable(req.params[0])),
  },
];
