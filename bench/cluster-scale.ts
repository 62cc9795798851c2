/**
 * The scale part (bench/parts/scale.ts) on a Temporal cluster and on a dev server, for `npm run test:cluster`: the same
 * number of parked runs, all their jobs finishing in one burst of deliveries through the receiver. Reported side by
 * side, never asserted: the figures depend on the machine and on what else runs on it.
 */
import type { ConnectionOptions } from '@temporalio/client';
import { scalePart } from './parts/scale';
import { proposedWorkerTuning } from './parts/worker-throughput';
import { startBenchStack } from './support/bench-stack';

export interface ScaleFigures {
  where: string;
  waiting: number;
  park_s: number;
  drain_s: number;
  /** The same number of completions sent as raw signals, on the same server, just before. */
  raw_drain_s: number;
  completed: number;
  /** Answers of 503 with Retry-After, decided at the receiver's door (retried by the sender: they cost time, not events). */
  refused_503: number;
  /** Answers of 503 because Temporal did not accept the signal within the ack bound. */
  unavailable_503: number;
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
      raw_drain_s: f.raw_drain_s,
      completed: f.completed,
      refused_503: f.refused_503,
      unavailable_503: f.unavailable_503,
      worker_peak_rss_mb: f.worker_peak_rss_mb,
    };
  } finally {
    // Runs a burst that did not drain in time leaves waiting: on someone's own cluster, none is left behind.
    const query = `WorkflowId STARTS_WITH 'bench-scale-' AND ExecutionStatus = 'Running' AND StartTime >= '${since}'`;
    for await (const run of stack.client.workflow.list({ query })) {
      await stack.client.workflow
        .getHandle(run.workflowId, run.runId)
        .terminate('scale run over')
        .catch(() => undefined);
    }
    await stack.stop();
  }
}

export function scaleTable(runs: ScaleFigures[]): string {
  const header = [
    'where',
    'waiting runs',
    'parked in',
    'burst drained in',
    'raw signals drained in',
    'completed',
    '503s busy / unavailable',
    'worker peak RSS',
  ];
  const rows = runs.map((r) => [
    r.where,
    String(r.waiting),
    `${r.park_s} s`,
    `${r.drain_s} s`,
    `${r.raw_drain_s} s`,
    String(r.completed),
    `${r.refused_503} / ${r.unavailable_503}`,
    r.worker_peak_rss_mb === undefined ? '-' : `${r.worker_peak_rss_mb} MB`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
