import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Client } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import { logger as rootLogger } from '../common/logger';
import { createApp } from './app';
import { WebhookIdDedupe } from './dedupe';
import { type Delivered, EventDelivery } from './deliver';
import { DeliveryHandler } from './handle-delivery';
import { createMetrics } from './metrics';
import { BackgroundNativeConnection } from './temporal-connection';
import { DeliveryVerifier } from './verify';

export interface ReceiverOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Webhook path; default `/webhooks/gemini`. */
  path?: string;
  /** `whsec_` secrets for registered webhooks; several during a rotation. */
  secrets: string[];
  /** JWKS for per-request webhooks (v1a Ed25519 and RS256 JWT). */
  jwksUrl?: string;
  /** Expected `aud` of JWT deliveries; unchecked when unset. */
  audience?: string;
  /** connectionOptions (TLS, API key) default to `{ address }`. */
  temporal: { address: string; namespace: string; taskQueue: string; connectionOptions?: NativeConnectionOptions };
  /** Answer 503 when Temporal has not accepted within this (default 2000). */
  ackTimeoutMs?: number;
  /** Default 1 MiB. */
  maxBodyBytes?: number;
  /** How long a mailbox looks for an event's owner (default 15 min) and lingers for stragglers (default 1 min). */
  mailboxLookupTimeoutMs?: number;
  mailboxLingerTimeoutMs?: number;
  dedupeCapacity?: number;
  /**
   * The clock the 5-minute timestamp window and JWT expiry are judged by (default the real one). Tests that move the
   * emulator's clock far ahead pass `() => emulator.control.clock.now().now`, since the emulator stamps its own time.
   */
  now?: () => number;
  /** Collect Node process metrics too (the standalone receiver does; tests do not). */
  defaultMetrics?: boolean;
  logger?: Logger;
}

export interface RunningReceiver {
  /** The full webhook URL to register with Gemini (or the emulator). */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts the receiver. The Temporal connection is made in the background and is long-lived, so the receiver comes up
 * (and answers 503) while Temporal is down, and recovers by itself when it is back.
 */
export async function startReceiver(options: ReceiverOptions): Promise<RunningReceiver> {
  const logger = (options.logger ?? rootLogger).child({ component: 'receiver' });
  const path = options.path ?? '/webhooks/gemini';
  const connection = new BackgroundNativeConnection(
    options.temporal.connectionOptions ?? { address: options.temporal.address },
    logger,
  );
  const client = new Client({ connection, namespace: options.temporal.namespace });
  const ackTimeoutMs = options.ackTimeoutMs ?? 2000;
  // Deliveries that arrive before the first connection get 503; give a reachable Temporal a moment so a fresh receiver
  // does not refuse its first deliveries. An unreachable one only delays start-up by this bound.
  await connection.whenConnected(ackTimeoutMs);
  const metrics = createMetrics({ defaultMetrics: options.defaultMetrics });
  const handler = new DeliveryHandler({
    client,
    verifier: new DeliveryVerifier({
      secrets: options.secrets,
      jwksUrl: options.jwksUrl,
      audience: options.audience,
      now: options.now,
    }),
    delivery: new EventDelivery(client, {
      taskQueue: options.temporal.taskQueue,
      mailboxLookupTimeoutMs: options.mailboxLookupTimeoutMs,
      mailboxLingerTimeoutMs: options.mailboxLingerTimeoutMs,
    }),
    dedupe: new WebhookIdDedupe<Delivered>(options.dedupeCapacity),
    metrics,
    ackTimeoutMs,
  });
  // The native client retries a failing call past its deadline, so the probe has its own bound too.
  const ready = async () => {
    if (!connection.connected) return false;
    let timer: NodeJS.Timeout | undefined;
    const probe = client
      .withDeadline(Date.now() + 1000, () => connection.workflowService.getSystemInfo({}))
      .then(() => true, () => false);
    const bound = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), 1000);
    });
    return Promise.race([probe, bound]).finally(() => clearTimeout(timer));
  };
  const app = createApp({ path, maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024, handler, metrics, ready, logger });

  const host = options.host ?? '127.0.0.1';
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(options.port ?? 0, host, (err?: Error) => (err ? reject(err) : resolve(s)));
    s.once('error', reject);
  });
  // Bounds for slow or stalled clients; Gemini itself answers quickly.
  server.requestTimeout = 15_000;
  server.headersTimeout = 10_000;
  const { port } = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const url = `http://${shownHost}:${port}${path}`;
  logger.info(
    { url, temporal: options.temporal.address, secretCount: options.secrets.length, jwksUrl: options.jwksUrl },
    'receiver listening',
  );

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    /** Lets in-flight deliveries finish (each is bounded by the ack timeout), then closes the Temporal connection. */
    stop: () =>
      (stopping ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), ackTimeoutMs + 500).unref();
        });
        await connection.close();
      })()),
  };
}
