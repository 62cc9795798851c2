import { invalidArgument } from './errors';
import type { ScriptedFunctionCall, StatusPhase } from './script-types';

/** What the input text asks of the deterministic model (docs/emulator.md, "Directives"). */
export interface Directives {
  calls: ScriptedFunctionCall[];
  fail?: string;
  /** `[[end STATUS]]`: the interaction stops in STATUS. */
  end?: string;
  /** `[[while STATUS MS]]`: statuses a background interaction shows before it runs, in order. */
  phases: StatusPhase[];
  durationMs?: number;
}

const directivePattern = /\[\[(call|fail|duration|end|while)(?:\s+([\s\S]*?))?\]\]/g;
const statusWord = /^[a-z][a-z0-9_]*$/;
/** Ends that have their own directive or call: `[[end ...]]` is for every other status, known or not. */
const ownWays: Record<string, string> = {
  in_progress: '[[duration MS]]',
  completed: 'no directive',
  requires_action: '[[call NAME]]',
  failed: '[[fail]]',
  cancelled: 'interactions.cancel',
};

/** Checks a status an interaction is scripted to end in (`[[end]]` or a rule's `end`). */
export function checkEndStatus(status: string): string {
  if (!statusWord.test(status)) throw invalidArgument(`[[end]] takes a status word, e.g. incomplete, not "${status}"`);
  if (ownWays[status]) throw invalidArgument(`to end ${status}, use ${ownWays[status]} instead of [[end]]`);
  return status;
}

/** Checks a status phase (`[[while]]` or a rule's `phases`). */
export function checkPhase(phase: StatusPhase): StatusPhase {
  if (!statusWord.test(String(phase?.status)) || !(typeof phase.ms === 'number' && phase.ms >= 0)) {
    throw invalidArgument('a status phase is [[while STATUS MS]]: a status word and emulator ms >= 0');
  }
  return { status: phase.status, ms: phase.ms };
}

export function parseDirectives(text: string): Directives {
  const out: Directives = { calls: [], phases: [] };
  for (const m of text.matchAll(directivePattern)) {
    const [, kind, rest = ''] = m;
    if (kind === 'fail') out.fail = rest.trim();
    else if (kind === 'end') out.end = checkEndStatus(rest.trim());
    else if (kind === 'while') {
      const [status = '', ms = ''] = rest.trim().split(/\s+/);
      out.phases.push(checkPhase({ status, ms: ms === '' ? Number.NaN : Number(ms) }));
    } else if (kind === 'duration') {
      const ms = Number(rest.trim());
      if (Number.isFinite(ms) && ms >= 0) out.durationMs = ms;
    } else {
      const match = /^([A-Za-z0-9_.-]+)\s*(\{[\s\S]*\})?\s*$/.exec(rest.trim());
      if (!match) throw invalidArgument(`Bad [[call ...]] directive: ${m[0]}`);
      let args: Record<string, unknown> = {};
      if (match[2]) {
        try {
          args = JSON.parse(match[2]);
        } catch {
          throw invalidArgument(`The arguments of ${m[0]} are not valid JSON.`);
        }
      }
      out.calls.push({ name: match[1]!, arguments: args });
    }
  }
  return out;
}

export function stripDirectives(text: string): string {
  return text.replace(directivePattern, '').replace(/\s+/g, ' ').trim();
}
