/**
 * Part 5, Gemini calls saved: `jobs` Deep Research runs of `durationMs` each, in webhook mode (jobs carry the
 * receiver's URL, the status-read backstop at its default) against polling mode (no webhook URL, the workflow's own
 * status read every 1 s and every 5 s), counted by the emulator by SDK method.
 */
import { randomUUID } from 'node:crypto';
import type { BenchStack } from '../support/bench-stack';
import { deepResearch } from '../support/stack';
import { type PartResult, round, verdict } from '../support/stats';

type Mode = 'webhook' | 'poll 1 s' | 'poll 5 s';

async function callsPerJob(stack: BenchStack, mode: Mode, jobs: number) {
  const taskQueue = `bench-calls-${randomUUID()}`;
  const worker = await stack.startWorker({ taskQueue, webhooks: mode === 'webhook' });
  const every = mode === 'poll 1 s' ? '1 second' : mode === 'poll 5 s' ? '5 seconds' : undefined;
  try {
    stack.emulator.control.inspect.resetCalls();
    const results = await Promise.all(
      Array.from({ length: jobs }, async (_, i) => {
        const handle = await stack.client.workflow.start(deepResearch, {
          taskQueue,
          workflowId: `bench-calls-${mode.replace(/ /g, '')}-${i}-${randomUUID()}`,
          args: [{ topic: `calls bench ${i}`, ...(every ? { reconcileAfter: every, reconcileMax: every } : {}) }],
        });
        return handle.result();
      }),
    );
    const { bySdkMethod, total } = stack.emulator.control.inspect.calls();
    const creates = bySdkMethod['interactions.create'] ?? 0;
    const byWebhook = results.filter((r) => r.resolvedBy === 'webhook').length;
    return { perJob: (total - creates) / jobs, bySdkMethod, byWebhook };
  } finally {
    await worker.stop();
  }
}

export async function callsPart(stack: BenchStack, jobs: number, durationMs: number): Promise<PartResult> {
  stack.emulator.control.model.setDurations({ deepResearchMs: durationMs });
  const webhook = await callsPerJob(stack, 'webhook', jobs);
  const poll1 = await callsPerJob(stack, 'poll 1 s', jobs);
  const poll5 = await callsPerJob(stack, 'poll 5 s', jobs);
  const figures = {
    jobs,
    job_duration_s: durationMs / 1000,
    webhook_per_job: round(webhook.perJob),
    polling_per_job: round(poll5.perJob),
    polling_1s_per_job: round(poll1.perJob),
    webhook_resolved_by_webhook: webhook.byWebhook,
    by_sdk_method: { webhook: webhook.bySdkMethod, polling_5s: poll5.bySdkMethod, polling_1s: poll1.bySdkMethod },
  };
  return {
    key: 'calls',
    figures,
    rows: [
      {
        part: 'calls',
        figure: `API calls per job beyond its creation (${jobs} jobs of ${durationMs / 1000} s)`,
        value: `webhook ${figures.webhook_per_job}`,
        baseline: `poll 5 s ${figures.polling_per_job}, poll 1 s ${figures.polling_1s_per_job}`,
        target: '<= 2',
        verdict: verdict(webhook.perJob <= 2 && webhook.byWebhook === jobs),
      },
    ],
  };
}
