/**
 * The emulator's public types: options, the control surface and the inspection records. Other parts of the project
 * (receiver, workflows, benchmarks) code against these, so they only ever grow.
 */

import type {
  ActiveFault,
  ApiFault,
  DeliveryFault,
  DeliveryFilter,
  DeliveryRecord,
  DynamicSigning,
} from './delivery-types';
import type { BatchRule, InteractionRule, StatusEvents } from './script-types';

export * from './delivery-types';
export * from './script-types';

export type UserMetadataPlacement = 'data' | 'top' | 'both';
/**
 * Which completion events an Omni video interaction sends: `interaction.completed` alone, `video.generated` and
 * `interaction.completed`, or none at all (as one open report says live Omni video does; reconciliation must cope).
 */
export type VideoCompletionEvents = 'completed' | 'both' | 'none';
/** `auto`: wall-clock time while the time scale is not 1 (receivers check against their own clock), else emulator. */
export type WebhookTimestampClock = 'auto' | 'emulator' | 'real';

export interface JobDurations {
  /** A background model interaction (emulator ms). */
  interactionMs?: number;
  /** A Deep Research agent interaction (emulator ms). */
  deepResearchMs?: number;
  /** A batch, from creation to its terminal state (emulator ms); 48 h or more means it expires. */
  batchMs?: number;
  /** A video generation interaction (emulator ms). */
  videoMs?: number;
}

export interface EmulatorOptions {
  /** 0 or unset = a free port; emulator/main.ts uses GEMINI_EMULATOR_PORT, default 8790. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * The URL other machines reach the emulator at (e.g. `http://gemini-emulator:8790` inside docker compose, or a proxy
   * mount `https://proxy.example/gemini`). Everything the emulator advertises uses it: `baseUrl`, file `uri` and
   * `downloadUri`, `video_uri`, upload URLs and the JWT `iss`. Default: the bound host and port, with 127.0.0.1 for
   * 0.0.0.0 and [::1] for :: (env GEMINI_EMULATOR_PUBLIC_URL).
   */
  publicUrl?: string;
  /** When set, only this x-goog-api-key is accepted; otherwise any non-empty key. */
  apiKey?: string;
  /** Signing of per-request webhook_config.uris deliveries; default 'v1a' (env GEMINI_EMULATOR_DYNAMIC_SIGNING). */
  dynamicSigning?: DynamicSigning;
  /** Emulator ms per real ms; default 1 (env GEMINI_EMULATOR_TIME_SCALE). */
  timeScale?: number;
  /** Job durations in emulator time (env GEMINI_EMULATOR_*_MS). */
  durations?: JobDurations;
  /** Where a job's webhook_config.user_metadata goes in delivered envelopes; default 'both'. */
  userMetadataPlacement?: UserMetadataPlacement;
  /** Default true; false lets tests exercise routing of registered-webhook events without metadata. */
  echoUserMetadataToRegisteredWebhooks?: boolean;
  /**
   * Which clock `webhook-timestamp` (and the JWT iat/exp) reads: 'auto' (default: 'real' while the time scale is not 1,
   * else 'emulator'), 'emulator' or 'real'. With 'real', a receiver that checks the 5-minute tolerance against its own
   * wall clock keeps accepting deliveries after `clock.advance` (env GEMINI_EMULATOR_WEBHOOK_TIMESTAMP_CLOCK).
   */
  webhookTimestampClock?: WebhookTimestampClock;
  /** Completion events of Omni video interactions; default 'both' (env GEMINI_EMULATOR_VIDEO_EVENTS). */
  videoCompletionEvents?: VideoCompletionEvents;
  /** The webhook of an interaction ending `[[end STATUS]]`; default 'status' (env GEMINI_EMULATOR_STATUS_EVENTS). */
  statusEvents?: StatusEvents;
  /** Real-time limit for one delivery attempt; default 5000 ms (env GEMINI_EMULATOR_DELIVERY_TIMEOUT_MS). */
  deliveryTimeoutMs?: number;
  /** Consecutive failed attempts that make a registered webhook disabled_due_to_failed_deliveries; default 30. */
  disableWebhookAfterFailedAttempts?: number;
  /** How long failed deliveries are retried (emulator ms); default 24 h. */
  retryWindowMs?: number;
  /** Delivery attempts in flight at once; default 128. */
  deliveryConcurrency?: number;
  /** Answer 429 RESOURCE_EXHAUSTED above this rate (env GEMINI_EMULATOR_RATE_LIMIT); default: no limit. */
  rateLimit?: RateLimit;
  /** Stop on the process's first SIGINT or SIGTERM (default true); `false` when your process calls `stop()` itself. */
  stopOnSignal?: boolean;
  /** Keeps interactions across restarts (read at start, written at `stop()`); unset: memory only. */
  stateFile?: string;
}

/**
 * A project quota: `perSecond` requests a second (emulator time) with bursts of `burst` (default: perSecond rounded
 * up), over all of `sdkMethods` together (default: the generation calls interactions.create, batches.create,
 * models.generateContent, models.generateContentStream).
 */
export interface RateLimit {
  perSecond: number;
  burst?: number;
  sdkMethods?: string[];
}

export interface RateLimitState {
  limit: Required<RateLimit> | null;
  /** Calls answered 429 by the limit since the start (or the last reset). */
  limited: number;
}

// ---------------------------------------------------------------------------------------------------------------------
// Control

export interface ClockState {
  /** Emulator time, unix ms. */
  now: number;
  nowIso: string;
  timeScale: number;
}

export interface CallCount {
  /** Calls per SDK method, e.g. {'interactions.get': 12}. Includes calls answered by an API fault. */
  bySdkMethod: Record<string, number>;
  total: number;
}

export interface EmittedEvent {
  type: string;
  data: Record<string, unknown>;
  /** Echoed per userMetadataPlacement. */
  userMetadata?: Record<string, unknown>;
  /** Deliver to these URIs (dynamic signing) instead of the registered webhooks. */
  uris?: string[];
}

export interface EmulatorControl {
  clock: {
    now(): ClockState;
    /** Moves emulator time forward, firing every timer due on the way (in order) and awaiting the work they start. */
    advance(ms: number): Promise<ClockState>;
    setTimeScale(scale: number): ClockState;
  };
  faults: {
    addDeliveryFault(fault: DeliveryFault): ActiveFault;
    addApiFault(fault: ApiFault): ActiveFault;
    list(): ActiveFault[];
    /** Removes all faults and sends any deliveries a reorder fault still holds. */
    clear(): void;
  };
  model: {
    addInteractionRule(rule: InteractionRule): void;
    addBatchRule(rule: BatchRule): void;
    setDurations(d: JobDurations): JobDurations;
    /** Which completion events video interactions finishing from now on send. */
    setVideoCompletionEvents(events: VideoCompletionEvents): VideoCompletionEvents;
    /** Which webhook interactions ending in a status of their own send from now on. */
    setStatusEvents(events: StatusEvents): StatusEvents;
    clearRules(): void;
  };
  rateLimit: {
    /** Sets the limit (null: none); the bucket starts full. */
    set(limit: RateLimit | null): RateLimitState;
    get(): RateLimitState;
  };
  inspect: {
    deliveries(filter?: DeliveryFilter): DeliveryRecord[];
    calls(): CallCount;
    resetCalls(): void;
  };
  /** Publishes an event through the normal delivery path (signing, faults, retries); returns the deliveries made. */
  emitEvent(event: EmittedEvent): DeliveryRecord[];
  /** Resolves when no delivery attempt is in flight and no timer is due. */
  idle(): Promise<void>;
  /** Resolves with the matching deliveries once `predicate` holds for them (default: at least one delivered). */
  waitForDeliveries(
    filter: DeliveryFilter,
    predicate?: (records: DeliveryRecord[]) => boolean,
    timeoutMs?: number,
  ): Promise<DeliveryRecord[]>;
  /** Forgets all resources, deliveries, faults, rules and counts; the clock keeps running. */
  reset(): void;
}

export interface RunningEmulator {
  /** The public URL (`publicUrl`, default http://127.0.0.1:PORT) -> new GoogleGenAI({apiKey, httpOptions:{baseUrl}}) */
  baseUrl: string;
  /** Where this process listens, e.g. http://0.0.0.0:8790 (reachable from this machine; hand out `baseUrl`). */
  listenUrl: string;
  /** `${baseUrl}/.well-known/jwks.json` */
  jwksUrl: string;
  /** The same operations the HTTP control API at `${baseUrl}/_emulator/...` offers. */
  control: EmulatorControl;
  stop(): Promise<void>;
}
