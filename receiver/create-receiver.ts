import { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { logger as rootLogger } from '../common/logger';
import { OwnerCache } from '../routing/owner-cache';
import { routingKeysRequired } from '../routing/token';
import { tracingFor } from '../tracing/provider';
import { tracingClientInterceptors } from '../tracing/temporal';
import { Admission } from './admission';
import { WebhookIdDedupe } from './dedupe';
import { type Delivered, EventDelivery } from './deliver';
import { HandOver } from './hand-over';
import { DeliveryHandler } from './handle-delivery';
import type { RequestHandler } from './http';
import { createMetrics } from './metrics';
import { createOperationsHandler } from './operations-handler';
import { parseOptions } from './option-errors';
import { admissionDefaults, type CheckedReceiverOptions, type ReceiverOptions, receiverOptionsSchema } from './options';
import { BackgroundNativeConnection } from './temporal-connection';
import { RunTraceContexts } from './tracing';
import { UntrustedBudget } from './untrusted-budget';
import { WebhookVerifier } from './verify';
import { createWebhookHandler } from './webhook-handler';

export interface GeminiReceiver {
  /**
   * The receiver, as a `node:http` request handler: POST to the webhook route (`path`), `/healthz`, and `/readyz` as a
   * bare status. Serve it (`http.createServer(receiver.handler)`) or mount it as it is in Express or Connect
   * (`app.use(receiver.handler)`, or under a prefix: `app.use('/inbound', receiver.handler)`), before any body parser:
   * the webhook route reads the raw body itself. Mounted, requests it does not serve go on to `next`; on its own,
   * they get 404.
   */
  handler: RequestHandler;
  /**
   * The operations routes (`/metrics`, `/readyz` with details, `/status`, `/healthz`), the same kind of handler: serve
   * it where only operators reach it.
   */
  opsHandler: RequestHandler;
  /** Whether Temporal answers right now: it accepted an event within the last second, or a probe (bounded to 1 s). */
  ready(): Promise<boolean>;
  /** Closes the Temporal connection the receiver made (not a client that was passed in). */
  close(): Promise<void>;
}

/** The Temporal client: the caller's, or a native connection made (and retried) in the background. */
async function temporalClient(o: CheckedReceiverOptions, logger: Logger, traced: boolean) {
  if (o.client) {
    const client = o.client;
    const probe = () => client.connection.workflowService.getSystemInfo({}).then(() => true);
    return { client, probe, close: async () => undefined };
  }
  const connection = new BackgroundNativeConnection(
    o.temporal.connectionOptions ?? { address: o.temporal.address! },
    logger,
  );
  // Traced, the mailbox's signal-with-start and the dead letters' starts carry the delivery's trace to their runs.
  const interceptors = traced ? tracingClientInterceptors('receiver') : undefined;
  const client = new Client({ connection, namespace: o.temporal.namespace, ...(interceptors ? { interceptors } : {}) });
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

function warnAboutGaps(
  options: ReceiverOptions,
  o: CheckedReceiverOptions,
  verifier: WebhookVerifier,
  logger: Logger,
): void {
  // Not a fault: per-request webhooks (what jobs carry by default) need no secret. It matters only once a webhook is
  // registered with Gemini, whose deliveries are signed with the secret it was given.
  if (!verifier.configured('v1')) {
    logger.info(
      'no webhook signing secrets (GEMINI_WEBHOOK_SECRETS): per-request webhooks verify without one (signed with ' +
        "Google's keys); deliveries of a webhook registered with Gemini (geminiflow webhooks create) will be refused " +
        'until its signing secret is set here',
    );
  }
  if (o.routingKeys.length === 0 && options.routingKeys === undefined) logger.warn(routingKeysRequired);
  if ((o.jwksUrl || o.jwks) && !verifier.configured('jwt')) {
    logger.warn('no JWT audience (publicUrl or audience): JWT-signed deliveries are refused');
  }
}

/**
 * A receiver to serve or mount in your own server, as a request handler. It verifies each delivery, deduplicates it and signals the owning
 * workflow, answering 2xx only once Temporal holds the event. Options are checked once, here.
 */
export async function createReceiver(options: ReceiverOptions): Promise<GeminiReceiver> {
  const o = parseOptions(receiverOptionsSchema, options, 'receiver options') as CheckedReceiverOptions;
  const logger = (o.logger ?? rootLogger).child({ component: 'receiver' });
  const verifier = new WebhookVerifier({ ...o, audience: o.audience ?? o.publicUrl });
  warnAboutGaps(options, o, verifier, logger);
  const tracing = o.tracing === false ? undefined : tracingFor('receiver');
  const temporal = await temporalClient(o, logger, tracing !== undefined);
  const metrics = createMetrics({ defaultMetrics: o.defaultMetrics });
  // Unless set, a queued delivery waits at most half the ack bound, so it still has time to land.
  const maxWaitMs = o.admission.maxWaitMs ?? Math.max(1, Math.min(admissionDefaults.maxWaitMs, o.ackTimeoutMs >> 1));
  const admission = new Admission({ ...o.admission, maxWaitMs });
  metrics.watch(admission);
  const dedupe = new WebhookIdDedupe<Delivered>(o.dedupeCapacity);
  const handOver = new HandOver({ client: temporal.client, dedupe, admission, metrics, ackTimeoutMs: o.ackTimeoutMs });
  const deliveries = new DeliveryHandler({
    verifier,
    delivery: new EventDelivery(temporal.client, {
      taskQueue: o.temporal.taskQueue,
      mailboxLookupTimeoutMs: o.mailboxLookupTimeoutMs,
      mailboxLingerTimeoutMs: o.mailboxLingerTimeoutMs,
      budget: new UntrustedBudget(temporal.client, o.temporal.taskQueue, o.untrustedBudget),
      owners: new OwnerCache(o.ownerCacheCapacity),
      lookedUp: (source) => metrics.ownerLookups.inc(source),
      ...(tracing ? { tracing: { tracing, runs: new RunTraceContexts(temporal.client) } } : {}),
    }),
    dedupe,
    handOver,
    metrics,
    routingKeys: o.routingKeys,
    maxEventBytes: o.maxEventBytes,
    tracing,
  });
  // While events are landing, Temporal evidently answers: a burst does not queue health checks behind it.
  const ready = async () => Date.now() - handOver.lastAcceptedAt < 1000 || bounded(temporal.probe, 1000);
  const status = { routingKeys: o.routingKeys, webhookSecrets: o.secrets?.length ?? 0, jwksUrl: o.jwksUrl };
  const operations = { metrics, ready, status };
  return {
    handler: createWebhookHandler({
      ...operations,
      path: o.path,
      maxBodyBytes: o.maxBodyBytes,
      deliveries,
      opsToken: o.opsToken,
      logger,
    }),
    opsHandler: createOperationsHandler(operations),
    ready,
    close: async () => {
      await temporal.close();
      await tracing?.flush().catch(() => undefined);
    },
  };
}
