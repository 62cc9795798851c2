/**
 * Part 4, scale: `waiting` runs parked at once on one worker process, then every job finishing in one burst. The same
 * number of completions first as raw signals (the baseline: Temporal and the worker alone), then, on a fresh set of
 * parked runs, through the receiver, sent as Gemini would (bounded concurrency, every non-2xx retried with backoff and
 * Retry-After). Time to drain each, the answers of 503 and how fast they came, runs not completed, dead letters, the
 * worker's peak RSS and the server's db size.
 */
import { randomUUID } from 'node:crypto';
import type { BenchStack } from '../support/bench-stack';
import { completionDelivery, inPool, signalRaw, startParked, waitAllCompleted } from '../support/parked';
import { peakRssMb, sqliteBytes } from '../support/processes';
import { sendAll } from '../support/sender';
import { type PartResult, round, verdict } from '../support/stats';
import type { WorkerTuning } from '../support/worker-process';

/** How long a drain may take before the runs left are counted as not completed: 10 minutes, more for large runs. */
const drainLimitMs = (waiting: number) => Math.max(600_000, waiting * 200);

/** Parks `waiting` runs, completes them all with `send`, and times it until visibility shows every one completed. */
async function parkAndDrain<T>(
  stack: BenchStack,
  taskQueue: string,
  waiting: number,
  label: string,
  send: (runs: Awaited<ReturnType<typeof startParked>>['runs']) => Promise<T>,
) {
  const parkStarted = Date.now();
  const batch = await startParked(stack, taskQueue, waiting, label);
  const parkS = (Date.now() - parkStarted) / 1000;
  const t0 = Date.now();
  const sent = await send(batch.runs);
  let drained = true;
  await waitAllCompleted(stack, taskQueue, batch.prefix, waiting, drainLimitMs(waiting)).catch(() => (drained = false));
  const drainS = (Date.now() - t0) / 1000;
  const query = `TaskQueue = '${taskQueue}' AND WorkflowId STARTS_WITH '${batch.prefix}' AND ExecutionStatus = 'Completed'`;
  const completed = (await stack.client.workflow.count(query)).count;
  return { parkS, drainS, drained, completed, sent };
}

const deadLetters = async (stack: BenchStack) =>
  (await stack.client.workflow.count(`WorkflowType = 'geminiDeadLetter'`)).count;

export async function scalePart(stack: BenchStack, waiting: number, tuning: WorkerTuning): Promise<PartResult> {
  const started = Date.now();
  const taskQueue = `bench-scale-${randomUUID()}`;
  const worker = await stack.startWorker({ taskQueue, tuning });
  try {
    const dbBefore = sqliteBytes(stack.dbFile);
    const deadLettersBefore = await deadLetters(stack);
    const raw = await parkAndDrain(stack, taskQueue, waiting, 'scale-raw', (runs) => inPool(runs, 256, signalRaw));
    const viaReceiver = await parkAndDrain(stack, taskQueue, waiting, 'scale', (runs) =>
      sendAll(
        runs.map((p) => completionDelivery(stack, p)),
        {
          url: stack.receiverUrl,
          signer: stack.signer,
          giveUpAfterMs: drainLimitMs(waiting),
        },
      ),
    );
    const report = viaReceiver.sent;
    const deadLettered = (await deadLetters(stack)) - deadLettersBefore;
    const peak = peakRssMb(worker.pid);
    const drainRatio = round(viaReceiver.drainS / raw.drainS);
    const figures = {
      waiting,
      worker_tuning: tuning,
      park_s: round(viaReceiver.parkS, 1),
      drain_s: round(viaReceiver.drainS, 1),
      raw_park_s: round(raw.parkS, 1),
      raw_drain_s: round(raw.drainS, 1),
      // The receiver's drain time over the raw signals' (target <= 1.2).
      drain_ratio: drainRatio,
      drained: viaReceiver.drained && raw.drained,
      completed: viaReceiver.completed,
      raw_completed: raw.completed,
      // Not completed within the drain limit (refused deliveries are retried, so they may still complete later).
      lost: waiting - viaReceiver.completed,
      dead_lettered: deadLettered,
      delivered: report.delivered,
      sender_attempts: report.attempts,
      refused_503: report.refused503,
      // 503 without Retry-After: Temporal did not accept within the ack bound (retried like any other).
      unavailable_503: report.unavailable503,
      refusal_p50_ms: round(report.refusalMs.p50, 1),
      refusal_p99_ms: round(report.refusalMs.p99, 1),
      refusal_max_ms: round(report.refusalMs.max, 1),
      refused_by: report.refusedBy,
      accepted_p50_ms: round(report.acceptedMs.p50, 1),
      accepted_p99_ms: round(report.acceptedMs.p99, 1),
      worker_peak_rss_mb: peak,
      persistence_mb: round(sqliteBytes(stack.dbFile) / 2 ** 20, 1),
      persistence_mb_growth: round((sqliteBytes(stack.dbFile) - dbBefore) / 2 ** 20, 1),
      part_s: round((Date.now() - started) / 1000, 0),
    };
    const refusalsOk = report.refused503 === 0 || report.refusalMs.p99 <= 50;
    return {
      key: 'scale',
      figures,
      rows: [
        {
          part: 'scale',
          figure: `${waiting} parked in`,
          value: `${figures.park_s} s`,
          baseline: `raw set ${figures.raw_park_s} s`,
        },
        {
          part: 'scale',
          figure: `burst of ${waiting} completions drained in`,
          value: `${figures.drain_s} s (${drainRatio}x)`,
          baseline: `raw signals ${figures.raw_drain_s} s`,
          target: '<= 1.2x raw',
          verdict: verdict(figures.drained && drainRatio <= 1.2),
        },
        {
          part: 'scale',
          figure: 'answers of 503 busy (p99 time to answer one) / past the ack bound',
          value: `${report.refused503} (${figures.refusal_p99_ms} ms) / ${report.unavailable503}`,
          target: '<= 50 ms',
          verdict: verdict(refusalsOk),
        },
        {
          part: 'scale',
          figure: 'runs not completed / dead letters',
          value: `${figures.lost} / ${deadLettered}`,
          target: '0 / 0',
          verdict: verdict(figures.lost === 0 && deadLettered === 0),
        },
        {
          part: 'scale',
          figure: 'worker peak RSS',
          value: `${peak} MB`,
          target: '<= 1024 MB',
          verdict: verdict((peak ?? Infinity) <= 1024),
        },
        {
          part: 'scale',
          figure: 'whole part (park and drain both sets)',
          value: `${figures.part_s} s`,
          target: '<= 900 s',
          verdict: verdict(figures.part_s <= 900),
        },
        {
          part: 'scale',
          figure: 'Temporal persistence (SQLite), growth for these runs',
          value: `${figures.persistence_mb_growth} MB`,
          baseline: `db ${figures.persistence_mb} MB`,
        },
      ],
    };
  } finally {
    await worker.stop();
  }
}
