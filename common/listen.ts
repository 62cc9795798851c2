import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listening {
  server: Server;
  /** The bound port (the free one chosen when 0 was asked for). */
  port: number;
  /** `http://host:port`, with a wildcard host shown as loopback, which at least this machine reaches. */
  url: string;
  /**
   * Stops accepting connections, closes idle ones at once, lets requests in flight finish for up to `graceMs`, then
   * drops whatever is left. Resolves when the server has closed; safe to call more than once.
   */
  close(graceMs?: number): Promise<void>;
}

/** The URL of a listening socket; a wildcard address is shown as loopback. */
export function urlOf(host: string, port: number): string {
  let shown = host;
  if (shown === '0.0.0.0' || shown === '') shown = '127.0.0.1';
  if (shown === '::') shown = '::1';
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}

/**
 * One way for every server of geminiflow (receiver, console, emulator) to listen: a port of 0 takes a free one, a
 * port in use is an error naming it (never a process that hangs), and `close` drains with a bound.
 */
export async function listen(
  handler: RequestListener | undefined,
  opts: { port?: number; host?: string; what: string },
): Promise<Listening> {
  const host = opts.host ?? '127.0.0.1';
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? Object.assign(
              new Error(`${opts.what}: port ${opts.port} on ${host} is in use (another process listens there)`),
              {
                code: err.code,
              },
            )
          : err,
      );
    server.once('error', failed);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    server,
    port,
    url: urlOf(host, port),
    close: (graceMs = 0) =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // A connection whose request finishes within the grace would otherwise stay open for its keep-alive time.
        server.keepAliveTimeout = 1;
        if (graceMs <= 0) server.closeAllConnections();
        else setTimeout(() => server.closeAllConnections(), graceMs).unref();
      })),
  };
}
