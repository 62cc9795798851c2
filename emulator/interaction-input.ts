import { invalidArgument } from './errors';
import { isRecord } from './fields';
import { countTokens } from './model';

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

export function usageOf(input: string, output: string): Record<string, number> {
  const i = countTokens(input);
  const o = countTokens(output);
  return { total_input_tokens: i, total_output_tokens: o, total_tokens: i + o };
}
