import type { BatchItemResult } from '../common/contract';
import { readJsonLines } from './files';

/** Every result of a prompt fan-out in prompt order, from its `resultsFile` (where the fan-out store is readable). */
export async function* readPromptResults(resultsFile: string): AsyncGenerator<{ key: string; result: BatchItemResult }> {
  for await (const { text } of readJsonLines(resultsFile)) yield JSON.parse(text) as { key: string; result: BatchItemResult };
}
