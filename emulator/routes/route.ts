import type { IncomingHttpHeaders } from 'node:http';
import type { EmulatorCore } from '../core';

export interface RouteRequest {
  /** Path captures after the API version. */
  params: string[];
  version: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  /** The body as JSON; an empty body is `{}`. */
  json(): unknown;
}

export interface RouteReply {
  status?: number;
  json?: unknown;
  headers?: Record<string, string>;
  raw?: { data: Buffer; contentType: string };
}

/** One Gemini API endpoint, named by the SDK method that calls it (for call counts and API faults). */
export interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  pattern: RegExp;
  sdkMethod: string;
  handle(req: RouteRequest, core: EmulatorCore): RouteReply | Promise<RouteReply>;
}

/** A path under any accepted API version prefix (`/v1/`, `/v1beta/`, `/v1alpha/`). */
export const apiPath = (rest: string) => new RegExp(`^/(v1|v1beta|v1alpha)/${rest}$`);
/** One path segment without a `:verb` suffix. */
export const id = '([^/:]+)';

export const pageSizeOf = (value: string | undefined) => (value === undefined ? undefined : Number(value));
