/**
 * The scale part (bench/parts/scale.ts) on a Temporal cluster and on a dev server, for `npm run test:cluster`: the same
 * number of parked runs, all their jobs finishing in one burst of deliveries through the receiver. Reported side by
 * side, never asserted: the figures depend on the machine and on what else runs on it.
 */
import type { ConnectionOptions } from '@temporalio/client';
import { proposedWorkerTuning } from './parts/worker-throughput';
import { scalePart } from './parts/scale';
import { startBenchStack } from './support/bench-stack';

export interface ScaleFigures {
  where: string;
  waiting: number;
  park_s: number;
  drain_s: number;
  completed: number;
  /** Deliveries the receiver did not answer 2xx (retried by the emulator, so they cost time, not events). */
  errors: number;
  worker_peak_rss_mb?: number;
}

/** One scale run: on `temporal` when given (a cluster), else on a dev server of its own. */
export async function scaleRun(
  where: string,
  waiting: number,
  temporal?: { address: string; namespace: string; connectionOptions?: ConnectionOptions },
): Promise<ScaleFigures> {
  const stack = await startBenchStack({ temporal });
  const since = new Date().toISOString();
  try {
    const { figures } = await scalePart(stack, waiting, proposedWorkerTuning);
    const f = figures as Omit<ScaleFigures, 'where'>;
    return {
      where,
      waiting: f.waiting,
      park_s: f.park_s,
      drain_s: f.drain_s,
      completed: f.completed,
      errors: f.errors,
      worker_peak_rss_mb: f.worker_peak_rss_mb,
    };
  } finally {
    // Runs a burst that did not drain in time leaves waiting: on someone's own cluster, none is left behind.
    const query = `WorkflowId STARTS_WITH 'bench-scale-' AND ExecutionStatus = 'Running' AND StartTime >= '${since}'`;
    for await (const run of stack.client.workflow.list({ query })) {
      await stack.client.workflow.getHandle(run.workflowId, run.runId).terminate('scale run over').catch(() => undefined);
    }
    await stack.stop();
  }
}

export function scaleTable(runs: ScaleFigures[]): string {
  const header = ['where', 'waiting runs', 'parked in', 'burst drained in', 'completed', 'non-2xx deliveries', 'worker peak RSS'];
  const rows = runs.map((r) => [
    r.where,
    String(r.waiting),
    `${r.park_s} s`,
    `${r.drain_s} s`,
    String(r.completed),
    String(r.errors),
    r.worker_peak_rss_mb === undefined ? '-' : `${r.worker_peak_rss_mb} MB`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
