import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  type WorkflowHandle,
  WorkflowNotFoundError,
} from '@temporalio/client';
import {
  type DeadLetterRecord,
  deadLetterReplayedSignal,
  deadLetterWorkflowId,
  deadLetterWorkflowType,
  type GeminiEvent,
  geminiEventSignal,
} from '../contract';
import { normaliseEventType, toGeminiEvent } from '../routing/envelope';
import { findOwner } from './owner-lookup';

/** What a listing shows: the record without the event and envelope, which stay in the workflow's input. */
export type DeadLetterSummary = Omit<DeadLetterRecord, 'event' | 'envelope'>;

/**
 * The dead-letter store is Temporal itself: one `geminiDeadLetter` workflow per webhook-id, the full record as its
 * input and a summary in its memo, so it can be listed (by type, reason, resource) without a worker; open until it is
 * replayed.
 */
export async function recordDeadLetter(client: Client, taskQueue: string, record: DeadLetterRecord): Promise<void> {
  const { event: _event, envelope: _envelope, ...summary } = record;
  try {
    await client.workflow.start(deadLetterWorkflowType, {
      workflowId: deadLetterWorkflowId(record.webhookId),
      taskQueue,
      args: [record],
      memo: { record: summary },
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (err) {
    // Already recorded (and perhaps replayed) under this webhook-id: a redelivery has nothing more to add.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

export interface DeadLetterEntry {
  workflowId: string;
  status: string;
  record: DeadLetterSummary;
}

export async function listDeadLetters(
  client: Client,
  opts: { type?: string; reason?: string; includeReplayed?: boolean; limit?: number } = {},
): Promise<DeadLetterEntry[]> {
  const query = `WorkflowType = '${deadLetterWorkflowType}'${opts.includeReplayed ? '' : ` AND ExecutionStatus = 'Running'`}`;
  const entries: DeadLetterEntry[] = [];
  for await (const run of client.workflow.list({ query })) {
    const record = run.memo?.record as DeadLetterSummary | undefined;
    if (!record) continue;
    if (opts.type && record.eventType !== opts.type && normaliseEventType(record.eventType) !== opts.type) continue;
    if (opts.reason && record.reason !== opts.reason) continue;
    entries.push({ workflowId: run.workflowId, status: run.status.name, record });
    if (entries.length >= (opts.limit ?? 1000)) break;
  }
  return entries;
}

/** The full record: the dead-letter workflow's input, decoded with the client's own data converter. */
async function storedRecord(client: Client, handle: WorkflowHandle): Promise<DeadLetterRecord | undefined> {
  const history = await handle.fetchHistory();
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  if (!payload) return undefined;
  const { payloadCodecs, payloadConverter } = client.options.loadedDataConverter;
  let decoded = [payload];
  for (const codec of [...payloadCodecs].reverse()) decoded = await codec.decode(decoded);
  return payloadConverter.fromPayload<DeadLetterRecord>(decoded[0]);
}

export class ReplayError extends Error {
  override name = 'ReplayError';
}

/** One dead letter with everything kept about it (the event or envelope included), or undefined when there is none. */
export async function readDeadLetter(
  client: Client,
  webhookId: string,
): Promise<{ workflowId: string; status: string; record: DeadLetterRecord } | undefined> {
  const handle = client.workflow.getHandle(deadLetterWorkflowId(webhookId));
  let status: string;
  try {
    status = (await handle.describe()).status.name;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
  const record = await storedRecord(client, handle);
  return record && { workflowId: handle.workflowId, status, record };
}

/**
 * Signals a dead letter's event to a workflow (`to`, else the recorded target, else the resource's running owner)
 * with via 'replay', then marks the dead letter replayed. The target's inbox dedupes by webhook-id, so replaying
 * twice has one effect.
 */
export async function replayDeadLetter(
  client: Client,
  webhookId: string,
  opts: { to?: string } = {},
): Promise<{ to: string; event: GeminiEvent }> {
  const stored = await readDeadLetter(client, webhookId);
  if (!stored) throw new ReplayError(`no dead letter for webhook-id ${webhookId}`);
  const { record, status } = stored;

  // An unknown type may be known to this version; re-normalise the kept envelope.
  let event = record.event;
  if (!event && record.envelope !== undefined) {
    const parsed = toGeminiEvent(record.webhookId, record.envelope, record.receivedAt);
    if (parsed.kind === 'event') event = parsed.event;
  }
  if (!event)
    throw new ReplayError(
      `dead letter ${webhookId} (type ${record.eventType}) is not an event this version can deliver`,
    );

  let to = opts.to ?? record.targetWorkflowId;
  if (!to) {
    const owner = await findOwner(client, event.resourceId);
    if (!owner?.running) throw new ReplayError(`no running workflow owns ${event.resourceId}; pass --to <workflowId>`);
    to = owner.workflowId;
  }
  try {
    await client.workflow.getHandle(to).signal(geminiEventSignal, { ...event, via: 'replay' });
  } catch (err) {
    throw new ReplayError(`could not signal ${to}: ${(err as Error).message}`);
  }
  if (status === 'RUNNING') {
    await client.workflow
      .getHandle(stored.workflowId)
      .signal(deadLetterReplayedSignal, { to, at: new Date().toISOString() });
  }
  return { to, event };
}
