import { z } from 'zod';
import { type GeminiEvent, type GeminiEventType, geminiEventTypes } from '../common/contract';

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

const known = new Set<string>(geminiEventTypes);

// Names seen in Gemini's own samples and docs that differ from the canonical nine.
const aliases: Record<string, GeminiEventType> = {
  'batch.completed': 'batch.succeeded',
  'batch.complete': 'batch.succeeded',
  'batch.success': 'batch.succeeded',
  'batch.successful': 'batch.succeeded',
  'interaction.succeeded': 'interaction.completed',
  'interaction.complete': 'interaction.completed',
  'video.completed': 'video.generated',
};

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

/** The workflow id the job's creator put in user_metadata, wherever Gemini placed it. */
export function targetWorkflowId(envelope: Envelope): string | undefined {
  for (const meta of [envelope.data.user_metadata, envelope.user_metadata]) {
    const id = meta?.temporal_workflow_id;
    if (typeof id === 'string' && id.trim() !== '') return id.trim();
  }
  return undefined;
}

export type ParsedEvent =
  | { kind: 'event'; event: GeminiEvent; targetWorkflowId?: string }
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
  const type = normaliseEventType(envelope.type);
  if (!type) return { kind: 'unknown-type', rawType: envelope.type, resourceId: envelope.data.id, envelope };
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
    targetWorkflowId: targetWorkflowId(envelope),
  };
}

/** Parses the raw body as UTF-8 JSON; undefined when it is not. */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return undefined;
  }
}
