import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { z } from 'zod';
import { type PublishedApprovals, publishedApprovalsOf, type RecordedDecision, readDecision } from '../contract';
import { recordDecisionSignal } from '../workflows';

/** What a run published about its approvals, read without a worker (describe works while none runs, and after it ended). */
export interface PublishedState {
  workflowId: string;
  runId: string;
  workflowType: string;
  running: boolean;
  /** Absent for runs whose calls opened before this version of geminiflow. */
  published?: PublishedApprovals;
}

export async function readPublishedState(client: Client, workflowId: string): Promise<PublishedState> {
  const d = await client.workflow.getHandle(workflowId).describe();
  return {
    workflowId,
    runId: d.runId,
    workflowType: d.type,
    running: d.status.name === 'RUNNING',
    published: publishedApprovalsOf(d.memo),
  };
}

const historyPage = 100;

/**
 * Decisions recorded (by signal) that the run has not applied yet: the `recordDecision` signals after the last
 * workflow task a worker completed. Read from the end of the history, so it costs a page or two however long the run.
 */
export async function recordedDecisions(
  client: Client,
  workflowId: string,
  runId?: string,
): Promise<RecordedDecision[]> {
  const found: RecordedDecision[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.getWorkflowExecutionHistoryReverse({
      namespace: client.options.namespace,
      execution: { workflowId, ...(runId ? { runId } : {}) },
      maximumPageSize: historyPage,
      ...(nextPageToken ? { nextPageToken } : {}),
    });
    for (const event of page.history?.events ?? []) {
      if (event.workflowTaskCompletedEventAttributes) return found.reverse();
      const signal = event.workflowExecutionSignaledEventAttributes;
      if (signal?.signalName !== recordDecisionSignal.name || !signal.input?.payloads?.[0]) continue;
      const recorded = await recordedDecision(client, signal.input.payloads[0], event.eventTime);
      if (recorded) found.push(recorded);
    }
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return found.reverse();
}

async function recordedDecision(
  client: Client,
  payload: Payload,
  eventTime: { seconds?: unknown; nanos?: number | null } | null | undefined,
): Promise<RecordedDecision | undefined> {
  const { payloadConverter, payloadCodecs } = client.options.loadedDataConverter;
  let payloads = [payload];
  for (const codec of [...payloadCodecs].reverse()) payloads = await codec.decode(payloads);
  try {
    const decision = readDecision(payloadConverter.fromPayload(payloads[0]!));
    if (!decision.decisionId) return undefined;
    const at = Number(String(eventTime?.seconds ?? 0)) * 1000 + Math.floor((eventTime?.nanos ?? 0) / 1e6);
    return {
      decisionId: decision.decisionId,
      callId: decision.callId,
      kind: decision.kind,
      ...(decision.reviewer !== undefined ? { reviewer: decision.reviewer } : {}),
      ...(decision.reason !== undefined ? { reason: decision.reason } : {}),
      recordedAt: new Date(at).toISOString(),
    };
  } catch {
    return undefined; // the run ignores an ill-formed record too
  }
}

/**
 * Why edited arguments do not fit the tool's published JSON Schema (zod reads it), in the run's words; undefined when
 * they fit, or when the schema is one zod cannot read (the run's own check then decides).
 */
export function editProblem(tool: string, schema: Record<string, unknown>, args: unknown): string | undefined {
  if (!Object.keys(schema).length) return undefined;
  let validator: z.ZodType;
  try {
    validator = z.fromJSONSchema(schema as never);
  } catch {
    return undefined;
  }
  const checked = validator.safeParse(args);
  if (checked.success) return undefined;
  const fields = checked.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(arguments)'}: ${i.message}`);
  return `the edited arguments do not fit ${tool}: ${fields.join('; ')}`;
}
