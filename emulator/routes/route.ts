import type { IncomingHttpHeaders } from 'node:http';
import type { EmulatorCore } from '../core';
import { field } from '../fields';

export interface RouteRequest {
  /** Path captures after the API version. */
  params: string[];
  version: string;
  /** The path before the API version when the client came through a mount (`/gemini` for `/gemini/v1/...`), else ''. */
  mountPrefix: string;
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
  /** A body written over time (a stream that follows a running job); `start` gets the open response. */
  stream?: { contentType: string; start(sink: StreamSink): void };
}

export interface StreamSink {
  write(text: string): void;
  end(text?: string): void;
  /** `listener` runs when the response closes, whether it ended or the client went away. */
  onClose(listener: () => void): void;
}

/** What a handler returns; nothing means an empty JSON object, as Gemini answers a delete or a cancel. */
// biome-ignore lint/suspicious/noConfusingVoidType: a handler that returns nothing answers `{}`.
export type HandlerResult = RouteReply | void | Promise<RouteReply | void>;

/** One Gemini API endpoint, named by the SDK method that calls it (for call counts and API faults). */
export interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  pattern: RegExp;
  sdkMethod: string;
  handle(req: RouteRequest, core: EmulatorCore): HandlerResult;
}

/** A path under any accepted API version prefix (`/v1/`, `/v1beta/`, `/v1alpha/`). */
export const apiPath = (rest: string) => new RegExp(`^/(v1|v1beta|v1alpha)/${rest}$`);
/** One path segment without a `:verb` suffix. */
export const id = '([^/:]+)';

/** A list call's page size and token, in either spelling: the arguments of the services' `list`. */
export function pageQuery(
  query: Record<string, string>,
): [pageSize: number | undefined, pageToken: string | undefined] {
  const size = field<string>(query, 'page_size');
  return [size === undefined ? undefined : Number(size), field<string>(query, 'page_token')];
}
