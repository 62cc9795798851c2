import {
  addTokens,
  type GeminiUsage,
  type ModelUsage,
  noModelUsage,
  readGeminiUsage,
  type TokenUsage,
} from '../../contract';

/**
 * One run's token usage: its own jobs, as their activities report Gemini's numbers, and its children's, as their
 * results report them. Plain state; what the workflow schedules around it (the memo) is in the tracker.
 */
export class UsageMeter {
  private readonly byModel: Record<string, ModelUsage>;
  private readonly total: ModelUsage;
  private readonly own: ModelUsage;
  private children: number;

  constructor(carried?: GeminiUsage) {
    const from = readGeminiUsage(carried);
    this.byModel = from?.byModel ?? {};
    this.total = from?.total ?? noModelUsage();
    this.own = from?.own ?? noModelUsage();
    this.children = from?.children ?? 0;
  }

  /** One of this run's own jobs, as Gemini reported it. */
  recordJob(model: string, tokens: TokenUsage): void {
    this.add(model, { ...tokens, jobs: 1 });
    addTokens(this.own, tokens).jobs++;
  }

  /** A child's usage, from its result: everything it and its own children used, by model. */
  addChild(usage: GeminiUsage): void {
    for (const [model, m] of Object.entries(usage.byModel)) this.add(model, m);
    this.children += 1 + usage.children;
  }

  get totalTokens(): number {
    return this.total.totalTokens;
  }

  models(): Record<string, ModelUsage> {
    return this.byModel;
  }

  view(): GeminiUsage {
    const byModel = Object.fromEntries(Object.entries(this.byModel).map(([k, v]) => [k, { ...v }]));
    return { byModel, total: { ...this.total }, own: { ...this.own }, children: this.children };
  }

  private add(model: string, m: ModelUsage): void {
    const entry = (this.byModel[model] ??= noModelUsage());
    addTokens(entry, m).jobs += m.jobs;
    addTokens(this.total, m).jobs += m.jobs;
  }
}
