import fs from 'node:fs';
import path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { findTool, parseToolArgs, type ToolArgs, type ToolSpec, toolCatalog } from '../workflows/tools';
import { publishDir, publishOnce } from './publish-outbox';

/** What a tool implementation gets besides its arguments. */
export interface ToolContext {
  /** Stable across retries of the same call: `workflowId/interactionId/callId`. Side effects must be keyed on it. */
  idempotencyKey: string;
  workflowId: string;
  callId: string;
}

/** A failure the model should see and can react to (bad input, nothing found), instead of a retry. */
export class ToolError extends Error {
  override name = 'ToolError';
}

type Implementations<Registry extends Record<string, ToolSpec>> = {
  [Name in keyof Registry]?: (args: ToolArgs<Registry[Name]>, ctx: ToolContext) => Promise<unknown>;
};

const glossary: Record<string, string> = {
  'durable execution': 'Code whose progress survives process crashes because every step is recorded and replayed.',
  webhook: 'An HTTP request a service sends to tell you that something happened, instead of you polling for it.',
  'deep research': 'A Gemini agent that plans, searches and reads for minutes, then writes a sourced report.',
};

/** The I/O half of every tool in the catalog; a tool with policy 'refuse' needs none. */
export const toolImplementations: Implementations<typeof toolCatalog> = {
  async count_words({ text }) {
    return { words: text.split(/\s+/).filter(Boolean).length };
  },
  async lookup_glossary({ term }) {
    const key = term.trim().toLowerCase();
    const definition = Object.hasOwn(glossary, key) ? glossary[key] : undefined;
    if (!definition) throw new ToolError(`no glossary entry for "${term}"`);
    return { term, definition };
  },
  async publish({ title, body }, { idempotencyKey }) {
    const { publication } = publishOnce(publishDir(), idempotencyKey, { title, body });
    return { published: true, id: publication.id, title: publication.title };
  },
};

// The registry's types tie each implementation to its schema; at run time the arguments were parsed by that schema.
type RunnableTool = (args: unknown, ctx: ToolContext) => Promise<unknown>;
const runnable = toolImplementations as Record<string, RunnableTool | undefined>;

export interface RunToolRequest {
  tool: string;
  arguments: Record<string, unknown>;
  /** The function call this run answers; with the interaction id it makes the idempotency key. */
  callId: string;
  interactionId: string;
}

export interface ToolOutcome {
  result: unknown;
  isError: boolean;
}

/** Runs one approved or automatic tool call. Heartbeats, so a killed worker's call is retried within seconds. */
export async function runTool(request: RunToolRequest): Promise<ToolOutcome> {
  const ctx = Context.current();
  const spec = findTool(toolCatalog, request.tool);
  const implementation = spec && runnable[spec.name];
  if (!spec || spec.policy === 'refuse' || !implementation) {
    throw ApplicationFailure.nonRetryable(`tool ${request.tool} cannot be run by the worker`, 'ToolNotRunnable');
  }
  const parsed = parseToolArgs(spec, request.arguments);
  if (!parsed.ok) return { result: parsed.error, isError: true };

  const workflowId = ctx.info.workflowExecution?.workflowId;
  if (!workflowId) throw ApplicationFailure.nonRetryable('runTool runs only as a workflow activity', 'ToolNotRunnable');
  const toolCtx: ToolContext = {
    idempotencyKey: `${workflowId}/${request.interactionId}/${request.callId}`,
    workflowId,
    callId: request.callId,
  };
  const beat = setInterval(() => ctx.heartbeat(), 1_000);
  try {
    const result = await implementation(parsed.args, toolCtx);
    await holdIfRequested(spec.name, ctx);
    return { result: result ?? null, isError: false };
  } catch (err) {
    if (err instanceof ToolError) return { result: err.message, isError: true };
    throw err;
  } finally {
    clearInterval(beat);
  }
}

/**
 * Fault-injection hook for tests and demos: while `<GEMINIFLOW_TOOL_HOLD_DIR>/<tool>.hold` exists, a call that has done
 * its work does not report back, which opens the window where a crashed worker would make Temporal retry the call.
 */
async function holdIfRequested(tool: string, ctx: Context): Promise<void> {
  const dir = process.env.GEMINIFLOW_TOOL_HOLD_DIR;
  if (!dir) return;
  const holdFile = path.join(dir, `${tool}.hold`);
  while (fs.existsSync(holdFile)) await ctx.sleep(100);
}
