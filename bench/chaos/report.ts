import type { ChaosReport } from './run-chaos';

/** The chaos summary: what was done to the stack, and what the checks found. */
export function printReport(report: ChaosReport, write: (s: string) => void = (s) => process.stdout.write(s)): void {
  const problems = Object.entries(report.problems);
  write(
    [
      '',
      `chaos: ${report.completed} of ${report.pipelines} pipelines completed in ${report.elapsedS} s`,
      `  SIGKILLs: worker ${report.crashes.worker}, receiver ${report.crashes.receiver}, temporal ${report.crashes.temporal}` +
        ` (unplanned exits ${report.crashes.unplannedExits})`,
      `  faults injected: ${report.faults.drop} dropped, ${report.faults.duplicate} duplicated, ${report.faults.reorder} reordered groups,` +
        ` ${report.faults.api} API calls failed (of ${report.faults.deliveries} deliveries)`,
      `  duplicate side effects: ${report.duplicateSideEffects}`,
      `  dead letters: ${report.deadLetters.total} (late copies of handled events ${report.deadLetters.lateDuplicates},` +
        ` routable ${report.deadLetters.routable}) ${JSON.stringify(report.deadLetters.byReason)}`,
      ...problems.slice(0, 20).map(([id, why]) => `  ${id}: ${why.join('; ')}`),
      report.ok ? 'chaos: OK, nothing lost or done twice' : 'chaos: FAILED',
      '',
    ].join('\n'),
  );
}
