import { type FanOutJob, type FanOutPlan, maxPlanPartBytes } from '../../contract';
import { readFanOutPlan, storeFanOutPlan } from '../activities';

export function planSize(plan: FanOutPlan): number {
  return plan.kind === 'inline' ? plan.jobs.length : plan.total;
}

/** The plan for `jobs`: inline when small, else stored part by part (each part's jobs pass through history once). */
export async function planFor(jobs: FanOutJob[], storeKey: string): Promise<FanOutPlan> {
  const sizes = jobs.map((j) => JSON.stringify(j).length);
  if (sizes.reduce((a, b) => a + b, 0) <= maxPlanPartBytes) return { kind: 'inline', jobs };
  const parts = [];
  for (let start = 0; start < jobs.length; ) {
    let end = start;
    for (let bytes = 0; end < jobs.length && (end === start || bytes + sizes[end]! <= maxPlanPartBytes); end++)
      bytes += sizes[end]!;
    parts.push(await storeFanOutPlan({ key: storeKey, part: parts.length, jobs: jobs.slice(start, end) }));
    start = end;
  }
  return { kind: 'stored', parts, total: jobs.length };
}

/**
 * The jobs of the items a run is about to start. An inline plan has them all; a stored one is read part by part (one
 * activity per part, each part at most `maxPlanPartBytes`) as the run gets to them, so a run's history holds only
 * the jobs it starts.
 */
export class PlanReader {
  private readonly jobs = new Map<number, FanOutJob>();
  private readonly runItems: Set<number>;

  /** `runItems`: every item this run may start; a part's read brings all of those it holds. */
  constructor(
    private readonly plan: FanOutPlan,
    runItems: number[],
  ) {
    this.runItems = new Set(runItems);
  }

  get(index: number): FanOutJob | undefined {
    return this.plan.kind === 'inline' ? this.plan.jobs[index] : this.jobs.get(index);
  }

  /** Reads the parts holding any of `indices` not read yet. */
  async load(indices: number[]): Promise<void> {
    if (this.plan.kind === 'inline') return;
    let offset = 0;
    for (const part of this.plan.parts) {
      const wanted = indices.filter((i) => i >= offset && i < offset + part.count && !this.jobs.has(i));
      if (wanted.length) {
        // Every job of the part this run will start, not only the first few: one read per part and run.
        const all = Array.from({ length: part.count }, (_, k) => offset + k).filter(
          (i) => this.runItems.has(i) && !this.jobs.has(i),
        );
        const jobs = await readFanOutPlan({ parts: this.plan.parts, indices: all });
        all.forEach((index, k) => {
          this.jobs.set(index, jobs[k]!);
        });
      }
      offset += part.count;
    }
  }
}
