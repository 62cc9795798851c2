import { z } from 'zod';
import {
  deliveredEventTypes,
  eventTypeOfStatus,
  type GeminiEvent,
  type GeminiEventType,
  stoppedShortStatuses,
} from '../contract';
import { routingTokenField } from './token';

const metadata = z.record(z.string(), z.unknown());

/** The thin envelope Gemini posts; unknown fields are kept, since Gemini may add some. */
export const envelopeSchema = z.looseObject({
  type: z.string().min(1).max(200),
  version: z.string().optional(),
  timestamp: z.string().max(100).optional(),
  data: z.looseObject({
    id: z.string().min(1).max(500).optional(),
    user_metadata: metadata.optional(),
  }),
  user_metadata: metadata.optional(),
});
export type Envelope = z.infer<typeof envelopeSchema>;

const known = new Set<string>(deliveredEventTypes);

// Names seen in Gemini's own samples and docs that differ from the canonical nine, and plausible names of the two
// interaction statuses of SDK 3.6 that Gemini documents no event for.
const aliases: Record<string, GeminiEventType> = {
  'batch.completed': 'batch.succeeded',
  'batch.complete': 'batch.succeeded',
  'batch.success': 'batch.succeeded',
  'batch.successful': 'batch.succeeded',
  'interaction.succeeded': 'interaction.completed',
  'interaction.complete': 'interaction.completed',
  'video.completed': 'video.generated',
  'interaction.budgetexceeded': 'interaction.budget_exceeded',
  'interaction.token_budget_exceeded': 'interaction.budget_exceeded',
  'interaction.budget_exhausted': 'interaction.budget_exceeded',
  'interaction.incompleted': 'interaction.incomplete',
};

/** Events whose `data.status`, when Gemini sends one, says how the interaction really ended. */
const statusCarriers = new Set(['interaction.completed', 'interaction.failed', 'interaction.status_update']);

/**
 * An interaction event read by its `data.status`: an `interaction.completed` (or `.failed`, `.status_update`) that
 * says `incomplete` or `budget_exceeded` is that end (so is an `interaction.failed` with that `error_code`), one with
 * a status geminiflow does not know ends a wait naming it, and one whose interaction still runs (e.g.
 * `requires_continuation`, as streamed hops report) is no end at all.
 */
function typeByStatus(rawType: string, data: Record<string, unknown>): GeminiEventType | null {
  const type = normaliseEventType(rawType);
  const name =
    type ??
    rawType
      .trim()
      .toLowerCase()
      .replace(/^interaction[_:/-]/, 'interaction.')
      .replace(/-/g, '_');
  if (!statusCarriers.has(name)) return type ?? null;
  // A failure's error code is usually its reason; it counts only when it names a stopped-short status.
  const code = typeof data.error_code === 'string' ? data.error_code.toLowerCase() : '';
  const status =
    typeof data.status === 'string'
      ? data.status.trim().toLowerCase()
      : (stoppedShortStatuses as readonly string[]).includes(code)
        ? code
        : undefined;
  const byStatus = status === undefined ? type : eventTypeOfStatus(status);
  return !byStatus || byStatus === 'interaction.requires_continuation' ? null : byStatus;
}

/**
 * Lenient event names: case, `_` for `.`, American `canceled`, and the documented stray names map onto the nine
 * canonical types; anything else is undefined (acknowledged and recorded, never signaled).
 */
export function normaliseEventType(raw: string): GeminiEventType | undefined {
  let name = raw.trim().toLowerCase();
  const family = /^(batch|interaction|video)[._:/-](.+)$/.exec(name);
  if (family) name = `${family[1]}.${family[2].replace(/[-\s]/g, '_')}`;
  name = name.replace(/\.canceled$/, '.cancelled');
  if (known.has(name)) return name as GeminiEventType;
  return aliases[name];
}

/** The key inside `user_metadata` that carries the W3C trace context of the call that created the job. */
export const traceparentField = 'traceparent';

const traceparentPattern = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

export interface MetadataTarget {
  workflowId: string;
  token: unknown;
  /** A well-formed W3C traceparent found beside the id; it counts only where the route is trusted. */
  traceparent?: string;
}

/**
 * The workflow id the job's creator put in user_metadata, wherever Gemini placed it, with the routing token and the
 * trace context found beside it (they only count in the same object as the id they go with).
 */
export function targetWorkflowId(envelope: Envelope): MetadataTarget | undefined {
  for (const meta of [envelope.data.user_metadata, envelope.user_metadata]) {
    const id = meta?.temporal_workflow_id;
    if (typeof id === 'string' && id.trim() !== '') {
      const traceparent = meta?.[traceparentField];
      return {
        workflowId: id.trim(),
        token: meta?.[routingTokenField],
        ...(typeof traceparent === 'string' && traceparentPattern.test(traceparent) ? { traceparent } : {}),
      };
    }
  }
  return undefined;
}

/** The envelope as it may be stored: without routing tokens, which are capabilities, not data. */
function withoutTokens(envelope: Envelope): Envelope {
  const strip = (meta?: Record<string, unknown>) => {
    if (!meta || !(routingTokenField in meta)) return meta;
    const { [routingTokenField]: _token, ...rest } = meta;
    return rest;
  };
  return {
    ...envelope,
    data: { ...envelope.data, user_metadata: strip(envelope.data.user_metadata) },
    user_metadata: strip(envelope.user_metadata),
  };
}

export type ParsedEvent =
  | { kind: 'event'; event: GeminiEvent; target?: MetadataTarget }
  | { kind: 'unknown-type'; rawType: string; resourceId?: string; envelope: Envelope }
  | { kind: 'invalid'; reason: string };

/** Turns a verified envelope into the signal contract; the caller supplies the webhook id it deduplicates on. */
export function toGeminiEvent(webhookId: string, input: unknown, fallbackTimestamp = ''): ParsedEvent {
  const parsed = envelopeSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { kind: 'invalid', reason: `envelope ${issue.path.join('.') || '(root)'}: ${issue.message}` };
  }
  const envelope = parsed.data;
  const type = typeByStatus(envelope.type, envelope.data);
  if (!type) {
    return {
      kind: 'unknown-type',
      rawType: envelope.type,
      resourceId: envelope.data.id,
      envelope: withoutTokens(envelope),
    };
  }
  if (!envelope.data.id) return { kind: 'invalid', reason: 'envelope data.id: required for a known event type' };
  const { user_metadata: _metadata, ...data } = envelope.data;
  return {
    kind: 'event',
    event: {
      webhookId,
      type,
      resourceId: envelope.data.id,
      timestamp: envelope.timestamp ?? fallbackTimestamp,
      data,
      via: 'webhook',
    },
    target: targetWorkflowId(envelope),
  };
}

export type ParsedBody = { ok: true; value: unknown } | { ok: false; reason: string; tooDeep?: true };

/**
 * Nesting depth of JSON text, counted without parsing (so a hostile body cannot make the parser, or later the
 * payload converter, recurse deeply); stops counting once past `max`.
 */
function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** Parses the raw body as UTF-8 JSON nested at most `maxDepth` levels. */
export function parseJsonBody(body: Buffer, maxDepth = 32): ParsedBody {
  const refused = { ok: false, reason: 'body is not UTF-8 JSON' } as const;
  if (body.length === 0) return refused;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return refused;
  }
  if (nestsDeeperThan(text, maxDepth)) {
    return { ok: false, reason: `body nests deeper than ${maxDepth} levels`, tooDeep: true };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return refused;
  }
}
