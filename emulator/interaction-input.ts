import { invalidArgument } from './errors';
import { isRecord } from './fields';

export type Step = Record<string, unknown> & { type: string };

const stepTypes = new Set([
  'user_input',
  'model_output',
  'thought',
  'function_call',
  'function_result',
  'code_execution_call',
  'code_execution_result',
  'google_search_call',
  'google_search_result',
  'url_context_call',
  'url_context_result',
]);

/** Normalises every accepted `input` form (string, content block(s), steps) into steps. */
export function toSteps(input: unknown): Step[] {
  const items = Array.isArray(input) ? input : [input];
  const steps: Step[] = [];
  let content: unknown[] = [];
  const flush = () => {
    if (content.length) steps.push({ type: 'user_input', content });
    content = [];
  };
  for (const item of items) {
    if (typeof item === 'string') content.push({ type: 'text', text: item });
    else if (isRecord(item) && typeof item.type === 'string' && stepTypes.has(item.type)) {
      flush();
      steps.push(item as Step);
    } else if (isRecord(item) && typeof item.type === 'string') content.push(item);
    else throw invalidArgument('input items must be strings, content blocks or steps.');
  }
  flush();
  return steps;
}

/** The text parts of the user input steps, joined with a space. */
export function textOf(steps: Step[]): string {
  const texts: string[] = [];
  for (const s of steps) {
    if (s.type !== 'user_input' || !Array.isArray(s.content)) continue;
    for (const c of s.content) if (isRecord(c) && c.type === 'text' && typeof c.text === 'string') texts.push(c.text);
  }
  return texts.join(' ');
}

/** The new input of an interaction as text: its user text, and each function result as JSON. */
export function inputTextOf(steps: Step[]): string {
  const results = steps.filter((s) => s.type === 'function_result').map((s) => JSON.stringify(s.result ?? null));
  return [textOf(steps), ...results].filter(Boolean).join(' ');
}
