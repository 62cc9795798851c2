import { invalidArgument } from '../errors';
import { uploadUrlOf } from '../public-url';
import { apiPath, pageQuery, type Route, type RouteReply } from './route';

const header = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
const fileId = '([a-z0-9-]+)';

export const fileRoutes: Route[] = [
  {
    // Both the start request and the chunks the SDK sends to the URL it returned; the command header tells them apart.
    method: 'POST',
    pattern: /^\/upload\/(v1|v1beta|v1alpha)\/files$/,
    sdkMethod: 'files.upload',
    handle: (req, core): RouteReply => {
      const command = (header(req.headers['x-goog-upload-command']) ?? '').toLowerCase();
      const uploadId = req.query.upload_id;
      if (command.includes('start') || !uploadId) {
        if (!command.includes('start')) throw invalidArgument('Expected X-Goog-Upload-Command: start.');
        const idOfUpload = core.files.startUpload(req.json(), {
          mimeType: header(req.headers['x-goog-upload-header-content-type']),
          size: header(req.headers['x-goog-upload-header-content-length']),
        });
        return {
          json: {},
          headers: {
            'x-goog-upload-url': uploadUrlOf(
              core.publicUrl,
              req.mountPrefix,
              `/upload/${req.version}/files?upload_id=${idOfUpload}&upload_protocol=resumable`,
            ),
            'x-goog-upload-status': 'active',
          },
        };
      }
      const offsetHeader = header(req.headers['x-goog-upload-offset']);
      const file = core.files.uploadChunk(
        uploadId,
        offsetHeader === undefined ? undefined : Number(offsetHeader),
        req.rawBody,
        command.includes('finalize'),
      );
      if (!file) return { json: {}, headers: { 'x-goog-upload-status': 'active' } };
      return { json: { file: core.files.toJson(file) }, headers: { 'x-goog-upload-status': 'final' } };
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/(?:download/)?(v1|v1beta|v1alpha)/files/${fileId}:download$`),
    sdkMethod: 'files.download',
    handle: (req, core) => {
      const f = core.files.get(req.params[0]);
      return { raw: { data: f.data, contentType: f.mimeType } };
    },
  },
  {
    method: 'GET',
    pattern: apiPath('files'),
    sdkMethod: 'files.list',
    handle: (req, core) => {
      const page = core.files.list(...pageQuery(req.query));
      return {
        json: {
          files: page.files.map((f) => core.files.toJson(f)),
          ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
        },
      };
    },
  },
  {
    method: 'GET',
    pattern: apiPath(`files/${fileId}`),
    sdkMethod: 'files.get',
    handle: (req, core) => ({ json: core.files.toJson(core.files.get(req.params[0])) }),
  },
  {
    method: 'DELETE',
    pattern: apiPath(`files/${fileId}`),
    sdkMethod: 'files.delete',
    handle: (req, core) => core.files.delete(req.params[0]),
  },
];
