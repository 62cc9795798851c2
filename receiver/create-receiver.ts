import { Client } from '@temporalio/client';
import type express from 'express';
import type { Logger } from 'pino';
import { logger as rootLogger } from '../common/logger';
import { createOpsApp, createWebhookApp } from './app';
import { WebhookIdDedupe } from './dedupe';
import { type Delivered, EventDelivery } from './deliver';
import { DeliveryHandler } from './handle-delivery';
import { createMetrics, type ReceiverMetrics } from './metrics';
import { parseOptions } from './option-errors';
import { type CheckedReceiverOptions, type ReceiverOptions, receiverOptionsSchema } from './options';
import { BackgroundNativeConnection } from './temporal-connection';
import { UntrustedBudget } from './untrusted-budget';
import { WebhookVerifier } from './verify';

export interface GeminiReceiver {
  /** Mount this in your server: the webhook route at `path`, `/healthz`, and `/readyz` as a bare status. */
  app: express.Express;
  /** Operations (`/metrics`, `/readyz` with details, `/healthz`): serve it where only operators can reach it. */
  ops: express.Express;
  metrics: ReceiverMetrics;
  /** Whether Temporal answers right now (bounded to 1 s). */
  ready(): Promise<boolean>;
  /** Closes the Temporal connection the receiver made (not a client that was passed in). */
  close(): Promise<void>;
}

/** The Temporal client: the caller's, or a native connection made (and retried) in the background. */
async function temporalClient(o: CheckedReceiverOptions, logger: Logger) {
  if (o.client) {
    const client = o.client;
    const probe = () => client.connection.workflowService.getSystemInfo({}).then(() => true);
    return { client, probe, close: async () => undefined };
  }
  const connection = new BackgroundNativeConnection(o.temporal.connectionOptions ?? { address: o.temporal.address! }, logger);
  const client = new Client({ connection, namespace: o.temporal.namespace });
  // Deliveries that arrive before the first connection get 503; give a reachable Temporal a moment so a fresh receiver
  // does not refuse its first deliveries. An unreachable one only delays start-up by this bound.
  await connection.whenConnected(o.ackTimeoutMs);
  const probe = async () =>
    connection.connected &&
    client.withDeadline(Date.now() + 1000, () => connection.workflowService.getSystemInfo({})).then(() => true);
  return { client, probe, close: () => connection.close() };
}

/** Resolves false after `ms` or on failure: the native client retries a failing call past its deadline. */
async function bounded(probe: () => Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  return Promise.race([probe().catch(() => false), late]).finally(() => clearTimeout(timer));
}

function warnAboutGaps(o: CheckedReceiverOptions, verifier: WebhookVerifier, logger: Logger): void {
  if (!verifier.configured('v1')) {
    logger.warn('no webhook secrets: registered (v1 HMAC) webhooks cannot verify');
  }
  if (o.routingKeys.length === 0) {
    logger.warn(
      'no routing keys (GEMINIFLOW_ROUTING_KEYS): per-request deliveries are routed by resource id only, ' +
        'not by user_metadata',
    );
  }
  if ((o.jwksUrl || o.jwks) && !verifier.configured('jwt')) {
    logger.warn('no JWT audience (publicUrl or audience): JWT-signed deliveries are refused');
  }
}

/**
 * A receiver to mount in your own Express server. It verifies each delivery, deduplicates it and signals the owning
 * workflow, answering 2xx only once Temporal holds the event. Options are checked once, here.
 */
export async function createReceiver(options: ReceiverOptions): Promise<GeminiReceiver> {
  const o = parseOptions(receiverOptionsSchema, options, 'receiver options') as CheckedReceiverOptions;
  const logger = (o.logger ?? rootLogger).child({ component: 'receiver' });
  const verifier = new WebhookVerifier({ ...o, audience: o.audience ?? o.publicUrl });
  warnAboutGaps(o, verifier, logger);
  const temporal = await temporalClient(o, logger);
  const metrics = createMetrics({ defaultMetrics: o.defaultMetrics });
  const handler = new DeliveryHandler({
    client: temporal.client,
    verifier,
    delivery: new EventDelivery(temporal.client, {
      taskQueue: o.temporal.taskQueue,
      mailboxLookupTimeoutMs: o.mailboxLookupTimeoutMs,
      mailboxLingerTimeoutMs: o.mailboxLingerTimeoutMs,
      budget: new UntrustedBudget(temporal.client, o.temporal.taskQueue, o.untrustedBudget),
    }),
    dedupe: new WebhookIdDedupe<Delivered>(o.dedupeCapacity),
    metrics,
    ackTimeoutMs: o.ackTimeoutMs,
    routingKeys: o.routingKeys,
    maxEventBytes: o.maxEventBytes,
  });
  const ready = () => bounded(temporal.probe, 1000);
  const status = { routingKeys: o.routingKeys, webhookSecrets: o.secrets?.length ?? 0, jwksUrl: o.jwksUrl };
  const deps = { path: o.path, maxBodyBytes: o.maxBodyBytes, handler, metrics, ready, opsToken: o.opsToken, status, logger };
  return { app: createWebhookApp(deps), ops: createOpsApp(deps), metrics, ready, close: temporal.close };
}
