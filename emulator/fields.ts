/**
 * Proto-JSON accepts both spellings of every field, and the docs use both, so every read goes through here with the
 * snake_case name.
 */
export function field<T = unknown>(obj: unknown, snakeName: string): T | undefined {
  if (!obj || typeof obj !== 'object') return undefined;
  const o = obj as Record<string, unknown>;
  if (o[snakeName] !== undefined) return o[snakeName] as T;
  const camel = snakeName.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  return o[camel] as T | undefined;
}

/** `o` without its undefined fields, so that spreading it over defaults keeps them. */
export function definedFields<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
