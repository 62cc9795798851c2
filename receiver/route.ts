import { maxWorkflowIdLength, receiverOwnedPrefixes } from '../common/contract';

/**
 * Where a verified event goes. The creator of a job names its workflow in user_metadata; without that, the owner is
 * whichever run recorded the resource id in its GeminiResourceIds search attribute.
 */
export type Route =
  | { kind: 'workflow'; workflowId: string }
  | { kind: 'owner-lookup'; resourceId: string }
  | { kind: 'unroutable'; reason: string };

// Resource ids go into a visibility query and a workflow id; anything outside this set is refused, not escaped.
const lookupSafe = /^[A-Za-z0-9_.\/:@+-]{1,200}$/;


export function routeFor(resourceId: string, targetWorkflowId?: string): Route {
  if (targetWorkflowId !== undefined) {
    if (targetWorkflowId.length > maxWorkflowIdLength || /[\u0000-\u001f]/.test(targetWorkflowId)) {
      return { kind: 'unroutable', reason: 'temporal_workflow_id is not a valid workflow id' };
    }
    if (receiverOwnedPrefixes.some((p) => targetWorkflowId.startsWith(p))) {
      return { kind: 'unroutable', reason: 'temporal_workflow_id names a receiver-internal workflow' };
    }
    return { kind: 'workflow', workflowId: targetWorkflowId };
  }
  if (!lookupSafe.test(resourceId))
    return { kind: 'unroutable', reason: 'resource id has characters that cannot be looked up' };
  return { kind: 'owner-lookup', resourceId };
}

/** Visibility query for the runs that recorded a resource id (newest first by default ordering). */
export function ownerQuery(resourceId: string): string {
  if (!lookupSafe.test(resourceId)) throw new Error('resource id cannot be looked up');
  return `GeminiResourceIds = '${resourceId}'`;
}

