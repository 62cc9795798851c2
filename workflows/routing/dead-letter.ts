import type { Duration } from '@temporalio/common';
import { condition, setHandler } from '@temporalio/workflow';
import {
  type DeadLetterRecord,
  type DeadLetterReplay,
  deadLetterRecordQuery,
  deadLetterReplayedSignal,
} from '../../contract';

/**
 * One dead letter per webhook-id: the record is the workflow's input (and its memo, so listing needs no worker).
 * It stays open, i.e. pending, until it is replayed or the retention period passes.
 */
export async function geminiDeadLetter(
  record: DeadLetterRecord,
  retention: Duration = '30 days',
): Promise<{ record: DeadLetterRecord; replayed?: DeadLetterReplay }> {
  let replayed: DeadLetterReplay | undefined;
  setHandler(deadLetterReplayedSignal, (replay) => void (replayed ??= replay));
  setHandler(deadLetterRecordQuery, () => record);

  await condition(() => replayed !== undefined, retention);
  return { record, replayed };
}
