import { describeDoubled, inspectDependencies } from '../../common/package-copies';
import { type CheckResult, fail, ok, skip } from './check';

const check = 'dependencies';

/**
 * One copy of each Temporal package and of `@google/genai` in the project's tree, as Node resolves them from the
 * project: a pinned Temporal SDK next to geminiflow's newer peers installs two copies of `@temporalio/common`.
 */
export function checkDependencies(projectDir: string): CheckResult {
  const report = inspectDependencies(projectDir);
  if (!report.packages.size) {
    return skip(check, `no Temporal SDK or @google/genai installed in ${projectDir}`, 'run it in your project folder');
  }
  if (report.fix) return fail(check, describeDoubled(report.doubled), report.fix);
  const versions = (prefix: string) => [
    ...new Set([...report.packages].filter(([n]) => n.startsWith(prefix)).flatMap(([, c]) => c[0]!.version)),
  ];
  const genai = versions('@google/genai');
  return ok(
    check,
    `one copy of each Temporal package (${versions('@temporalio/').join(', ')})` +
      `${genai.length ? ` and of @google/genai (${genai[0]})` : ''}`,
  );
}
