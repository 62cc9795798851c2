import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { GoogleGenAI, WebhookConfig } from '@google/genai';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  type BatchRequestOptions,
  type CollectedBatchResults,
  type CreatedBatch,
  GeminiflowFailure,
  type PromptSource,
  type UploadedBatchInput,
} from '../contract';
import { badInput, batchInputLines } from './batch-input';
import { defaultInlineResultLimitBytes, parseBatchOutput } from './batch-output';
import { createOnce } from './create-once';
import { downloadGeminiFile, scratchDir, uploadGeminiFile } from './files';
import { callGemini, type GeminiContext, geminiFailure } from './gemini-client';
import type { FoundState } from './reconcile';

const finishedStates = /(SUCCEEDED|FAILED|CANCELLED|EXPIRED)$/;

export function createBatchActivities({ ai, webhookConfig, traced }: GeminiContext) {
  /** Where a finished batch's responses are: its output file, or inline in the batch (an inline batch's). */
  const outputOf = async (batchName: string): Promise<{ file: string } | { inlined: unknown[] }> => {
    const batch = await callGemini(() => ai.batches.get({ name: batchName }));
    if (batch.dest?.fileName) return { file: batch.dest.fileName };
    if (batch.dest?.inlinedResponses) return { inlined: batch.dest.inlinedResponses };
    throw ApplicationFailure.nonRetryable(`batch ${batchName} has no output`, GeminiflowFailure.badBatchOutput);
  };

  /**
   * A worker can die after Gemini created the batch but before the heartbeat naming it reached Temporal. So a retry
   * that has no heartbeat looks for a batch with this display name created since the activity was first scheduled,
   * and adopts it instead of creating a second one.
   */
  const batchFromEarlierAttempt = async (displayName: string): Promise<CreatedBatch | undefined> => {
    const { attempt, scheduledTimestampMs } = Context.current().info;
    if (attempt <= 1) return undefined;
    const pager = await callGemini(() => ai.batches.list({ config: { pageSize: 100 } }));
    let seen = 0;
    for await (const batch of pager) {
      const created = batch.createTime ? Date.parse(batch.createTime) : 0;
      if (batch.displayName === displayName && created >= scheduledTimestampMs - 1000 && batch.name) {
        return { batchName: batch.name, state: String(batch.state ?? '') };
      }
      if (++seen >= 1000) break;
    }
    return undefined;
  };

  return {
    /**
     * Writes the input JSONL to a temporary file line by line (awaiting the disk when it falls behind), then uploads
     * it through the Files API, which streams it in chunks. The uploaded file is heartbeated, so a retry after a crash
     * reuses it instead of uploading again.
     */
    async uploadBatchInput(input: {
      source: PromptSource;
      options?: BatchRequestOptions;
      displayName: string;
    }): Promise<UploadedBatchInput> {
      const ctx = Context.current();
      const prior = ctx.info.heartbeatDetails as { uploaded?: UploadedBatchInput } | undefined;
      if (prior?.uploaded) return prior.uploaded;

      const scratch = scratchDir('batch-input');
      try {
        const jsonlPath = path.join(scratch.dir, 'input.jsonl');
        const out = fs.createWriteStream(jsonlPath, 'utf8');
        let count = 0;
        try {
          for await (const line of batchInputLines(input.source, input.options)) {
            if (!out.write(`${JSON.stringify(line)}\n`)) await once(out, 'drain');
            if (++count % 1000 === 0) ctx.heartbeat({ written: count });
          }
        } finally {
          out.end();
          await once(out, 'close');
        }
        if (count === 0) throw badInput('the batch has no prompts');
        const { name, sizeBytes } = await uploadGeminiFile(ai, jsonlPath, {
          mimeType: 'jsonl',
          displayName: `${input.displayName} input`,
        });
        const uploaded = { file: name, count, sizeBytes };
        ctx.heartbeat({ uploaded });
        return uploaded;
      } finally {
        scratch.cleanup();
      }
    },

    /** Creates the batch from the uploaded file, routed back to this workflow. */
    async createBatchJob(input: { model: string; file: string; displayName: string }): Promise<CreatedBatch> {
      return createOnce(
        'batchName',
        async () => {
          const earlier = await batchFromEarlierAttempt(input.displayName);
          if (earlier) return { id: earlier.batchName, result: earlier };
          const call = { action: 'create', operation: 'generate_content', job: 'batch', model: input.model } as const;
          const batch = await traced(call, () =>
            ai.batches.create({
              model: input.model,
              src: input.file,
              config: {
                displayName: input.displayName,
                // The SDK copies this as-is, and the live API rejects its camelCase `userMetadata`: snake_case only.
                webhookConfig: webhookConfig('batch') as WebhookConfig,
              },
            }),
          );
          return { id: batch.name!, result: { batchName: batch.name!, state: String(batch.state ?? '') } };
        },
        async (batchName: string) => {
          const batch = await callGemini(() => ai.batches.get({ name: batchName }));
          return { batchName, state: String(batch.state ?? '') };
        },
      );
    },

    /** Cancels a running batch. One that already ended counts as done, so retries are harmless. */
    async cancelBatchJob(batchName: string): Promise<{ state: string }> {
      try {
        await ai.batches.cancel({ name: batchName });
      } catch (err) {
        const current = await callGemini(() => ai.batches.get({ name: batchName }));
        if (!finishedStates.test(String(current.state))) throw geminiFailure(err);
        return { state: String(current.state) };
      }
      const after = await callGemini(() => ai.batches.get({ name: batchName }));
      return { state: String(after.state ?? '') };
    },

    /**
     * Downloads the output JSONL to a temporary file and parses it into results by key, with the usage of every
     * response. Inline responses (`{response, metadata: {key}}`) are written to the same kind of file first.
     */
    async collectBatchResults(input: {
      batchName: string;
      outputFile?: string;
      source: PromptSource;
      inlineResultLimitBytes?: number;
    }): Promise<CollectedBatchResults> {
      const output = input.outputFile ? { file: input.outputFile } : await outputOf(input.batchName);
      const outputFile = 'file' in output ? output.file : input.batchName;
      const scratch = scratchDir('batch-output');
      try {
        const outPath = path.join(scratch.dir, 'output.jsonl');
        if ('file' in output) await downloadGeminiFile(ai, output.file, outPath);
        else await fs.promises.writeFile(outPath, output.inlined.map((r) => `${JSON.stringify(r)}\n`).join(''));
        const limit = input.inlineResultLimitBytes ?? defaultInlineResultLimitBytes;
        return { outputFile, ...(await parseBatchOutput(outPath, input.source, limit)) };
      } finally {
        scratch.cleanup();
      }
    },
  };
}

/** The reconciliation backstop's read of a batch: the event its current state would have sent, or null. */
export async function readBatchStatus(ai: GoogleGenAI, name: string): Promise<FoundState | null> {
  const batchName = name.startsWith('batches/') ? name : `batches/${name}`;
  const batch = await callGemini(() => ai.batches.get({ name: batchName }));
  // The SDK maps BATCH_STATE_* to JOB_STATE_*; either spelling is accepted.
  const state = String(batch.state ?? '').replace(/^(JOB|BATCH)_STATE_/, '');
  switch (state) {
    case 'SUCCEEDED':
      return { type: 'batch.succeeded', data: batch.dest?.fileName ? { output_file_uri: batch.dest.fileName } : {} };
    case 'FAILED':
      return {
        type: 'batch.failed',
        data: { error_code: batch.error?.code ?? 'FAILED', error_message: batch.error?.message ?? 'the batch failed' },
      };
    case 'EXPIRED':
      return { type: 'batch.expired', data: {} };
    case 'CANCELLED':
      return { type: 'batch.cancelled', data: {} };
    default:
      return null; // PENDING, RUNNING, QUEUED, CANCELLING, …
  }
}
