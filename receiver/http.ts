import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A `node:http` request handler: give it to `http.createServer`, or mount it as it is in Express or Connect
 * (`app.use(handler)`, or `app.use('/prefix', handler)`), where requests it does not serve go on to `next`.
 */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void;

const jsonType = 'application/json; charset=utf-8';

export function send(res: ServerResponse, status: number, body: string, extra?: Record<string, string>): void {
  res.writeHead(status, { 'content-type': jsonType, 'content-length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

/** The request's path without its query; relative to where Express mounted the handler, which sets `req.url` so. */
export function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

/** Mounted, a request the handler does not serve goes on to the next one; on its own, it is a 404. */
export function notServed(res: ServerResponse, next?: (err?: unknown) => void): void {
  if (next) next();
  else send(res, 404, '{"error":"not found"}');
}
