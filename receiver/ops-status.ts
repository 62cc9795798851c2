import express from 'express';
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

/** `GET /status` of the operations app. */
export function receiverStatusRoute(source: ReceiverStatusSource): express.Router {
  const router = express.Router();
  router.get('/status', async (_req, res) => {
    const { values } = await source.metrics.deliveries.get();
    const status: ReceiverStatus = {
      routingKeys: source.routingKeys.map((k) => ({ id: k.id, fingerprint: routingKeyFingerprint(k) })),
      webhookSecrets: source.webhookSecrets,
      ...(source.jwksUrl ? { jwksUrl: source.jwksUrl } : {}),
      pingsReceived: values.filter((v) => v.labels.outcome === 'ping').reduce((sum, v) => sum + v.value, 0),
    };
    res.json(status);
  });
  return router;
}
