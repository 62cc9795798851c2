import express, { type Request, type Response } from 'express';
import type { EmulatorCore } from './core';
import { GeminiApiError } from './errors';
import { batchRoutes } from './routes/batches';
import { controlRoutes } from './routes/control';
import { fileRoutes } from './routes/files';
import { interactionRoutes } from './routes/interactions';
import { modelRoutes } from './routes/models';
import type { HandlerResult, Route, RouteReply, RouteRequest } from './routes/route';
import { webhookRoutes } from './routes/webhooks';
import type { EmulatorControl } from './types';

const versionedPath = /^\/(?:upload\/|download\/)?v1(?:beta|alpha)?\//;
const prefixBeforeVersion = /^\/.*?(?=\/(?:upload\/|download\/)?v1(?:beta|alpha)?\/)/;
const apiRoutes: Route[] = [...webhookRoutes, ...interactionRoutes, ...batchRoutes, ...fileRoutes, ...modelRoutes];

/**
 * The HTTP face of the emulator. Gemini endpoints go through one dispatcher so that authentication, call counting and
 * API faults apply the same way to all of them; the control API and the JWKS need no key.
 */
export function createApp(core: EmulatorCore, control: EmulatorControl, apiKey: string | undefined): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.raw({ type: () => true, limit: '256mb' }));

  app.get('/.well-known/jwks.json', (_req, res) => {
    res.json(core.keys.jwks());
  });

  app.use('/_emulator', async (req, res) => {
    const route = controlRoutes.find((r) => r.method === req.method && r.path === req.path);
    if (!route)
      return sendError(res, new GeminiApiError(404, `No control endpoint ${req.method} /_emulator${req.path}.`));
    await answer(res, () => route.handle(routeRequest(req, []), control));
  });

  app.use(async (req, res) => {
    // A base URL with a path prefix (a proxy mount) puts it before the version; routes start at the version.
    const mountPrefix = versionedPath.test(req.path) ? '' : (prefixBeforeVersion.exec(req.path)?.[0] ?? '');
    const path = req.path.slice(mountPrefix.length);
    let match: RegExpExecArray | null = null;
    const route = apiRoutes.find((r) => r.method === req.method && (match = r.pattern.exec(path)) !== null);
    if (!route || !match) {
      return sendError(res, new GeminiApiError(404, `Method not found: ${req.method} ${path}.`));
    }
    core.calls.note(route.sdkMethod);
    const key = req.get('x-goog-api-key');
    if (!key) {
      const why = req.get('authorization')
        ? new GeminiApiError(401, 'The emulator accepts only API keys (x-goog-api-key), not OAuth tokens.')
        : new GeminiApiError(403, "Method doesn't allow unregistered callers. Please use an API key (x-goog-api-key).");
      return sendError(res, why);
    }
    if (apiKey !== undefined && key !== apiKey) {
      return sendError(res, new GeminiApiError(400, 'API key not valid. Please pass a valid API key.'));
    }
    const fault = core.faults.takeApiFault({ sdkMethod: route.sdkMethod, method: req.method, path });
    if (fault) {
      return sendError(res, new GeminiApiError(fault.status, fault.message ?? `Injected fault: HTTP ${fault.status}.`));
    }
    const limited = core.rateLimit.admit(route.sdkMethod);
    if (limited) return sendError(res, limited);
    const m = match as RegExpExecArray;
    const request = routeRequest(req, m.slice(2));
    request.version = m[1];
    request.mountPrefix = mountPrefix;
    await answer(res, () => route.handle(request, core));
  });

  return app;
}

function routeRequest(req: Request, params: string[]): RouteRequest {
  const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const query: Record<string, string> = {};
  for (const [k, v] of new URL(req.originalUrl, 'http://x').searchParams) query[k] = v;
  return {
    params: params.map((p) => decodeURIComponent(p)),
    version: 'v1',
    mountPrefix: '',
    query,
    headers: req.headers,
    rawBody,
    json() {
      const text = rawBody.toString('utf8').trim();
      if (text === '') return {};
      try {
        return JSON.parse(text);
      } catch {
        throw new GeminiApiError(400, 'Invalid JSON payload received.');
      }
    },
  };
}

async function answer(res: Response, handle: () => HandlerResult): Promise<void> {
  let reply: RouteReply;
  try {
    reply = (await handle()) ?? {};
  } catch (err) {
    sendError(res, err);
    return;
  }
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
  res.status(reply.status ?? 200);
  if (reply.stream) {
    res.setHeader('content-type', reply.stream.contentType);
    res.setHeader('cache-control', 'no-cache');
    res.flushHeaders();
    reply.stream.start({ write: (t) => res.write(t), end: (t) => res.end(t), onClose: (l) => res.once('close', l) });
  } else if (reply.raw) {
    res.setHeader('content-type', reply.raw.contentType);
    res.end(reply.raw.data);
  } else {
    res.json(reply.json ?? {});
  }
}

function sendError(res: Response, err: unknown): void {
  const e =
    err instanceof GeminiApiError
      ? err
      : err instanceof RangeError
        ? new GeminiApiError(400, err.message)
        : new GeminiApiError(500, `Internal emulator error: ${err instanceof Error ? err.message : String(err)}`);
  for (const [k, v] of Object.entries(e.headers ?? {})) res.setHeader(k, v);
  res.status(e.code).json(e.toBody());
}
