import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { logger as rootLogger } from '../common/logger';
import { createReceiver } from './create-receiver';
import type { ReceiverOptions } from './options';

export type { ReceiverOptions } from './options';

export interface RunningReceiver {
  /** The full webhook URL to register with Gemini (or the emulator). */
  url: string;
  port: number;
  /** The operations listener (`/metrics`, `/readyz`), when `opsPort` was given. */
  opsUrl?: string;
  stop(): Promise<void>;
}

async function listen(port: number, host: string): Promise<{ server: Server; port: number; base: string }> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  // Bounds for slow or stalled clients; Gemini itself answers quickly.
  server.requestTimeout = 15_000;
  server.headersTimeout = 10_000;
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return { server, port: bound, base: `http://${shownHost}:${bound}` };
}

function close(server: Server, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), graceMs).unref();
  });
}

/**
 * Starts the receiver on its own port (and the operations app on `opsPort`). The Temporal connection is made in the
 * background and is long-lived, so the receiver comes up (and answers 503) while Temporal is down, and recovers by
 * itself when it is back. Without `publicUrl`, the listening URL is the JWT audience.
 */
export async function startReceiver(options: ReceiverOptions): Promise<RunningReceiver> {
  const host = options.host ?? '127.0.0.1';
  const path = options.path ?? '/webhooks/gemini';
  const web = await listen(options.port ?? 0, host);
  const ops = options.opsPort === undefined ? undefined : await listen(options.opsPort, options.opsHost ?? '127.0.0.1');
  const url = `${web.base}${path}`;
  let receiver;
  try {
    receiver = await createReceiver({ ...options, publicUrl: options.publicUrl ?? url });
  } catch (err) {
    await Promise.all([close(web.server, 0), ops && close(ops.server, 0)]);
    throw err;
  }
  // The plain handlers: a standalone receiver pays nothing for Express.
  web.server.on('request', receiver.handler);
  ops?.server.on('request', receiver.opsHandler);
  const logger = (options.logger ?? rootLogger).child({ component: 'receiver' });
  logger.info(
    { url, opsUrl: ops?.base, temporal: options.temporal.address, secretCount: options.secrets?.length ?? 0 },
    'receiver listening',
  );

  const graceMs = (options.ackTimeoutMs ?? 2000) + 500;
  let stopping: Promise<void> | undefined;
  return {
    url,
    port: web.port,
    opsUrl: ops?.base,
    /** Lets in-flight deliveries finish (each is bounded by the ack timeout), then closes the Temporal connection. */
    stop: () =>
      (stopping ??= (async () => {
        await Promise.all([close(web.server, graceMs), ops && close(ops.server, 0)]);
        await receiver.close();
      })()),
  };
}
