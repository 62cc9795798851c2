import type { WorkflowHandle } from '@temporalio/client';
import type { GeminiflowClient } from '../../client';
import { type PipelineStage, type PipelineStatus, pipelineStatusQuery } from '../research-brief-pipeline';

type Say = (line: string) => void;

/**
 * Shows a pipeline as it goes: each stage as it starts, what the stage's run waits for on Gemini, and each event as
 * it reaches the run (by webhook, or by the reconciliation backstop). Only the current stage is asked, plus one last
 * look at the stage before it.
 */
export class PipelineWatch {
  private stage?: PipelineStage;
  private readonly seen = new Set<string>();

  constructor(
    private readonly geminiflow: GeminiflowClient,
    private readonly pipeline: WorkflowHandle,
    private readonly say: Say,
  ) {}

  async poll(): Promise<PipelineStatus | undefined> {
    const status = await this.pipeline.query(pipelineStatusQuery).catch(() => undefined);
    if (!status) return undefined;
    if (status.stage !== this.stage) {
      const before = this.stage;
      this.stage = status.stage;
      // The stage just left gets its last word: a fan-out that finished between two polls still shows its end.
      if (before === 'sources') await this.showFanOut(status.children.sources);
      else if (before && before !== 'done') await this.showWaits(before, status.children[before]);
      if (status.stage !== 'done') this.say(`stage: ${status.stage} (run ${status.children[status.stage]})`);
    }
    if (status.stage === 'sources') await this.showFanOut(status.children.sources);
    else if (status.stage !== 'done') await this.showWaits(status.stage, status.children[status.stage]);
    return status;
  }

  /** A fan-out stage waits on many jobs at once: its counts, as `geminiflow status` shows them, each time they change. */
  private async showFanOut(workflowId: string): Promise<void> {
    const [progress] = await this.geminiflow.fanOutProgress(workflowId).catch(() => []);
    if (!progress) return;
    const { done, running, failed, left, total } = progress;
    this.once(
      `f|${workflowId}|${done}|${running}|${failed}`,
      `  sources    done ${done}, running ${running}, failed ${failed}, left ${left} of ${total}`,
    );
  }

  private once(key: string, line: string): void {
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.say(line);
  }

  private async showWaits(stage: string, workflowId: string): Promise<void> {
    const waits = await this.geminiflow.waits(workflowId).catch(() => undefined);
    const label = `  ${stage.padEnd(10)}`;
    for (const w of waits?.waiting ?? []) {
      this.once(
        `w|${workflowId}|${w.resource.id}|${w.since}`,
        `${label} waits for ${w.until.join(' | ')} on ${w.resource.kind} ${w.resource.id}`,
      );
    }
    for (const r of waits?.resolved ?? []) {
      this.once(
        `r|${workflowId}|${r.resource.id}|${r.type}|${r.at}`,
        `${label} event ${r.type} reached the run by ${r.resolvedBy} after ${r.waitedMs} ms`,
      );
    }
  }
}
