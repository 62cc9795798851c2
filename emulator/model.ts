import { checkEndStatus, checkPhase, type Directives, parseDirectives, stripDirectives } from './directives';
import { invalidArgument } from './errors';
import { definedFields } from './fields';
import { shortHash } from './ids';
import type { BatchRule, InteractionRule, JobDurations, ScriptedFunctionCall, StatusPhase } from './types';
import { usageMetadata } from './usage';

/** What the model sees of one interaction turn. */
export interface TurnContext {
  model?: string;
  agent?: string;
  /** Text of the first turn of the previous_interaction_id chain. */
  rootInputText: string;
  /** Text of this turn's input. */
  inputText: string;
  functionTools: { name: string; parameters?: unknown }[];
  functionResults: { call_id: string; name?: string; result: unknown }[];
  /** 0 for a new conversation, +1 per previous_interaction_id hop. */
  turnIndex: number;
  /** The text an unscripted turn answers with instead of the echo (the Deep Research report). */
  defaultText?: string;
}

/** A turn's outcome, and the statuses a background interaction shows before it runs (`phases`). */
export type TurnPlan = { durationMs?: number; phases?: StatusPhase[] } & (
  | { kind: 'calls'; calls: Required<ScriptedFunctionCall>[] }
  | { kind: 'text'; text: string }
  | { kind: 'fail'; code: string; message: string }
  | { kind: 'end'; status: string }
);

const defaultDurations: Required<JobDurations> = {
  interactionMs: 1_000,
  deepResearchMs: 30_000,
  batchMs: 60_000,
  videoMs: 20_000,
};

/**
 * The deterministic model: outputs follow from inputs (see README "The deterministic model"), and tests can script
 * conversations and batches with rules that win over the defaults.
 */
export class DeterministicModel {
  private interactionRules: InteractionRule[] = [];
  private batchRules: BatchRule[] = [];
  durations: Required<JobDurations>;

  constructor(durations: JobDurations = {}) {
    this.durations = { ...defaultDurations, ...definedFields(durations) };
  }

  addInteractionRule(rule: InteractionRule): void {
    if (!rule || !Array.isArray(rule.turns) || rule.turns.length === 0) {
      throw invalidArgument('an interaction rule needs a non-empty turns list');
    }
    this.interactionRules.push(structuredClone(rule));
  }

  addBatchRule(rule: BatchRule): void {
    if (!rule || typeof rule !== 'object') throw invalidArgument('a batch rule must be an object');
    this.batchRules.push(structuredClone(rule));
  }

  setDurations(d: JobDurations): Required<JobDurations> {
    for (const [k, v] of Object.entries(d ?? {})) {
      if (v !== undefined && !(typeof v === 'number' && v >= 0)) throw invalidArgument(`${k} must be a number >= 0`);
    }
    this.durations = { ...this.durations, ...definedFields(d) };
    return { ...this.durations };
  }

  clearRules(): void {
    this.interactionRules = [];
    this.batchRules = [];
  }

  planTurn(ctx: TurnContext): TurnPlan {
    const rule = this.interactionRules.find((r) => ruleMatches(r, ctx));
    if (rule) {
      const turn = rule.turns[Math.min(ctx.turnIndex, rule.turns.length - 1)]!;
      const timing = { durationMs: turn.durationMs, phases: turn.phases?.map(checkPhase) };
      if (turn.end) return { kind: 'end', status: checkEndStatus(turn.end), ...timing };
      if (turn.fail) {
        return {
          kind: 'fail',
          code: turn.fail.code ?? 'INTERNAL',
          message: turn.fail.message ?? 'Scripted failure.',
          ...timing,
        };
      }
      if (turn.functionCalls?.length) {
        return { kind: 'calls', calls: turn.functionCalls.map((c, i) => this.callOf(ctx, c, i)), ...timing };
      }
      return { kind: 'text', text: turn.text ?? ctx.defaultText ?? this.replyText(ctx), ...timing };
    }
    const directives = parseDirectives(ctx.inputText);
    return {
      ...this.planFromDirectives(ctx, directives),
      durationMs: directives.durationMs,
      phases: directives.phases,
    };
  }

  private planFromDirectives(ctx: TurnContext, directives: Directives): TurnPlan {
    if (directives.fail !== undefined) {
      return {
        kind: 'fail',
        code: 'INTERNAL',
        message: directives.fail || 'The model failed (requested by [[fail]]).',
      };
    }
    if (directives.end) return { kind: 'end', status: directives.end };
    if (directives.calls.length > 0) {
      return { kind: 'calls', calls: directives.calls.map((c, i) => this.callOf(ctx, c, i)) };
    }
    if (ctx.functionResults.length === 0 && ctx.functionTools.length > 0) {
      const tool = ctx.functionTools[0]!;
      const args = argumentsFromSchema(tool.parameters, stripDirectives(ctx.inputText));
      return {
        kind: 'calls',
        calls: [this.callOf(ctx, { name: tool.name, arguments: args as Record<string, unknown> }, 0)],
      };
    }
    return { kind: 'text', text: ctx.defaultText ?? this.replyText(ctx) };
  }

  replyText(ctx: Pick<TurnContext, 'model' | 'agent' | 'inputText' | 'functionResults'>): string {
    const who = ctx.model ?? ctx.agent ?? 'model';
    if (ctx.functionResults.length > 0) {
      const parts = ctx.functionResults.map((r) => `${r.name ?? r.call_id}=${JSON.stringify(r.result)}`);
      return `Emulated ${who} reply after tools: ${parts.join('; ')}`;
    }
    return `Emulated ${who} reply to: ${stripDirectives(ctx.inputText)}`;
  }

  batchRuleFor(batch: { displayName?: string; model: string }): BatchRule | undefined {
    return this.batchRules.find(
      (r) =>
        (!r.match?.displayName || r.match.displayName === batch.displayName) &&
        (!r.match?.model || bareModel(r.match.model) === bareModel(batch.model)),
    );
  }

  /** A GenerateContentResponse for one request (batches, models.generateContent), or an error for `[[fail]]`. */
  generateContent(
    model: string,
    request: unknown,
  ): { response: Record<string, unknown> } | { error: { code: number; message: string; status: string } } {
    const text = requestText(request);
    let directives: Directives;
    try {
      directives = parseDirectives(text);
    } catch (err) {
      // A malformed directive fails its own request line, not the whole batch.
      return { error: { code: 400, message: (err as Error).message, status: 'INVALID_ARGUMENT' } };
    }
    if (directives.fail !== undefined) {
      return {
        error: {
          code: 400,
          message: directives.fail || 'The request failed (requested by [[fail]]).',
          status: 'INVALID_ARGUMENT',
        },
      };
    }
    const reply = `Emulated ${bareModel(model)} reply to: ${stripDirectives(text)}`;
    return {
      response: {
        candidates: [{ content: { parts: [{ text: reply }], role: 'model' }, finishReason: 'STOP', index: 0 }],
        usageMetadata: usageMetadata(text, reply),
        modelVersion: bareModel(model),
      },
    };
  }

  researchReport(topic: string): string {
    const subject = stripDirectives(topic) || 'the topic';
    const slug = shortHash(subject, 10);
    return [
      `# Research report: ${subject}`,
      '',
      '## Summary',
      '',
      `This emulated Deep Research report covers ${subject}. Its content follows deterministically from the prompt.`,
      '',
      '## Findings',
      '',
      `1. ${subject} has been studied from several angles [1].`,
      `2. Sources agree on the main points about ${subject} [2][3].`,
      '',
      '## Sources',
      '',
      `1. [Overview of ${subject}](https://example.com/research/${slug}/overview)`,
      `2. [Analysis of ${subject}](https://example.org/research/${slug}/analysis)`,
      `3. [Data on ${subject}](https://example.net/research/${slug}/data)`,
      '',
    ].join('\n');
  }

  private callOf(ctx: TurnContext, c: ScriptedFunctionCall, i: number): Required<ScriptedFunctionCall> {
    return {
      name: c.name,
      arguments: c.arguments ?? {},
      id: c.id ?? `call_${ctx.turnIndex}_${i}_${shortHash(`${ctx.rootInputText}|${ctx.turnIndex}|${i}|${c.name}`)}`,
    };
  }
}

function ruleMatches(rule: InteractionRule, ctx: TurnContext): boolean {
  const m = rule.match ?? {};
  return (
    (!m.model || (ctx.model !== undefined && bareModel(m.model) === bareModel(ctx.model))) &&
    (!m.agent || m.agent === ctx.agent) &&
    (!m.inputIncludes || ctx.rootInputText.includes(m.inputIncludes)) &&
    (!m.toolName || ctx.functionTools.some((t) => t.name === m.toolName))
  );
}

/** Arguments for a function tool from its JSON schema: each required property gets a value of its type. */
function argumentsFromSchema(schema: unknown, text: string): unknown {
  if (!schema || typeof schema !== 'object') return {};
  const s = schema as Record<string, unknown>;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (String(type ?? (s.properties ? 'object' : 'string')).toLowerCase()) {
    case 'string':
      return text;
    case 'number':
    case 'integer':
      return 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'null':
      return null;
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, unknown>;
      const required = Array.isArray(s.required) ? (s.required as string[]) : [];
      return Object.fromEntries(
        required.filter((k) => k in props).map((k) => [k, argumentsFromSchema(props[k], text)]),
      );
    }
    default:
      return text;
  }
}

export const bareModel = (model: string) => model.replace(/^models\//, '');

/** The user text of a GenerateContentRequest: text parts of its last content. */
function requestText(request: unknown): string {
  const contents = (request as { contents?: unknown })?.contents;
  if (!Array.isArray(contents) || contents.length === 0) return '';
  const last = contents[contents.length - 1] as { parts?: { text?: unknown }[] };
  return (last.parts ?? [])
    .map((p) => (typeof p?.text === 'string' ? p.text : ''))
    .filter(Boolean)
    .join(' ');
}
