import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { failingRuns } from '../../client/failing-runs';
import { taskQueuePollers } from '../../client/task-queue';
import type { DevLog } from './log';

/** What a person needs to know when the changed code cannot replay a run that started on the code before. */
export function nonDeterminismAdvice(run: { workflowId: string; type: string; message: string }): string {
  return [
    `run ${run.workflowId} (${run.type}) cannot continue on the changed code: ${run.message}`,
    '  It started on the code before the change, and its history says what that code scheduled. A change to what a',
    '  workflow schedules (activities, timers, child workflows, their order) must keep the old path for runs under way:',
    "  put it behind patched('<change-id>') from @temporalio/workflow",
    '  (https://docs.temporal.io/develop/typescript/versioning). Undo the change and the run carries on, or end the',
    `  run: npx geminiflow-temporal workflow terminate --workflow-id ${run.workflowId}`,
  ].join('\n');
}

/**
 * Watches the task queue while dev runs: says once a restarted worker polls it, and says plainly when a run's
 * workflow task keeps failing (a non-deterministic change above all), once per run and reason.
 */
export class RunWatch {
  private readonly told = new Set<string>();
  private readonly stopped = new AbortController();

  constructor(private readonly opts: { client: Client; taskQueue: string; log: DevLog; everyMs?: number }) {}

  start(): void {
    void this.loop();
  }

  stop(): void {
    this.stopped.abort();
  }

  /** Resolves true once the worker with this pid polls the task queue (false if `alive` turns false first). */
  async polling(pid: number, alive: () => boolean): Promise<boolean> {
    while (!this.stopped.signal.aborted && alive()) {
      const pollers = await taskQueuePollers(this.opts.client, this.opts.taskQueue).catch(() => []);
      if (pollers.some((p) => p.identity.startsWith(`${pid}@`))) return true;
      if (!(await this.pause(500))) return false;
    }
    return false;
  }

  private async pause(ms: number): Promise<boolean> {
    return sleep(ms, true, { signal: this.stopped.signal }).catch(() => false);
  }

  private async loop(): Promise<void> {
    while (await this.pause(this.opts.everyMs ?? 2000)) {
      const runs = await failingRuns(this.opts.client, this.opts.taskQueue).catch(() => []);
      for (const run of runs) {
        const key = `${run.runId} ${run.message}`;
        if (this.told.has(key)) continue;
        this.told.add(key);
        this.opts.log.line(
          'dev',
          run.nonDeterministic
            ? nonDeterminismAdvice(run)
            : `run ${run.workflowId} (${run.type}): its workflow task fails and is retried (attempt ${run.attempt}): ${run.message}`,
        );
      }
    }
  }
}
