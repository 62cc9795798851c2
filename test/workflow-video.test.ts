import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { VideoCompletionEvents } from '../emulator';
import { generateVideo } from '../workflows';
import { type GeminiStack, startGeminiStack } from './helpers/gemini-stack';

/**
 * Video through Interactions runs on Omni models, and an Omni video may end with interaction.completed alone, with
 * video.generated too, or with no webhook at all. Each must give the saved video, and none may leave a dead letter.
 */
describe('generateVideo on Omni, whichever completion events Gemini sends', () => {
  let stack: GeminiStack;
  before(async () => {
    stack = await startGeminiStack({ emulator: { durations: { videoMs: 800 } } });
  });
  after(async () => {
    await stack.stop();
  });

  const cases: [VideoCompletionEvents, 'webhook' | 'reconciliation'][] = [
    ['completed', 'webhook'],
    ['both', 'webhook'],
    ['none', 'reconciliation'],
  ];
  for (const [events, resolvedBy] of cases) {
    it(`events "${events}": the video is saved, resolved by ${resolvedBy}, and no dead letter is left`, async () => {
      stack.emulator.control.model.setVideoCompletionEvents(events);
      const started = new Date();
      const handle = await stack.client.workflow.start(generateVideo, {
        taskQueue: stack.taskQueue,
        workflowId: `video-${events}-${randomUUID()}`,
        args: [{ prompt: `a paper boat, ${events}`, wait: { reconcileAfter: '1500ms', reconcileMax: '3s' } }],
      });
      const result = await handle.result();
      assert.equal(result.resolvedBy, resolvedBy);
      assert.equal(result.mimeType, 'video/mp4');
      assert.match(result.file, /^files\//);
      assert.equal(fs.statSync(result.path).size, result.sizeBytes);
      assert.equal(Number((await stack.ai.files.get({ name: result.file })).sizeBytes), result.sizeBytes);
      // Its usage as Gemini reports it: the prompt's 4 words in, a video's fixed 1000 tokens out (docs/emulator.md).
      const reported = (await stack.ai.interactions.get(result.interactionId)).usage;
      assert.deepEqual([reported?.total_input_tokens, reported?.total_output_tokens], [4, 1000]);
      const own = { inputTokens: 4, outputTokens: 1000, thoughtTokens: 0, cachedTokens: 0, toolUseTokens: 0 };
      assert.deepEqual(result.geminiUsage?.own, { ...own, totalTokens: 1004, jobs: 1 });
      assert.deepEqual(Object.keys(result.geminiUsage?.byModel ?? {}), ['gemini-omni-1.1-flash']);

      const sent = stack.emulator.control.inspect.deliveries({ resourceId: result.interactionId });
      const expected = {
        completed: ['interaction.completed'],
        both: ['interaction.completed', 'video.generated'],
        none: [],
      };
      assert.deepEqual(sent.map((d) => d.eventType).sort(), expected[events]);
      // Every delivery, including one that arrived after the run closed, is answered before dead letters are counted.
      if (sent.length) {
        await stack.emulator.control.waitForDeliveries(
          { resourceId: result.interactionId, status: 'delivered' },
          (delivered) => delivered.length === sent.length,
          15_000,
        );
      }
      await sleep(500);
      const deadLetters = [];
      const query = `WorkflowType = 'geminiDeadLetter' AND StartTime >= '${started.toISOString()}'`;
      for await (const run of stack.client.workflow.list({ query })) {
        const record = run.memo?.record as { resourceId?: string } | undefined;
        if (record?.resourceId === result.interactionId) deadLetters.push(run.workflowId);
      }
      assert.deepEqual(deadLetters, []);
    });
  }
});
