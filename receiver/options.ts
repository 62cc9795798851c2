import type { Client } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import { z } from 'zod';
import { noRoutingKeys, parseRoutingKeys, type RoutingKey } from '../routing/token';
import type { WebhookKeys } from './verify/keys';

/** Everything a receiver is made from; checked once by createReceiver, with errors naming the option. */
export interface ReceiverOptions extends Omit<WebhookKeys, 'audience'> {
  /** 0 picks a free port (startReceiver). */
  port?: number;
  host?: string;
  /** Webhook path; default `/webhooks/gemini`. */
  path?: string;
  /** The URL Gemini posts to, as seen from outside; the default JWT audience. startReceiver defaults it to its own. */
  publicUrl?: string;
  /** Required JWT `aud`; default `publicUrl`; `false` disables the check (not recommended). */
  audience?: string | false;
  /**
   * Keys that vouch for `user_metadata.temporal_workflow_id` of per-request deliveries (`"id:base64secret, ..."` or
   * parsed), the first current, the rest accepted during a rotation. Without them (`'none'`, or unset, which warns),
   * per-request deliveries are routed by resource id only, by a visibility query.
   */
  routingKeys?: string | readonly RoutingKey[];
  /** What deliveries from unknown senders may store: writes per minute, and open mailboxes + dead letters. */
  untrustedBudget?: { perMinute?: number; maxOpen?: number };
  /**
   * The Temporal server; `taskQueue` is where the worker hosts the mailbox and dead-letter workflows.
   * `connectionOptions` (TLS, API key: see temporalSettings) default to `{ address }`.
   */
  temporal: { address?: string; namespace?: string; taskQueue: string; connectionOptions?: NativeConnectionOptions };
  /** Use this client instead of connecting to `temporal.address` (it is not closed by the receiver). */
  client?: Client;
  /** Answer 503 when Temporal has not accepted within this (default 2000). */
  ackTimeoutMs?: number;
  /**
   * Admission control: at most `maxInFlight` deliveries hand their event to Temporal at once (default 32), at most
   * `maxQueued` wait for a place (default 256), each at most `maxWaitMs` (default 1000, or half of `ackTimeoutMs` if
   * that is less; it must stay below `ackTimeoutMs`). A
   * delivery that finds the queue full is answered 503 with Retry-After at once.
   */
  admission?: { maxInFlight?: number; maxQueued?: number; maxWaitMs?: number };
  /** Larger bodies get 413; default 1 MiB. */
  maxBodyBytes?: number;
  /** Larger events are not signaled but kept as a cut dead letter; default 256 KiB. */
  maxEventBytes?: number;
  /** How long a mailbox looks for an event's owner (default 15 min) and lingers for stragglers (default 1 min). */
  mailboxLookupTimeoutMs?: number;
  mailboxLingerTimeoutMs?: number;
  dedupeCapacity?: number;
  /** Resource id → owner entries kept from lookups, tried before the next visibility query (default 50,000). */
  ownerCacheCapacity?: number;
  /** A separate listener (startReceiver) for /metrics and readiness details; 0 picks a free port. */
  opsPort?: number;
  /** Default 127.0.0.1. */
  opsHost?: string;
  /** Also serve /metrics and readiness details on the public port, to `Authorization: Bearer <opsToken>`. */
  opsToken?: string;
  /** Collect Node process metrics too (the standalone receiver does; tests do not). */
  defaultMetrics?: boolean;
  /**
   * startReceiver: stop on the process's first SIGINT or SIGTERM, answering the deliveries in flight (default true).
   * `false` when your process orders its own shutdown and calls `stop()` itself.
   */
  stopOnSignal?: boolean;
  logger?: Logger;
  /**
   * OpenTelemetry spans of each delivery's handling, joined to the job's trace; on when the standard OTEL_* variables
   * configure an exporter (docs/observability.md). `false` keeps the receiver untraced whatever they say.
   */
  tracing?: false;
}

/**
 * Measured with `npm run bench` (docs/receiver.md, "Admission control"): 16 concurrent signals already keep the dev
 * server busy, and 32 in flight still land within the 2 s ack bound at the slowest rate seen on a loaded two-core
 * machine (about 20 signals/s), where 64 would not. 256 queued deliveries cap what a fast server lets wait; the wait
 * bound keeps a queued delivery's hand-over inside the ack bound.
 */
export const admissionDefaults = { maxInFlight: 32, maxQueued: 256, maxWaitMs: 1000 };

const port = z.number().int().min(0).max(65535);
const ms = (min: number) => z.number().int().min(min);

const routingKeysOption = z
  .union([z.string(), z.array(z.object({ id: z.string(), secret: z.instanceof(Buffer) })).readonly()])
  .transform((value, ctx): readonly RoutingKey[] => {
    if (typeof value !== 'string') return value;
    if (value.trim() === '' || value.trim().toLowerCase() === noRoutingKeys) return [];
    try {
      return parseRoutingKeys(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });

/** Shared with the environment reader, so both judge the same values the same way. */
export const listenSchemas = {
  host: z.string().min(1).default('127.0.0.1'),
  path: z
    .string()
    .regex(/^\/\S*$/, 'must start with /')
    .default('/webhooks/gemini'),
  publicUrl: z.url({ protocol: /^https?$/ }).optional(),
};

/** The receiver's own options (the webhook keys are checked by the verifier they go to). */
export const receiverOptionsSchema = z
  .looseObject({
    port: port.optional(),
    ...listenSchemas,
    routingKeys: routingKeysOption.default([]),
    untrustedBudget: z
      .object({ perMinute: z.number().int().min(0).default(60), maxOpen: z.number().int().min(0).default(1000) })
      .default({ perMinute: 60, maxOpen: 1000 }),
    temporal: z.object({
      address: z.string().min(1).optional(),
      namespace: z.string().min(1).default('default'),
      taskQueue: z.string().min(1),
      connectionOptions: z.custom<NativeConnectionOptions>((v) => typeof v === 'object' && v !== null).optional(),
    }),
    client: z.custom<Client>((v) => typeof v === 'object' && v !== null, 'must be a Temporal Client').optional(),
    ackTimeoutMs: ms(1).max(60_000).default(2000),
    admission: z
      .object({
        maxInFlight: z.number().int().min(1).max(10_000).default(admissionDefaults.maxInFlight),
        maxQueued: z.number().int().min(0).max(100_000).default(admissionDefaults.maxQueued),
        maxWaitMs: z.number().int().min(1).max(60_000).optional(),
      })
      .default({ maxInFlight: admissionDefaults.maxInFlight, maxQueued: admissionDefaults.maxQueued }),
    maxBodyBytes: ms(1024)
      .max(64 * 1024 * 1024)
      .default(1024 * 1024),
    maxEventBytes: ms(1024)
      .max(2 * 1024 * 1024)
      .default(256 * 1024),
    mailboxLookupTimeoutMs: ms(1).optional(),
    mailboxLingerTimeoutMs: ms(1).optional(),
    dedupeCapacity: ms(1).optional(),
    ownerCacheCapacity: ms(1).optional(),
    opsPort: port.optional(),
    opsHost: z.string().min(1).default('127.0.0.1'),
    opsToken: z.string().min(16, 'must be at least 16 characters').optional(),
    defaultMetrics: z.boolean().default(false),
    tracing: z.literal(false).optional(),
  })
  .refine((o) => o.client !== undefined || o.temporal.address !== undefined, {
    message: 'required unless a client is given',
    path: ['temporal', 'address'],
  })
  .refine((o) => o.admission.maxWaitMs === undefined || o.admission.maxWaitMs < o.ackTimeoutMs, {
    message: 'must be below ackTimeoutMs, so a delivery that waited still has time to land',
    path: ['admission', 'maxWaitMs'],
  });

export type CheckedReceiverOptions = z.infer<typeof receiverOptionsSchema> & ReceiverOptions;
