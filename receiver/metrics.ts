import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** One registry per receiver, so several receivers in one process (tests) do not share counters. */
export function createMetrics(opts: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    deliveries: new Counter({
      name: 'geminiflow_webhook_deliveries_total',
      help: 'Webhook deliveries by event type, outcome and the signature scheme that verified them',
      labelNames: ['type', 'outcome', 'scheme'] as const,
      registers: [registry],
    }),
    untrusted: new Counter({
      name: 'geminiflow_webhook_untrusted_deliveries_total',
      help: 'Per-request deliveries not routed by their user_metadata, by outcome and why (no or invalid routing token)',
      labelNames: ['outcome', 'token'] as const,
      registers: [registry],
    }),
    verificationSeconds: new Histogram({
      name: 'geminiflow_webhook_verification_seconds',
      help: 'Time to verify a delivery, by scheme (none when nothing verified)',
      labelNames: ['scheme'] as const,
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
      registers: [registry],
    }),
    signalSeconds: new Histogram({
      name: 'geminiflow_webhook_signal_seconds',
      help: 'Time for Temporal to durably accept an event, by outcome',
      labelNames: ['outcome'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
      registers: [registry],
    }),
  };
}

export type ReceiverMetrics = ReturnType<typeof createMetrics>;
