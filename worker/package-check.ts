import { logger } from '../common/logger';
import { describeDoubled, inspectDependencies, installingProjectDir } from '../common/package-copies';

let checked = false;

/**
 * Once per process, at the first worker's start: one warning when the project holds two copies of a Temporal package
 * or of `@google/genai`, with the command that fixes it. A warning, not a refusal: Temporal recognises its failures
 * across copies, so such a worker usually runs, but mixed SDK versions are not a setup Temporal supports
 * (docs/upstreams.md).
 */
export function warnAboutDoubledPackages(projectDir = installingProjectDir()): void {
  if (checked) return;
  checked = true;
  try {
    const report = inspectDependencies(projectDir);
    if (!report.fix) return;
    logger.warn(
      { doubled: report.doubled.map((d) => d.name), fix: report.fix },
      `${describeDoubled(report.doubled)}. Fix it in ${projectDir}: ${report.fix}`,
    );
  } catch (err) {
    // Reading the tree is advice only; a worker never fails to start over it.
    logger.debug({ err }, 'could not inspect the installed packages');
  }
}
