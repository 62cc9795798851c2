import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { startBenchStack } from '../support/bench-stack';
import { GoogleGenAI, listDeadLetters, listPublications } from '../support/stack';
import { type CrashCounts, CrashMonkey, type CrashTarget } from './crashes';
import { defaultRates, FaultInjector, type FaultRates } from './faults';
import { checkResult, drivePipeline, type PipelineSpec, scriptBriefWriter } from './pipelines';

export interface ChaosOptions {
  pipelines: number;
  /** What gets SIGKILLed; empty = no crashes. */
  crash: CrashTarget[];
  /** Random interval between crashes. */
  crashEveryMs: [number, number];
  rates: FaultRates;
  seed: number;
  timeoutMs: number;
  log: (line: string) => void;
}

export const defaultChaosOptions: ChaosOptions = {
  pipelines: 50,
  crash: ['worker', 'receiver', 'temporal'],
  crashEveryMs: [10_000, 30_000],
  rates: defaultRates,
  seed: Date.now() % 2 ** 31,
  timeoutMs: 15 * 60_000,
  log: (line) => process.stdout.write(`${line}\n`),
};

export interface ChaosReport {
  pipelines: number;
  completed: number;
  /** Pipeline id -> what is wrong with it. */
  problems: Record<string, string[]>;
  crashes: CrashCounts;
  faults: Record<string, number>;
  /** Publications per brief (must all be 1) and Gemini batches per follow-up stage (must all be 1). */
  duplicateSideEffects: number;
  deadLetters: { total: number; lateDuplicates: number; routable: number; byReason: Record<string, number> };
  elapsedS: number;
  /** True when nothing was lost, duplicated or dead-lettered that must not be. */
  ok: boolean;
}

/** A small seeded generator (mulberry32), so a run's dice can be replayed with --seed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * N research-brief pipelines (Deep Research, a follow-up batch, an agent with an approved `publish`) through the
 * whole stack while processes are SIGKILLed and the emulator drops, duplicates and reorders deliveries and fails API
 * calls; then the checks: every pipeline completed once with the right result, every side effect happened once, and
 * no event was dead-lettered that had a live owner.
 */
export async function runChaos(options: Partial<ChaosOptions> = {}): Promise<ChaosReport> {
  const opts = { ...defaultChaosOptions, ...options };
  const random = seeded(opts.seed);
  const started = Date.now();
  const stack = await startBenchStack({
    emulator: { durations: { interactionMs: 300, deepResearchMs: 3000, batchMs: 2000 } },
  });
  const taskQueue = `chaos-${randomUUID()}`;
  const monkey = new CrashMonkey(stack, () => stack.startWorker({ taskQueue }), {
    targets: opts.crash,
    everyMs: opts.crashEveryMs,
    random,
    log: opts.log,
  });
  const injector = new FaultInjector(stack.emulator, opts.rates, random);
  try {
    await monkey.start();
    injector.start();
    const runId = randomUUID().slice(0, 8);
    const specs: PipelineSpec[] = Array.from({ length: opts.pipelines }, (_, i) => {
      const topic = `Chaos topic ${runId}-${i}`;
      return {
        workflowId: `chaos-${runId}-${i}`,
        topic,
        followUps: 1 + (i % 3),
        doc: { title: `Brief: ${topic}`, body: `Pipeline ${i} survived; words counted once.` },
      };
    });
    for (const spec of specs) scriptBriefWriter(stack, spec);
    const deadline = started + opts.timeoutMs;
    const problems: Record<string, string[]> = {};
    let completed = 0;
    await Promise.all(
      specs.map(async (spec, i) => {
        await new Promise((r) => setTimeout(r, i * 100)); // a steady arrival, not one thundering start
        try {
          const result = await drivePipeline(stack, taskQueue, spec, deadline);
          completed++;
          const wrong = checkResult(spec, result);
          if (wrong.length) problems[spec.workflowId] = wrong;
        } catch (err) {
          problems[spec.workflowId] = [(err as Error).message];
        }
        opts.log(
          `${spec.workflowId} ${problems[spec.workflowId] ? 'FAILED' : 'completed'} (${completed} of ${opts.pipelines})`,
        );
      }),
    );
    injector.stop();
    await monkey.stop();
    // Late copies (duplicates, retries after a crash) land now, and would be dead-lettered now.
    await stack.emulator.control.idle();
    await new Promise((r) => setTimeout(r, 2000));

    for (const spec of specs) {
      const runs = await stack.client.workflow.count(`WorkflowId = '${spec.workflowId}'`);
      if (runs.count !== 1) (problems[spec.workflowId] ??= []).push(`${runs.count} runs`);
    }
    const duplicateSideEffects = await countDuplicateSideEffects(
      stack.emulator.baseUrl,
      path.join(stack.dir, 'published'),
      specs,
      problems,
    );
    const deadLetters = await classifyDeadLetters(stack, specs, problems);
    const faults = injector.counts();
    const disturbed = opts.crash.length > 0 || faults.drop + faults.duplicate + faults.reorder + faults.api > 0;
    const ok =
      completed === opts.pipelines &&
      Object.keys(problems).length === 0 &&
      duplicateSideEffects === 0 &&
      deadLetters.routable === 0 &&
      (disturbed || deadLetters.total === 0);
    return {
      pipelines: opts.pipelines,
      completed,
      problems,
      crashes: monkey.counts,
      faults,
      duplicateSideEffects,
      deadLetters,
      elapsedS: Math.round((Date.now() - started) / 1000),
      ok,
    };
  } finally {
    injector.stop();
    await monkey.stop().catch(() => undefined);
    await stack.stop();
  }
}

/** The ledger: one publication per brief and one Gemini batch per follow-up stage, however often anything retried. */
async function countDuplicateSideEffects(
  baseUrl: string,
  publishDir: string,
  specs: PipelineSpec[],
  problems: Record<string, string[]>,
): Promise<number> {
  const publications = listPublications(publishDir);
  const ai = new GoogleGenAI({ apiKey: 'chaos', httpOptions: { baseUrl } });
  const batchNames: string[] = [];
  for await (const batch of await ai.batches.list({ config: { pageSize: 1000 } }))
    batchNames.push(batch.displayName ?? '');
  let duplicates = 0;
  for (const spec of specs) {
    const published = publications.filter((p) => p.idempotencyKey.startsWith(`${spec.workflowId}/brief/`)).length;
    const batches = batchNames.filter((n) => n === `geminiflow ${spec.workflowId}/follow-ups`).length;
    if (published !== 1) (problems[spec.workflowId] ??= []).push(`published ${published} times`);
    if (batches !== 1) (problems[spec.workflowId] ??= []).push(`${batches} Gemini batches for its follow-ups`);
    duplicates += Math.max(0, published - 1) + Math.max(0, batches - 1);
  }
  return duplicates;
}

/**
 * A dead letter for a run that completed correctly, about an event it had already handled, is a late copy (a
 * duplicate delivered after the run closed): reported, not a loss. Any other dead letter is a routable event lost.
 */
async function classifyDeadLetters(
  stack: Awaited<ReturnType<typeof startBenchStack>>,
  specs: PipelineSpec[],
  problems: Record<string, string[]>,
) {
  const entries = await listDeadLetters(stack.client, { includeReplayed: true });
  const byReason: Record<string, number> = {};
  let lateDuplicates = 0;
  for (const { record } of entries) {
    byReason[record.reason] = (byReason[record.reason] ?? 0) + 1;
    const owner = specs.find((s) => record.targetWorkflowId?.startsWith(s.workflowId));
    if (record.reason === 'workflow_closed' && owner && !problems[owner.workflowId]) lateDuplicates++;
  }
  return { total: entries.length, lateDuplicates, routable: entries.length - lateDuplicates, byReason };
}
