import type { BenchStack } from '../support/bench-stack';
import type { PartResult } from '../support/stats';
import { batchPart } from './batch';
import { callsPart } from './calls';
import { emulatorDeliveriesPart } from './emulator-deliveries';
import { fanOutPart } from './fan-out';
import { latencyPart } from './latency';
import { receiverPart } from './receiver-throughput';
import { scalePart } from './scale';
import { tracingPart } from './tracing';
import { proposedWorkerTuning, workerThroughputPart } from './worker-throughput';

export interface BenchPart {
  name: string;
  what: string;
  /** False for a part that brings what it measures itself. */
  needsStack: boolean;
  run(stack: BenchStack | undefined, quick: boolean): Promise<PartResult>;
}

export const benchParts: BenchPart[] = [
  {
    name: 'latency',
    what: 'event -> resume, via the receiver against raw client.signal and against polling',
    needsStack: true,
    run: (stack, quick) =>
      latencyPart(
        stack!,
        quick
          ? {
              sequential: 20,
              bursts: [
                { size: 100, concurrency: 128 },
                { size: 400, concurrency: 400 },
              ],
              pollingJobs: 3,
            }
          : {
              sequential: 100,
              bursts: [
                { size: 100, concurrency: 128 },
                { size: 1000, concurrency: 128 },
                { size: 1000, concurrency: 1000 },
              ],
              pollingJobs: 10,
            },
      ),
  },
  {
    name: 'worker',
    what: 'parked runs resumed in a burst: completed per second and worker memory, SDK defaults against other settings',
    needsStack: true,
    run: (stack, quick) => workerThroughputPart(stack!, quick ? 300 : 1500, quick),
  },
  {
    name: 'receiver',
    what: 'verified deliveries per second (v1, v1a) and receiver CPU per delivery against raw client.signal',
    needsStack: true,
    run: (stack, quick) =>
      receiverPart(
        stack!,
        quick
          ? { deliveries: 400, concurrency: [16, 64], rounds: 1 }
          : { deliveries: 1500, concurrency: [16, 64], rounds: 3 },
      ),
  },
  {
    name: 'scale',
    what: 'many parked runs (BENCH_SCALE_WAITING to change), then all their jobs finishing in one burst',
    needsStack: true,
    run: (stack, quick) =>
      scalePart(stack!, Number(process.env.BENCH_SCALE_WAITING) || (quick ? 200 : 10_000), proposedWorkerTuning),
  },
  {
    name: 'calls',
    what: 'Gemini API calls per job, webhook against polling',
    needsStack: true,
    run: (stack, quick) => callsPart(stack!, quick ? 4 : 20, quick ? 4000 : 30_000),
  },
  {
    name: 'batch',
    what: 'a large batch end to end (upload, job, download, parse)',
    needsStack: true,
    run: (stack, quick) => batchPart(stack!, quick ? 10_000 : 100_000, quick ? 3000 : 10_000),
  },
  {
    name: 'fanout',
    what: 'jobs from one pipeline through a worker kill and a Temporal restart, against independent workflows; prompts packed into Batch jobs',
    needsStack: true,
    run: (stack, quick) =>
      fanOutPart(stack!, {
        jobs: Number(process.env.BENCH_FANOUT_JOBS) || (quick ? 500 : 10_000),
        window: quick ? 100 : 300,
        itemsPerRun: quick ? 200 : 1000,
        prompts: quick ? 4000 : 20_000,
        promptsPerBatch: quick ? 1000 : 5000,
        tuning: proposedWorkerTuning,
      }),
  },
  {
    name: 'tracing',
    what: 'tracing on (OTLP) beside tracing off: receiver deliveries per second and event -> resume latency',
    needsStack: true,
    run: (stack, quick) =>
      tracingPart(
        stack!,
        quick
          ? { deliveries: 400, concurrency: 16, rounds: 3, sequential: 30 }
          : { deliveries: 1500, concurrency: 16, rounds: 3, sequential: 100 },
      ),
  },
  {
    name: 'emulator',
    what: 'signed deliveries per second from the emulator (not a product figure: shows the emulator keeps up)',
    needsStack: false,
    run: (_stack, quick) => emulatorDeliveriesPart(quick ? 2000 : 20_000),
  },
];
