import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { TalliedCounter, TalliedHistogram } from './tallies';

/** What the admission gauges read at scrape time. */
export interface AdmissionView {
  readonly depth: number;
  readonly active: number;
}

/** One registry per receiver, so several receivers in one process (tests) do not share counters. */
export function createMetrics(opts: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry });
  let admission: AdmissionView | undefined;
  new Gauge({
    name: 'geminiflow_webhook_queue_depth',
    help: 'Deliveries waiting for a place to hand their event to Temporal',
    registers: [registry],
    collect() {
      this.set(admission?.depth ?? 0);
    },
  });
  new Gauge({
    name: 'geminiflow_webhook_in_flight',
    help: 'Deliveries handing their event to Temporal right now',
    registers: [registry],
    collect() {
      this.set(admission?.active ?? 0);
    },
  });
  return {
    registry,
    /** The admission control whose queue the gauges show. */
    watch(view: AdmissionView) {
      admission = view;
    },
    deliveries: new TalliedCounter({
      name: 'geminiflow_webhook_deliveries_total',
      help: 'Webhook deliveries by event type, outcome and the signature scheme that verified them',
      labelNames: ['type', 'outcome', 'scheme'],
      registry,
    }),
    untrusted: new TalliedCounter({
      name: 'geminiflow_webhook_untrusted_deliveries_total',
      help: 'Per-request deliveries not routed by their user_metadata, by outcome and why (no or invalid routing token)',
      labelNames: ['outcome', 'token'],
      registry,
    }),
    ownerLookups: new TalliedCounter({
      name: 'geminiflow_webhook_owner_lookups_total',
      help: 'Deliveries routed by resource id, by where the owner was found: cache, visibility (a query), none',
      labelNames: ['source'],
      registry,
    }),
    refusals: new TalliedCounter({
      name: 'geminiflow_webhook_admission_refusals_total',
      help: 'Deliveries answered 503 with Retry-After by admission control, by reason (queue full)',
      labelNames: ['reason'],
      registry,
    }),
    queueWaitSeconds: new TalliedHistogram({
      name: 'geminiflow_webhook_queue_wait_seconds',
      help: 'How long deliveries that found no free place waited in the queue, by how the wait ended (in time, late)',
      labelNames: ['ended'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2],
      registry,
    }),
    verificationSeconds: new TalliedHistogram({
      name: 'geminiflow_webhook_verification_seconds',
      help: 'Time to verify a delivery, by scheme (none when nothing verified)',
      labelNames: ['scheme'],
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
      registry,
    }),
    signalSeconds: new TalliedHistogram({
      name: 'geminiflow_webhook_signal_seconds',
      help: 'Time for Temporal to durably accept an event, by outcome',
      labelNames: ['outcome'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
      registry,
    }),
  };
}

export type ReceiverMetrics = ReturnType<typeof createMetrics>;
