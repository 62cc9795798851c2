import { apiPath, id, pageQuery, type Route } from './route';

export const batchRoutes: Route[] = [
  {
    method: 'POST',
    pattern: apiPath(`models/${id}(?::batchGenerateContent|:batchCreate)`),
    sdkMethod: 'batches.create',
    handle: (req, core) => ({ json: core.batches.create(req.params[0], req.json()) }),
  },
  {
    method: 'GET',
    pattern: apiPath('batches'),
    sdkMethod: 'batches.list',
    handle: (req, core) => ({ json: core.batches.list(...pageQuery(req.query)) }),
  },
  {
    method: 'GET',
    pattern: apiPath(`batches/${id}`),
    sdkMethod: 'batches.get',
    handle: (req, core) => ({ json: core.batches.get(req.params[0]) }),
  },
  {
    method: 'POST',
    pattern: apiPath(`batches/${id}(?::cancel|/cancel)`),
    sdkMethod: 'batches.cancel',
    handle: (req, core) => core.batches.cancel(req.params[0]),
  },
  {
    method: 'DELETE',
    pattern: apiPath(`batches/${id}`),
    sdkMethod: 'batches.delete',
    handle: (req, core) => core.batches.delete(req.params[0]),
  },
  {
    method: 'POST',
    pattern: apiPath(`batches/${id}:delete`),
    sdkMethod: 'batches.delete',
    handle: (req, core) => core.batches.delete(req.params[0]),
  },
];
