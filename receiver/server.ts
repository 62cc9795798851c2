import { type Listening, listen } from '../common/listen';
import { logger as rootLogger } from '../common/logger';
import { stopOnShutdownSignal } from '../common/shutdown';
import { createReceiver, type GeminiReceiver } from './create-receiver';
import type { ReceiverOptions } from './options';

export type { ReceiverOptions } from './options';

export interface RunningReceiver {
  /** The full webhook URL to register with Gemini (or the emulator). */
  url: string;
  port: number;
  /** The operations listener (`/metrics`, `/readyz`), when `opsPort` was given. */
  opsUrl?: string;
  /** Lets in-flight deliveries finish (bounded by the ack timeout), then closes the Temporal connection. */
  stop(): Promise<void>;
}

/**
 * Starts the receiver on its own port (and the operations routes on `opsPort`). The Temporal connection is made in the
 * background and is long-lived, so the receiver comes up (and answers 503) while Temporal is down, and recovers by
 * itself when it is back. Without `publicUrl`, the listening URL is the JWT audience.
 */
export async function startReceiver(options: ReceiverOptions): Promise<RunningReceiver> {
  const host = options.host ?? '127.0.0.1';
  const path = options.path ?? '/webhooks/gemini';
  const web = await listen(undefined, { port: options.port ?? 0, host, what: 'receiver' });
  // Bounds for slow or stalled clients; Gemini itself answers quickly.
  web.server.requestTimeout = 15_000;
  web.server.headersTimeout = 10_000;
  let ops: Listening | undefined;
  try {
    ops =
      options.opsPort === undefined
        ? undefined
        : await listen(undefined, {
            port: options.opsPort,
            host: options.opsHost ?? '127.0.0.1',
            what: 'receiver operations',
          });
  } catch (err) {
    await web.close();
    throw err;
  }
  const url = `${web.url}${path}`;
  let receiver: GeminiReceiver;
  try {
    receiver = await createReceiver({ ...options, publicUrl: options.publicUrl ?? url });
  } catch (err) {
    await Promise.all([web.close(), ops?.close()]);
    throw err;
  }
  web.server.on('request', receiver.handler);
  ops?.server.on('request', receiver.opsHandler);
  const logger = (options.logger ?? rootLogger).child({ component: 'receiver' });
  logger.info(
    { url, opsUrl: ops?.url, temporal: options.temporal.address, secretCount: options.secrets?.length ?? 0 },
    'receiver listening',
  );

  const graceMs = (options.ackTimeoutMs ?? 2000) + 500;
  let stopping: Promise<void> | undefined;
  // In-flight deliveries finish (each is bounded by the ack timeout) before the Temporal connection closes, so every
  // one is answered and none is half-handed over.
  const stop = () =>
    (stopping ??= (async () => {
      release();
      await Promise.all([web.close(graceMs), ops?.close()]);
      await receiver.close();
      logger.info({ url }, 'receiver stopped');
    })());
  const release = options.stopOnSignal === false ? () => undefined : stopOnShutdownSignal(stop);
  return { url, port: web.port, opsUrl: ops?.url, stop };
}
