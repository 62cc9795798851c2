/** What one delivery came to: the HTTP answer plus the fields logged about it (never the body or a secret). */
export interface DeliveryResult {
  status: number;
  outcome:
    | 'signaled'
    | 'held'
    | 'late'
    | 'dead_lettered'
    | 'recorded_unknown'
    | 'ping'
    | 'duplicate'
    | 'dropped'
    | 'refused'
    | 'unavailable'
    /** Admission control turned it away (503 with Retry-After): the sender retries later. */
    | 'busy';
  reason?: string;
  scheme?: string;
  key?: string;
  webhookId?: string;
  type?: string;
  resourceId?: string;
  workflowId?: string;
  /** Why a per-request delivery was not routed by its user_metadata (no or invalid routing token). */
  untrusted?: string;
  /** Seconds after which a refused delivery should be sent again (the Retry-After header). */
  retryAfterSec?: number;
  /** How long the delivery waited for a place to hand its event over, when it found none free. */
  queuedMs?: number;
  /** The underlying error, for the log only: never part of the answer. */
  error?: string;
}

/** What is known of a verified delivery before it is handed over; `alsoSeenAs` is its second identity, if any. */
export type DeliveryFields = Omit<DeliveryResult, 'status' | 'outcome'> & { webhookId: string; alsoSeenAs?: string };
