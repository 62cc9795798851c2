import type { EmulatorCore } from '../core';
import { GeminiApiError, invalidArgument } from '../errors';
import { isRecord } from '../fields';
import { apiPath, id, type Route, type RouteRequest } from './route';

/** The model's GenerateContentResponse; a request the model fails is answered like any Gemini error. */
function generate(req: RouteRequest, core: EmulatorCore): Record<string, unknown> {
  const body = req.json();
  if (!isRecord(body) || !Array.isArray(body.contents)) throw invalidArgument('contents is required.');
  const result = core.model.generateContent(decodeURIComponent(req.params[0]), body);
  if ('error' in result) throw new GeminiApiError(result.error.code, result.error.message, result.error.status);
  return result.response;
}

export const modelRoutes: Route[] = [
  {
    method: 'POST',
    pattern: apiPath(`models/${id}:generateContent`),
    sdkMethod: 'models.generateContent',
    handle: (req, core) => ({ json: generate(req, core) }),
  },
  {
    method: 'POST',
    pattern: apiPath(`models/${id}:streamGenerateContent`),
    sdkMethod: 'models.generateContentStream',
    handle: (req, core) => ({
      raw: {
        data: Buffer.from(`data: ${JSON.stringify(generate(req, core))}\r\n\r\n`),
        contentType: 'text/event-stream',
      },
    }),
  },
];
