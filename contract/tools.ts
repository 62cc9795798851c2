import type { Duration } from '@temporalio/common';
import { z } from 'zod';
import { type ApproverRule, approverRuleProblems, type PolicyRule, type ToolPolicy } from './approval-rules';
import { type ApprovalTimeoutOutcome, type DecisionKind, decisionKinds, defaultDecisionKinds } from './approvals';
import type { FunctionTool } from './jobs';

/**
 * The workflow-safe half of a tool: everything the agent workflow needs to decide about a call (policy, argument
 * validation) and everything Gemini needs to offer it (name, description, JSON schema). The implementation does I/O,
 * so it is registered with the worker (`implementTools` from geminiflow/worker).
 */
export interface ToolSpec<Schema extends z.ZodObject = z.ZodObject, Name extends string = string> {
  name: Name;
  description: string;
  schema: Schema;
  /**
   * 'auto', 'approval' or 'refuse'; or a rule: a deterministic function of the parsed arguments and the run's context
   * that returns one of those, or a verdict with the rule's name and reason (recorded in the audit record).
   */
  policy: ToolPolicy | PolicyRule<z.output<Schema>>;
  /** Told to the model when a 'refuse' tool is called; for 'approval' tools, shown to the approver. */
  note?: string;
  /** Who may decide the calls that need approval, and how many distinct approvals each needs. */
  approvers?: ApproverRule;
  /** For 'approval' tools: the kinds of decision a person may send (default approve and deny). */
  decisions?: readonly DecisionKind[];
  /** For 'approval' tools: how long a call waits for a person; overrides the agent's `approvalTimeout`. */
  approvalTimeout?: Duration;
  /** For 'approval' tools: what a call nobody decides in time becomes (default 'deny'); recorded as timed out. */
  onTimeout?: ApprovalTimeoutOutcome;
  /** For 'approval' tools: send a reminder after this fraction of the timeout (0 < remindAfter < 1, e.g. 0.5). */
  remindAfter?: number;
}

export type ToolArgs<Spec> = Spec extends ToolSpec<infer Schema> ? z.output<Schema> : never;

/** A tool defined wrong: a name Gemini does not take, approval rules that do not fit, a name given twice. */
export class ToolDefinitionError extends Error {
  override name = 'ToolDefinitionError';
}

// Gemini's function names: letters, digits, underscores and dashes, at most 64, not starting with a digit.
const toolName = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

/** Whether a tool may have this name (so it can be quoted into a visibility query as it is). */
export function isToolName(name: string): boolean {
  return toolName.test(name);
}

export function defineTool<const Name extends string, Schema extends z.ZodObject>(
  spec: ToolSpec<Schema, Name>,
): ToolSpec<Schema, Name> {
  if (!toolName.test(spec.name)) throw new ToolDefinitionError(`invalid tool name ${JSON.stringify(spec.name)}`);
  const problems = approvalRuleProblems(spec);
  if (problems.length) throw new ToolDefinitionError(`tool ${spec.name}: ${problems.join('; ')}`);
  return spec;
}

/** What is wrong with a tool's approval rules; empty when they are fine (checked when the tool is defined). */
export function approvalRuleProblems(spec: ToolSpec): string[] {
  const problems: string[] = [];
  const { policy, decisions, approvalTimeout, onTimeout, remindAfter } = spec;
  if (typeof policy !== 'function' && policy !== 'auto' && policy !== 'approval' && policy !== 'refuse') {
    problems.push("policy must be 'auto', 'approval', 'refuse' or a rule (a function)");
  }
  if (decisions !== undefined) {
    const unknown = Array.isArray(decisions) ? decisions.filter((d) => !decisionKinds.includes(d)) : [];
    if (!Array.isArray(decisions) || decisions.length === 0 || unknown.length) {
      problems.push(`decisions must be a non-empty list of ${decisionKinds.join(', ')}`);
    }
  }
  const positive = typeof approvalTimeout === 'string' ? approvalTimeout.trim() !== '' : approvalTimeout! > 0;
  if (approvalTimeout !== undefined && !positive) {
    problems.push('approvalTimeout must be a positive duration');
  }
  if (onTimeout !== undefined && onTimeout !== 'deny' && onTimeout !== 'approve') {
    problems.push("onTimeout must be 'deny' or 'approve'");
  }
  if (remindAfter !== undefined && !(typeof remindAfter === 'number' && remindAfter > 0 && remindAfter < 1)) {
    problems.push('remindAfter must be a fraction of the timeout between 0 and 1');
  }
  problems.push(...approverRuleProblems(spec.approvers));
  return problems;
}

/** The decisions a tool allows. */
export function allowedDecisions(spec: ToolSpec): DecisionKind[] {
  return [...(spec.decisions ?? defaultDecisionKinds)];
}

export type ToolRegistry<Specs extends ToolSpec = ToolSpec> = { readonly [S in Specs as S['name']]: S };

/** Collects tools by the name the model calls them with. */
export function toolRegistry<const Specs extends readonly ToolSpec[]>(...specs: Specs): ToolRegistry<Specs[number]> {
  const registry: Record<string, ToolSpec> = {};
  for (const spec of specs) {
    if (registry[spec.name]) throw new ToolDefinitionError(`tool ${spec.name} is defined twice`);
    registry[spec.name] = spec;
  }
  return registry as ToolRegistry<Specs[number]>;
}

export function findTool(registry: Record<string, ToolSpec>, name: string): ToolSpec | undefined {
  return Object.hasOwn(registry, name) ? registry[name] : undefined;
}

export function functionTool(spec: ToolSpec): FunctionTool {
  return { type: 'function', name: spec.name, description: spec.description, parameters: argumentsSchema(spec) };
}

/** The JSON Schema of a tool's input: what the model fills in, and what an edit form shows. */
export function argumentsSchema(spec: ToolSpec): Record<string, unknown> {
  // The input side of the schema; `$schema` is metadata Gemini's schema subset does not take.
  const { $schema: _ignored, ...parameters } = z.toJSONSchema(spec.schema, { io: 'input' }) as Record<string, unknown>;
  return parameters;
}

export type ParsedArgs = { ok: true; args: Record<string, unknown> } | { ok: false; error: string };

/** Validates the model's arguments; the error text goes back to the model so it can correct its call. */
export function parseToolArgs(spec: ToolSpec, args: unknown): ParsedArgs {
  const parsed = spec.schema.safeParse(args ?? {});
  if (parsed.success) return { ok: true, args: parsed.data as Record<string, unknown> };
  return { ok: false, error: `invalid arguments for ${spec.name}:\n${z.prettifyError(parsed.error)}` };
}
