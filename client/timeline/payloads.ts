import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';

type Payloads = temporal.api.common.v1.IPayloads | null | undefined;
type Payload = temporal.api.common.v1.IPayload | null | undefined;

/**
 * A payload as the default payload converter reads it, or undefined when it cannot (an encrypted or custom encoding):
 * the timeline then shows what it knows without it.
 */
export function decodePayload(payload: Payload): unknown {
  if (!payload) return undefined;
  try {
    return defaultPayloadConverter.fromPayload(payload as never);
  } catch {
    return undefined;
  }
}

/** The payloads of an input or a result, each decoded. */
export function decodePayloads(payloads: Payloads): unknown[] {
  return (payloads?.payloads ?? []).map(decodePayload);
}

/** Bytes of the payloads as Temporal stores them. */
export function payloadBytes(payloads: Payloads): number {
  return (payloads?.payloads ?? []).reduce((sum, p) => sum + (p?.data?.length ?? 0), 0);
}

/** Keys whose values are never shown, whatever a tool or a workflow put under them. */
const secretKey = /secret|passw|token$|^token|api[-_]?key|authori[sz]ation|credential|private[-_]?key|cookie/i;

/** A value with every secret-looking key's value replaced, so an excerpt cannot leak one. */
function withoutSecrets(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => withoutSecrets(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, secretKey.test(k) ? '[hidden]' : withoutSecrets(v, depth + 1)]),
  );
}

/** A short, secret-free line of a value for people: JSON cut at `max` characters. */
export function excerpt(value: unknown, max = 100): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(withoutSecrets(value)) ?? String(value));
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** `860 B`, `12.3 kB`, `4.1 MB`. */
export function describeBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1_000_000) return `${(n / 1000).toFixed(1)} kB`;
  return `${(n / 1_000_000).toFixed(1)} MB`;
}

/** A plain object's field, when the value is one. */
export function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

export function stringField(value: unknown, key: string): string | undefined {
  const v = field(value, key);
  return typeof v === 'string' ? v : undefined;
}
