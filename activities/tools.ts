import { trace } from '@opentelemetry/api';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { SetupError } from '../common/errors';
import {
  GeminiflowFailure,
  parseToolArgs,
  type RunToolRequest,
  type ToolArgs,
  type ToolOutcome,
  type ToolSpec,
} from '../contract';
import { genAi } from '../tracing/gen-ai';
import type { Tracing } from '../tracing/provider';
import { contentAttribute, setDefined } from '../tracing/spans';

/** What a tool implementation gets besides its arguments. */
export interface ToolContext {
  /** Stable across retries of the same call: `workflowId/interactionId/callId`. Side effects must be keyed on it. */
  idempotencyKey: string;
  workflowId: string;
  callId: string;
  /** Aborted when the activity is cancelled (workflow cancelled, or the worker shutting down). */
  signal: AbortSignal;
}

/** A failure the model should see and can react to (bad input, nothing found), instead of a retry. */
export class ToolError extends Error {
  override name = 'ToolError';
}

export type ToolImplementation<Spec extends ToolSpec> = (args: ToolArgs<Spec>, ctx: ToolContext) => Promise<unknown>;

/** One implementation per tool the model may run; `refuse` tools need none. */
export type ToolImplementations<Registry extends Record<string, ToolSpec>> = {
  [Name in keyof Registry]?: ToolImplementation<Registry[Name]>;
};

/** A tool's implementation once its arguments are checked against its spec. */
export type RunnableTool = (args: unknown, ctx: ToolContext) => Promise<unknown>;

/** The worker half of a tool registry: its specs (for argument checks) with the code that does the I/O. */
export interface Toolset {
  specs: readonly ToolSpec[];
  implementations: Readonly<Record<string, RunnableTool>>;
}

export function implementTools<Registry extends Record<string, ToolSpec>>(
  registry: Registry,
  implementations: ToolImplementations<Registry>,
): Toolset {
  // The registry's types tie each implementation to its schema; at run time the arguments are parsed by that schema.
  return { specs: Object.values(registry), implementations: implementations as Record<string, RunnableTool> };
}

interface RunnableEntry {
  spec: ToolSpec;
  run: RunnableTool;
}

/**
 * Every offered tool must be runnable before the worker takes a task: a missing implementation would otherwise only
 * show when the model first calls the tool, possibly hours into a run.
 */
export function checkToolsets(toolsets: readonly Toolset[]): Map<string, RunnableEntry> {
  const runnable = new Map<string, RunnableEntry>();
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const { specs, implementations } of toolsets) {
    for (const spec of specs) {
      if (seen.has(spec.name)) problems.push(`tool "${spec.name}" is registered twice`);
      seen.add(spec.name);
      const run = Object.hasOwn(implementations, spec.name) ? implementations[spec.name] : undefined;
      if (spec.policy === 'refuse') continue;
      if (typeof run !== 'function')
        problems.push(`tool "${spec.name}" is offered to the model but has no implementation`);
      else runnable.set(spec.name, { spec, run });
    }
    for (const name of Object.keys(implementations)) {
      if (!specs.some((s) => s.name === name)) problems.push(`tool implementation "${name}" matches no tool spec`);
    }
  }
  if (problems.length) throw new SetupError(`invalid tools:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return runnable;
}

export function createToolActivities(toolsets: readonly Toolset[], tracing?: Tracing) {
  const runnable = checkToolsets(toolsets);
  // The run's span (Temporal's activity span) names the tool; what went in and came out only with content capture.
  const describe = (request: RunToolRequest, outcome?: ToolOutcome) => {
    const span = tracing && trace.getActiveSpan();
    if (!span) return;
    setDefined(span, {
      [genAi.toolName]: request.tool,
      [genAi.toolCallId]: request.callId,
      [genAi.toolCallArguments]: outcome ? undefined : contentAttribute(tracing, request.arguments),
      [genAi.toolCallResult]: outcome ? contentAttribute(tracing, outcome.result) : undefined,
      'geminiflow.tool.is_error': outcome?.isError,
    });
  };
  return {
    /** Runs one approved or automatic tool call. Heartbeats, so a killed worker's call is retried within seconds. */
    async runTool(request: RunToolRequest): Promise<ToolOutcome> {
      describe(request);
      const outcome = await runOne(request);
      describe(request, outcome);
      return outcome;
    },
  };

  async function runOne(request: RunToolRequest): Promise<ToolOutcome> {
    const ctx = Context.current();
    const entry = runnable.get(request.tool);
    if (!entry) {
      throw ApplicationFailure.nonRetryable(
        `tool ${request.tool} cannot be run by this worker`,
        GeminiflowFailure.toolNotRunnable,
      );
    }
    const parsed = parseToolArgs(entry.spec, request.arguments);
    if (!parsed.ok) return { result: parsed.error, isError: true };

    const workflowId = ctx.info.workflowExecution?.workflowId;
    if (!workflowId) {
      throw ApplicationFailure.nonRetryable('runTool runs only as a workflow activity', GeminiflowFailure.noWorkflow);
    }
    const toolCtx: ToolContext = {
      idempotencyKey: `${workflowId}/${request.interactionId}/${request.callId}`,
      workflowId,
      callId: request.callId,
      signal: ctx.cancellationSignal,
    };
    const beat = setInterval(() => ctx.heartbeat(), 1_000);
    try {
      return { result: (await entry.run(parsed.args, toolCtx)) ?? null, isError: false };
    } catch (err) {
      if (err instanceof ToolError) return { result: err.message, isError: true };
      throw err;
    } finally {
      clearInterval(beat);
    }
  }
}
