import {
  type ApprovalDecision,
  allowedDecisions,
  type DecisionKind,
  decisionKinds,
  type ToolSpec,
} from '../../contract';

/** A decision in its one internal form: the first form (`approve: boolean`) mapped to approve or deny. */
export interface Decision {
  callId: string;
  kind: DecisionKind;
  reason?: string;
  reviewer?: string;
  /** edit: the arguments as the tool's schema parsed them. */
  arguments?: Record<string, unknown>;
  /** answer: what the model gets in place of the tool's result. */
  result?: unknown;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The decision in its internal form; throws the reason an ill-formed one is refused. */
export function readDecision(raw: ApprovalDecision | unknown): Decision {
  if (!isRecord(raw) || typeof raw.callId !== 'string' || !raw.callId) {
    throw new Error('a decision needs a callId (string) and a kind (approve, edit, deny or answer)');
  }
  for (const field of ['reason', 'reviewer'] as const) {
    if (raw[field] !== undefined && typeof raw[field] !== 'string') throw new Error(`${field} must be a string`);
  }
  const common = {
    callId: raw.callId,
    ...(raw.reason !== undefined ? { reason: raw.reason as string } : {}),
    ...(raw.reviewer !== undefined ? { reviewer: raw.reviewer as string } : {}),
  };
  if (raw.kind === undefined) {
    if (typeof raw.approve !== 'boolean') {
      throw new Error(
        'a decision needs a kind (approve, edit, deny or answer), or approve (boolean) in the first form',
      );
    }
    return { ...common, kind: raw.approve ? 'approve' : 'deny' };
  }
  if (typeof raw.kind !== 'string' || !(decisionKinds as readonly string[]).includes(raw.kind)) {
    throw new Error(`unknown kind of decision ${JSON.stringify(raw.kind)}: use approve, edit, deny or answer`);
  }
  const kind = raw.kind as DecisionKind;
  if (kind === 'deny' && !(typeof raw.reason === 'string' && raw.reason.trim())) {
    throw new Error('a denial needs a reason (it is told to the model)');
  }
  if (kind === 'edit' && !isRecord(raw.arguments)) throw new Error('an edit needs arguments (an object)');
  if (kind === 'answer' && raw.result === undefined) throw new Error('an answer needs a result (what the model gets)');
  return {
    ...common,
    kind,
    ...(kind === 'edit' ? { arguments: raw.arguments as Record<string, unknown> } : {}),
    ...(kind === 'answer' ? { result: raw.result } : {}),
  };
}

/** Throws why the tool refuses the decision (a kind it does not allow, edited arguments that do not fit its schema). */
export function checkAgainstTool(decision: Decision, spec: ToolSpec): Decision {
  const allowed = allowedDecisions(spec);
  if (!allowed.includes(decision.kind)) {
    throw new Error(`${spec.name} allows ${allowed.join(', ')}; not ${decision.kind}`);
  }
  return withParsedEdit(decision, spec, true);
}

/**
 * Edited arguments as the tool's schema parses them (defaults filled in, as for the model's own arguments). The
 * handler parses again without the strict check: it also runs on replay, where the validator does not.
 */
export function withParsedEdit(decision: Decision, spec: ToolSpec, strict = false): Decision {
  if (decision.kind !== 'edit') return decision;
  const parsed = spec.schema.safeParse(decision.arguments);
  if (parsed.success) return { ...decision, arguments: parsed.data as Record<string, unknown> };
  if (!strict) return decision;
  const fields = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(arguments)'}: ${i.message}`);
  throw new Error(`the edited arguments do not fit ${spec.name}: ${fields.join('; ')}`);
}
