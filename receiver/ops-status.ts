import type { Counter } from 'prom-client';
import { type RoutingKey, routingKeyFingerprint } from '../routing/token';
import type { ReceiverMetrics } from './metrics';

/** What the receiver tells its operators (and `geminiflow doctor`) about its setup: ids and fingerprints, no secret. */
export interface ReceiverStatus {
  /** Each routing key's id and fingerprint (a one-way digest: it shows whether two processes hold the same key). */
  routingKeys: { id: string; fingerprint: string }[];
  /** How many `whsec_` secrets verify registered webhooks. */
  webhookSecrets: number;
  /** The key set per-request deliveries are verified with, when it is fetched from a URL. */
  jwksUrl?: string;
  /** Verified ping deliveries since the receiver started. */
  pingsReceived: number;
}

export interface ReceiverStatusSource {
  routingKeys: readonly RoutingKey[];
  webhookSecrets: number;
  jwksUrl?: string;
  metrics: ReceiverMetrics;
}

/** `GET /status` of the operations routes. */
export async function readReceiverStatus(source: ReceiverStatusSource): Promise<ReceiverStatus> {
  // Read through prom-client, which first collects what the hot path tallied since the last scrape.
  const deliveries = source.metrics.registry.getSingleMetric('geminiflow_webhook_deliveries_total') as Counter;
  const { values } = await deliveries.get();
  return {
    routingKeys: source.routingKeys.map((k) => ({ id: k.id, fingerprint: routingKeyFingerprint(k) })),
    webhookSecrets: source.webhookSecrets,
    ...(source.jwksUrl ? { jwksUrl: source.jwksUrl } : {}),
    pingsReceived: values.filter((v) => v.labels.outcome === 'ping').reduce((sum, v) => sum + v.value, 0),
  };
}
