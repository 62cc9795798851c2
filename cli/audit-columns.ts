import type { ApprovalRecord } from '../workflows';

/** A value as JSON on one line, cut to `max` characters. */
export function compactJson(value: unknown, max: number): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const valueWidth = 40;

/**
 * The ARGUMENTS column of `geminiflow log`: the arguments the tool was proposed, and for an edit what the person
 * changed, field by field (`title: "Draft" → "Final"`), so both versions show without `--json`.
 */
export function argumentsColumn(record: ApprovalRecord, max = 120): string {
  const used = record.argumentsUsed;
  if (record.status !== 'edited' || !used) return compactJson(record.argumentsProposed, max);
  const proposed = record.argumentsProposed;
  const shown = (v: unknown) => (v === undefined ? '(none)' : compactJson(v, valueWidth));
  const changes = [...new Set([...Object.keys(proposed), ...Object.keys(used)])]
    .filter((key) => JSON.stringify(proposed[key]) !== JSON.stringify(used[key]))
    .map((key) => `${key}: ${shown(proposed[key])} → ${shown(used[key])}`);
  return changes.length ? `edited ${changes.join('; ')}` : `edited, unchanged ${compactJson(used, max)}`;
}

/** The OUTCOME column: what the tool did, or the answer a person gave in its place. */
export function outcomeColumn(record: ApprovalRecord): string {
  if (record.status === 'answered') return `answered ${compactJson(record.answer, valueWidth)}`;
  const outcome = record.outcome;
  if (!outcome) return '-';
  return outcome.isError ? `error: ${compactJson(outcome.error, 60)}` : compactJson(outcome.result, valueWidth);
}
