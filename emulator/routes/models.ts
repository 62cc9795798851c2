import { isRecord } from '../fields';
import { invalidArgument } from '../errors';
import { apiPath, id, type Route } from './route';

export const modelRoutes: Route[] = [
  {
    method: 'POST',
    pattern: apiPath(`models/${id}:generateContent`),
    sdkMethod: 'models.generateContent',
    handle: (req, core) => {
      const body = req.json();
      if (!isRecord(body) || !Array.isArray(body.contents)) throw invalidArgument('contents is required.');
      const result = core.model.generateContent(decodeURIComponent(req.params[0]), body);
      if ('error' in result) return { status: result.error.code, json: result };
      return { json: result.response };
    },
  },
  {
    method: 'POST',
    pattern: apiPath(`models/${id}:streamGenerateContent`),
    sdkMethod: 'models.generateContentStream',
    handle: (req, core) => {
      const body = req.json();
      if (!isRecord(body) || !Array.isArray(body.contents)) throw invalidArgument('contents is required.');
      const result = core.model.generateContent(decodeURIComponent(req.params[0]), body);
      if ('error' in result) return { status: result.error.code, json: result };
      return {
        raw: {
          data: Buffer.from(`data: ${JSON.stringify(result.response)}\r\n\r\n`),
          contentType: 'text/event-stream',
        },
      };
    },
  },
];
