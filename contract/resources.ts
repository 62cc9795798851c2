import type { GeminiResourceKind } from './job-kinds';

export interface GeminiResourceRef {
  kind: GeminiResourceKind;
  id: string;
}

/**
 * Gemini's docs do not pin the form of `data.id` (`batches/123`, `123`), so ids are compared without a collection
 * prefix.
 */
export function resourceKey(id: string): string {
  return id.replace(/^(batches|interactions|operations)\//, '');
}

/** `interaction:<id>` / `batch:<name>`: how a resource is shown in logs, queries and search attributes. */
export function describeResource(resource: GeminiResourceRef): string {
  return `${resource.kind}:${resource.id}`;
}
