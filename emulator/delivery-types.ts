/** What the control API reports of webhook deliveries, and the faults a test can inject into them and into API calls. */

export type DynamicSigning = 'v1a' | 'jwt';
export type SigningScheme = 'v1' | DynamicSigning;

export type DeliveryStatus =
  /** Waiting for its next attempt (first attempt or a retry). */
  | 'pending'
  /** Held by a reorder fault until enough deliveries are held. */
  | 'held'
  /** Some attempt got a 2xx. */
  | 'delivered'
  /** Retried for the whole retry window without a 2xx, then given up. */
  | 'failed'
  /** Lost on purpose by a drop fault: never attempted. */
  | 'dropped'
  /** Stopped because its registered webhook was deleted or is no longer enabled. */
  | 'cancelled';

export type AttemptOutcome =
  | 'success'
  | 'http_error'
  | 'timeout'
  | 'network_error'
  /** A 'fail' fault: counted as a failed attempt without sending anything. */
  | 'injected_failure';

export interface DeliveryAttempt {
  /** 1-based attempt number within its delivery (duplicates get their own number). */
  n: number;
  /** Emulator time of the attempt (ISO-8601). */
  at: string;
  outcome: AttemptOutcome;
  statusCode?: number;
  error?: string;
  /** The headers sent (webhook-id, webhook-timestamp, webhook-signature, content-type). */
  headers: Record<string, string>;
  /** True for the extra copy sent by a duplicate fault. */
  duplicate?: boolean;
  /** True when a stale_timestamp fault back-dated this attempt's webhook-timestamp. */
  stale?: boolean;
  /** Real time the attempt took. */
  durationMs: number;
}

export interface DeliveryRecord {
  /** Internal sequence id (order of creation). */
  seq: number;
  /** The `webhook-id` header, msg_<uuid>, stable across retries. */
  webhookId: string;
  eventType: string;
  /** `data.id` of the envelope. */
  resourceId: string;
  /** Where it goes: a registered webhook (its id) or a per-request webhook_config URI. */
  target: { kind: 'registered'; webhookResourceId: string } | { kind: 'dynamic' };
  uri: string;
  scheme: SigningScheme;
  /** The raw JSON body, byte-for-byte as sent. */
  body: string;
  /** Emulator time the event happened (ISO-8601). */
  createdAt: string;
  status: DeliveryStatus;
  attempts: DeliveryAttempt[];
  /** Emulator time of the next attempt, while pending. */
  nextAttemptAt?: string;
}

export interface DeliveryFilter {
  eventType?: string;
  resourceId?: string;
  uri?: string;
  status?: DeliveryStatus;
  webhookResourceId?: string;
}

// ---------------------------------------------------------------------------------------------------------------------
// Faults

export interface DeliveryFaultMatch {
  eventType?: string;
  /** Exact delivery URI. */
  uri?: string;
  scheme?: SigningScheme;
  resourceId?: string;
}

/**
 * A deterministic delivery fault: it applies to the next `count` matching deliveries (drop, duplicate, delay,
 * reorder) or delivery attempts (stale_timestamp, fail), then is used up.
 */
export type DeliveryFault =
  /** The delivery is lost: never attempted, never retried. */
  | { kind: 'drop'; count?: number; match?: DeliveryFaultMatch }
  /** Each attempt is followed at once by `copies` extra identical sends (same webhook-id and body). */
  | { kind: 'duplicate'; count?: number; copies?: number; match?: DeliveryFaultMatch }
  /** The first attempt waits `delayMs` of emulator time. */
  | { kind: 'delay'; count?: number; delayMs: number; match?: DeliveryFaultMatch }
  /** The next `count` deliveries are held, then sent one by one in reverse order once all `count` are held. */
  | { kind: 'reorder'; count: number; match?: DeliveryFaultMatch }
  /** The attempt's webhook-timestamp (and what is signed) is `staleSeconds` (default 600) in the past. */
  | { kind: 'stale_timestamp'; count?: number; staleSeconds?: number; match?: DeliveryFaultMatch }
  /** The attempt counts as failed without being sent, so it is retried with backoff. */
  | { kind: 'fail'; count?: number; match?: DeliveryFaultMatch };

/** Answer the next `count` matching API calls with `status` (429, 500, 503, ...) in Gemini's error format. */
export interface ApiFault {
  status: number;
  count?: number;
  /** SDK method name as counted by inspection, e.g. 'interactions.get', 'batches.create'. */
  sdkMethod?: string;
  /** HTTP method, e.g. 'GET'. */
  method?: string;
  /** Substring of the request path. */
  pathIncludes?: string;
  message?: string;
}

export interface ActiveFault {
  id: string;
  remaining: number;
  fault: DeliveryFault | ApiFault;
  kind: 'delivery' | 'api';
}
