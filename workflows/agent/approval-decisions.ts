import type { ParsedDecision, ToolSpec } from '../../contract';

/**
 * Edited arguments as the tool's schema parses them (defaults filled in, as for the model's own arguments). The
 * handler parses again without the strict check: it also runs on replay, where the validator does not.
 */
export function withParsedEdit(decision: ParsedDecision, spec: ToolSpec, strict = false): ParsedDecision {
  if (decision.kind !== 'edit') return decision;
  const parsed = spec.schema.safeParse(decision.arguments);
  if (parsed.success) return { ...decision, arguments: parsed.data as Record<string, unknown> };
  if (!strict) return decision;
  const fields = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(arguments)'}: ${i.message}`);
  throw new Error(`the edited arguments do not fit ${spec.name}: ${fields.join('; ')}`);
}
