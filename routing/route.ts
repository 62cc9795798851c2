import { type GeminiEventType, type GeminiResourceKind, maxWorkflowIdLength, receiverOwnedPrefixes } from '../contract';
import { type RoutingKey, verifyRoutingToken } from './token';

/**
 * Where a verified event goes. The creator of a job names its workflow in user_metadata; without that (or without a
 * valid routing token where one is required), the owner is whichever run recorded the resource id in its
 * GeminiResourceIds search attribute: only our own runs record ids, so that lookup cannot be forged.
 *
 * `trusted` says whether the sender is known to be this deployment (our own registered-webhook secret, or a valid
 * routing token). What an untrusted delivery may leave in Temporal (a mailbox, a dead letter) is budgeted.
 */
export type Route = { trusted: boolean; note?: string } & (
  | { kind: 'workflow'; workflowId: string }
  | { kind: 'owner-lookup'; resourceId: string }
  | { kind: 'unroutable'; reason: string }
);

/** For deliveries signed with keys every Gemini customer shares: what a workflow id in user_metadata must prove. */
export interface RoutingProof {
  keys: readonly RoutingKey[];
  kind: GeminiResourceKind;
  token: unknown;
}

// Resource ids go into a visibility query and a workflow id; anything outside this set is refused, not escaped.
const lookupSafe = /^[A-Za-z0-9_./:@+-]{1,200}$/;
// Control characters, and lone UTF-16 surrogates (no valid UTF-8, so no gRPC string field can carry them).
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this refuses.
const notAWorkflowId = /[\u0000-\u001f\u007f]|\p{Cs}/u;

/** The job kind an event is about: video events come from interactions. */
export function eventKind(type: GeminiEventType): GeminiResourceKind {
  return type.startsWith('batch.') ? 'batch' : 'interaction';
}

/** Whether Temporal can take `id` as a workflow id. */
export function isValidWorkflowId(id: string): boolean {
  return id.length > 0 && id.length <= maxWorkflowIdLength && !notAWorkflowId.test(id);
}

export function routeFor(resourceId: string, targetWorkflowId?: string, proof?: RoutingProof): Route {
  const trusted = proof === undefined;
  let note: string | undefined;
  if (targetWorkflowId !== undefined) {
    if (!isValidWorkflowId(targetWorkflowId)) {
      return { kind: 'unroutable', reason: 'temporal_workflow_id is not a valid workflow id', trusted };
    }
    if (receiverOwnedPrefixes.some((p) => targetWorkflowId.startsWith(p))) {
      return { kind: 'unroutable', reason: 'temporal_workflow_id names a receiver-internal workflow', trusted };
    }
    if (!proof) return { kind: 'workflow', workflowId: targetWorkflowId, trusted };
    const verdict =
      proof.keys.length === 0
        ? ({ ok: false, reason: 'no routing keys configured' } as const)
        : verifyRoutingToken([...proof.keys], targetWorkflowId, proof.kind, proof.token);
    if (verdict.ok) return { kind: 'workflow', workflowId: targetWorkflowId, trusted: true };
    note = verdict.reason;
  }
  if (!lookupSafe.test(resourceId)) {
    return { kind: 'unroutable', reason: 'resource id has characters that cannot be looked up', trusted, note };
  }
  return { kind: 'owner-lookup', resourceId, trusted, note };
}

/** Visibility query for the runs that recorded a resource id (newest first by default ordering). */
export function ownerQuery(resourceId: string): string {
  if (!lookupSafe.test(resourceId)) throw new Error('resource id cannot be looked up');
  return `GeminiResourceIds = '${resourceId}'`;
}
