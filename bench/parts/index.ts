import { type BenchStack, startBenchStack } from '../support/bench-stack';
import { startSigner } from '../support/signing';
import type { PartResult } from '../support/stats';
import { batchPart } from './batch';
import { callsPart } from './calls';
import { emulatorDeliveriesPart } from './emulator-deliveries';
import { latencyPart } from './latency';
import { receiverPart } from './receiver-throughput';
import { scalePart } from './scale';
import { proposedWorkerTuning, workerThroughputPart } from './worker-throughput';

/** Runs `fn` on a fresh stack; a failure is reported before the stack is torn down (teardown may add noise). */
async function withStack<T>(opts: Parameters<typeof startBenchStack>[0], fn: (stack: BenchStack) => Promise<T>): Promise<T> {
  const stack = await startBenchStack(opts);
  try {
    return await fn(stack);
  } catch (err) {
    process.stdout.write(`   error: ${(err as Error).stack ?? String(err)}\n`);
    throw err;
  } finally {
    await stack.stop();
  }
}

export interface BenchPart {
  name: string;
  what: string;
  run(quick: boolean): Promise<PartResult>;
}

export const benchParts: BenchPart[] = [
  {
    name: 'latency',
    what: 'event -> resume, via the receiver against raw client.signal and against polling',
    run: (quick) =>
      withStack({}, (stack) =>
        latencyPart(stack, quick ? { sequential: 20, burst: 100, pollingJobs: 3 } : { sequential: 100, burst: 1000, pollingJobs: 10 }),
      ),
  },
  {
    name: 'worker',
    what: 'resumed-and-completed runs per second in a burst, SDK defaults against tuned settings',
    run: (quick) => withStack({}, (stack) => workerThroughputPart(stack, quick ? 150 : 1000)),
  },
  {
    name: 'receiver',
    what: 'verified deliveries per second (v1, v1a) and receiver CPU per delivery against raw client.signal',
    run: async (quick) => {
      const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
      const signer = await startSigner(secret);
      try {
        return await withStack({ jwksUrl: signer.jwksUrl, secret }, (stack) =>
          receiverPart(stack, signer, quick ? { deliveries: 400, concurrency: [16], rounds: 1 } : { deliveries: 1500, concurrency: [16, 64], rounds: 3 }),
        );
      } finally {
        await signer.stop();
      }
    },
  },
  {
    name: 'scale',
    what: 'many parked runs, then all their jobs finishing in one burst',
    run: (quick) => withStack({}, (stack) => scalePart(stack, quick ? 500 : 10_000, proposedWorkerTuning)),
  },
  {
    name: 'calls',
    what: 'Gemini API calls per job, webhook against polling',
    run: (quick) => withStack({}, (stack) => callsPart(stack, quick ? 4 : 20, quick ? 4000 : 30_000)),
  },
  {
    name: 'batch',
    what: 'a large batch end to end (upload, job, download, parse)',
    run: (quick) => withStack({}, (stack) => batchPart(stack, quick ? 10_000 : 100_000, quick ? 3000 : 10_000)),
  },
  {
    name: 'emulator',
    what: 'signed deliveries per second from the emulator (not a product figure: shows the emulator keeps up)',
    run: (quick) => emulatorDeliveriesPart(quick ? 2000 : 20_000),
  },
];
