/**
 * Part 4, scale: `waiting` runs parked at once on one worker process, then every job finishing in one burst of
 * emulator deliveries through the receiver: time to drain, the worker's peak RSS, deliveries the receiver did not
 * answer 2xx (they are retried, so they cost time but lose nothing), runs not completed, and the server's db size.
 */
import { randomUUID } from 'node:crypto';
import type { BenchStack } from '../support/bench-stack';
import { emitCompletion, startParked, waitAllCompleted } from '../support/parked';
import { peakRssMb, sqliteBytes } from '../support/processes';
import { type PartResult, round, verdict } from '../support/stats';
import type { WorkerTuning } from '../support/worker-process';

export async function scalePart(stack: BenchStack, waiting: number, tuning: WorkerTuning): Promise<PartResult> {
  const taskQueue = `bench-scale-${randomUUID()}`;
  const worker = await stack.startWorker({ taskQueue, tuning });
  try {
    const dbBeforePark = sqliteBytes(stack.dbFile);
    const parkStarted = Date.now();
    const batch = await startParked(stack, taskQueue, waiting, 'scale');
    const parkS = (Date.now() - parkStarted) / 1000;
    const dbBeforeBurst = sqliteBytes(stack.dbFile);
    const t0 = Date.now();
    for (const p of batch.runs) emitCompletion(stack, p);
    let completedAll = true;
    await waitAllCompleted(stack, taskQueue, batch.prefix, waiting, 600_000).catch(() => (completedAll = false));
    const drainS = (Date.now() - t0) / 1000;
    const completed = (
      await stack.client.workflow.count(`TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Completed'`)
    ).count;
    const ours = new Set(batch.runs.map((p) => p.resourceId));
    const deliveries = stack.emulator.control.inspect.deliveries({ eventType: 'interaction.completed' }).filter((d) => ours.has(d.resourceId));
    const refused = deliveries.flatMap((d) => d.attempts).filter((a) => a.outcome !== 'success' && !a.duplicate);
    const refusedBy: Record<string, number> = {};
    for (const a of refused) {
      const why = a.statusCode ? `HTTP ${a.statusCode}` : a.outcome;
      refusedBy[why] = (refusedBy[why] ?? 0) + 1;
    }
    const figures = {
      waiting,
      worker_tuning: tuning,
      park_s: round(parkS, 1),
      drain_s: round(drainS, 1),
      drained: completedAll,
      completed,
      // Not completed within the drain limit (refused deliveries are retried, so they may still complete later).
      lost: waiting - completed,
      worker_peak_rss_mb: peakRssMb(worker.pid),
      errors: refused.length,
      errors_by: refusedBy,
      persistence_mb: round(sqliteBytes(stack.dbFile) / 2 ** 20, 1),
      persistence_mb_growth: round((sqliteBytes(stack.dbFile) - dbBeforePark) / 2 ** 20, 1),
      persistence_mb_growth_burst: round((sqliteBytes(stack.dbFile) - dbBeforeBurst) / 2 ** 20, 1),
    };
    return {
      key: 'scale',
      figures,
      rows: [
        { part: 'scale', figure: `${waiting} parked in`, value: `${figures.park_s} s` },
        { part: 'scale', figure: `burst of ${waiting} completions drained in`, value: `${figures.drain_s} s`, target: '<= 120 s', verdict: verdict(completedAll && drainS <= 120) },
        { part: 'scale', figure: 'worker peak RSS', value: `${figures.worker_peak_rss_mb} MB`, target: '<= 1024 MB', verdict: verdict((figures.worker_peak_rss_mb ?? Infinity) <= 1024) },
        { part: 'scale', figure: 'deliveries not answered 2xx / runs not completed within 600 s', value: `${figures.errors} / ${figures.lost}`, target: '0 / 0', verdict: verdict(figures.errors === 0 && figures.lost === 0) },
        { part: 'scale', figure: 'Temporal persistence (SQLite), growth for these runs', value: `${figures.persistence_mb_growth} MB`, baseline: `db ${figures.persistence_mb} MB` },
      ],
    };
  } finally {
    await worker.stop();
  }
}
