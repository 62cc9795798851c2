import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { noFaults } from '../bench/chaos/faults';
import { printReport } from '../bench/chaos/report';
import { runChaos } from '../bench/chaos/run-chaos';

/*
 * The short chaos run of CI. It brings its own stack (a dev server it may SIGKILL, on its own db file), so it does not
 * share the test run's server. The long run is `npm run chaos`.
 */
describe('chaos (short)', () => {
  it('loses nothing and does nothing twice while processes are killed and deliveries dropped, duplicated and reordered', {
    timeout: 12 * 60_000,
  }, async (t) => {
    const lines: string[] = [];
    const report = await runChaos({
      pipelines: 3,
      seed: 20261201,
      crash: ['worker', 'receiver', 'temporal'],
      crashEveryMs: [15_000, 25_000],
      rates: { drop: 0.1, duplicate: 0.3, reorderEvery: 6, apiFailure: 0.1 },
      timeoutMs: 10 * 60_000,
      log: (line) => lines.push(line),
    });
    printReport(report, (s) => lines.push(s));
    const summary = lines.join('\n');
    t.diagnostic(summary);
    assert.ok(
      report.crashes.worker + report.crashes.receiver + report.crashes.temporal > 0,
      `nothing was killed:\n${summary}`,
    );
    assert.ok(
      report.faults.duplicate + report.faults.drop + report.faults.reorder > 0,
      `no delivery fault was injected:\n${summary}`,
    );
    assert.equal(report.completed, 3, summary);
    assert.deepEqual(report.problems, {}, summary);
    assert.equal(report.duplicateSideEffects, 0, summary);
    assert.equal(report.deadLetters.routable, 0, summary);
    assert.ok(report.ok, summary);
  });

  it('a normal run leaves no dead letter at all', { timeout: 5 * 60_000 }, async () => {
    const report = await runChaos({ pipelines: 2, crash: [], rates: noFaults, timeoutMs: 4 * 60_000, log: () => {} });
    const lines: string[] = [];
    printReport(report, (s) => lines.push(s));
    assert.equal(report.completed, 2, lines.join('\n'));
    assert.equal(report.deadLetters.total, 0, lines.join('\n'));
    assert.ok(report.ok, lines.join('\n'));
  });
});
