import type { FanOutJob, FanOutPlan } from '../../common/contract';
import { readFanOutPlan, storeFanOutPlan } from '../activities';

/**
 * Plans up to this size travel inline (in the fan-out's input, carried to each run); larger ones go to the fan-out
 * store in parts of this size, each far below Temporal's 2 MB payload limit.
 */
export const maxInlinePlanBytes = 128 * 1024;

export function planSize(plan: FanOutPlan): number {
  return plan.kind === 'inline' ? plan.jobs.length : plan.total;
}

/** The plan for `jobs`: inline when small, else stored part by part (each part's jobs pass through history once). */
export async function planFor(jobs: FanOutJob[], storeKey: string): Promise<FanOutPlan> {
  const sizes = jobs.map((j) => JSON.stringify(j).length);
  if (sizes.reduce((a, b) => a + b, 0) <= maxInlinePlanBytes) return { kind: 'inline', jobs };
  const parts = [];
  for (let start = 0; start < jobs.length; ) {
    let end = start;
    for (let bytes = 0; end < jobs.length && (end === start || bytes + sizes[end]! <= maxInlinePlanBytes); end++) bytes += sizes[end]!;
    parts.push(await storeFanOutPlan({ key: storeKey, part: parts.length, jobs: jobs.slice(start, end) }));
    start = end;
  }
  return { kind: 'stored', parts, total: jobs.length };
}

/** The jobs of the items one run starts, by index. */
export async function jobsOf(plan: FanOutPlan, indices: number[]): Promise<Map<number, FanOutJob>> {
  if (indices.length === 0) return new Map();
  const jobs = plan.kind === 'inline' ? indices.map((i) => plan.jobs[i]!) : await readFanOutPlan({ parts: plan.parts, indices });
  return new Map(indices.map((index, k) => [index, jobs[k]!]));
}
