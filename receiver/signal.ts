import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { type GeminiEvent, geminiEventSignal } from '../contract';

/** gRPC NOT_FOUND: the workflow does not exist, or its latest run has closed. */
const notFound = 5;

/**
 * Signals `event` to the workflow's current run under `requestId`, through the service call itself: a handle's
 * signal() makes a fresh request id for every call, whereas Temporal drops a signal whose request id the run has seen.
 * With the delivery's id as request id, copies of one delivery that land through two receivers (or a late first
 * attempt and its retry) are one signal in the run's history. Resolves false when the workflow does not exist or has
 * closed; other errors propagate (classified by the caller). `header` carries a trace context (Temporal's tracing
 * interceptors read it in the workflow), when tracing.
 */
export async function signalOnce(
  client: Client,
  workflowId: string,
  event: GeminiEvent,
  requestId: string,
  header?: Record<string, Payload>,
): Promise<boolean> {
  const { payloadConverter, payloadCodecs } = client.options.loadedDataConverter;
  let payloads = [payloadConverter.toPayload(event)];
  for (const codec of payloadCodecs) payloads = await codec.encode(payloads);
  try {
    await client.workflowService.signalWorkflowExecution({
      namespace: client.options.namespace,
      workflowExecution: { workflowId },
      signalName: geminiEventSignal.name,
      input: { payloads },
      ...(header ? { header: { fields: header } } : {}),
      identity: client.options.identity,
      requestId,
    });
    return true;
  } catch (err) {
    if ((err as { code?: unknown }).code === notFound) return false;
    throw err;
  }
}
