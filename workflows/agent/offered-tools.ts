import { approvalRuleProblems, findTool, type ToolSpec } from '../../contract';
import { durationMs } from '../duration';
import { badInput } from '../job-failures';

/** The tools this run offers the model: the named ones from the agent's registry, or a clear input error. */
export function offeredTools(registry: Record<string, ToolSpec>, names: string[]): Map<string, ToolSpec> {
  if (!Array.isArray(names)) throw badInput('`tools` must be a list of tool names');
  const offered = new Map<string, ToolSpec>();
  for (const name of names) {
    const spec = findTool(registry, name);
    if (!spec) {
      throw badInput(`unknown tool ${JSON.stringify(name)}; the catalog has ${Object.keys(registry).join(', ')}`);
    }
    const problems = approvalRuleProblems(spec);
    if (spec.approvalTimeout !== undefined && !(durationMs(spec.approvalTimeout) > 0)) {
      problems.push('approvalTimeout must be a positive duration');
    }
    if (problems.length) throw badInput(`tool ${name}: ${[...new Set(problems)].join('; ')}`);
    offered.set(name, spec);
  }
  return offered;
}
