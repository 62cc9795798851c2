import type { Command } from 'commander';
import { installingProjectDir } from '../../common/package-copies';
import { type CheckResult, type DoctorSettings, fail } from '../doctor/check';
import { checkDependencies } from '../doctor/dependency-checks';
import { checkKeySet, checkRoutingKeys, readReceiverStatus } from '../doctor/receiver-checks';
import { checkSearchAttributes, checkTemporal, checkWorker, skipped } from '../doctor/temporal-checks';
import { checkRegisteredWebhook } from '../doctor/webhook-checks';
import { geminiFor } from '../gemini';
import { examples, jsonOption } from '../help';
import { oneLine, positiveInt, print, printJson } from '../output';
import { commandEnv } from '../session';

interface DoctorFlags {
  project?: string;
  receiverOps?: string;
  webhookUrl?: string;
  pingTimeout: number;
  json?: boolean;
}

async function runChecks(s: DoctorSettings, projectDir: string, cmd: Command): Promise<CheckResult[]> {
  const results: CheckResult[] = [checkDependencies(projectDir)];
  const { result, temporal } = await checkTemporal(s.env);
  results.push(result);
  if (temporal) {
    try {
      results.push(await checkSearchAttributes(temporal), await checkWorker(temporal));
    } finally {
      await temporal.close();
    }
  } else {
    results.push(skipped('search attributes'), skipped('worker'));
  }
  const receiver = await readReceiverStatus(s);
  results.push(checkRoutingKeys(s.env, receiver), await checkKeySet(s.env, receiver));
  let gemini: ReturnType<typeof geminiFor>;
  try {
    gemini = geminiFor(cmd);
  } catch (err) {
    results.push(
      fail('registered webhook', oneLine(err), 'fix the Gemini settings (GEMINI_API_KEY, GEMINI_EMULATOR_URL)'),
    );
    return results;
  }
  results.push(...(await checkRegisteredWebhook(gemini.ai, s)));
  return results;
}

const label = { ok: 'ok', fail: 'FAIL', skip: 'skip' } as const;

/** `geminiflow doctor`: is this deployment wired correctly? One line per check, exit 1 when one fails. */
export function registerDoctor(program: Command): void {
  examples(
    program
      .command('doctor')
      .description(
        'check a deployment: one copy of each SDK in the project, Temporal and the namespace, search attributes, a worker, ' +
          'routing keys shared by worker and receiver, ' +
          'the key set, the registered webhook and a ping through the public URL (exit 1 when a check fails)',
      )
      .option(
        '--project <dir>',
        'the project whose dependencies to check (default: the one geminiflow is installed in)',
      )
      .option('--receiver-ops <url>', "the receiver's operations listener (default: GEMINIFLOW_RECEIVER_OPS_URL)")
      .option(
        '--webhook-url <url>',
        "the receiver's public URL (default: RECEIVER_PUBLIC_URL, else GEMINIFLOW_WEBHOOK_URL)",
      )
      .option('--ping-timeout <ms>', 'how long to wait for a ping to arrive', positiveInt, 10_000)
      .addOption(jsonOption()),
    'GEMINIFLOW_RECEIVER_OPS_URL=http://127.0.0.1:8788 geminiflow doctor',
    'geminiflow doctor --json',
  ).action(async (o: DoctorFlags, cmd: Command) => {
    const env = commandEnv(cmd);
    const settings: DoctorSettings = {
      env,
      receiverOps: o.receiverOps ?? env.GEMINIFLOW_RECEIVER_OPS_URL,
      receiverOpsToken: env.RECEIVER_OPS_TOKEN,
      webhookUrl: o.webhookUrl ?? env.RECEIVER_PUBLIC_URL ?? env.GEMINIFLOW_WEBHOOK_URL,
      pingTimeoutMs: o.pingTimeout,
    };
    const results = await runChecks(settings, o.project ?? installingProjectDir(), cmd);
    const failed = results.filter((r) => r.status === 'fail').length;
    if (o.json) printJson({ ok: failed === 0, checks: results });
    else {
      const width = Math.max(...results.map((r) => r.check.length));
      for (const r of results) {
        print(
          `${label[r.status].padEnd(4)}  ${r.check.padEnd(width)}  ${r.detail}${r.fix ? `; ${r.status === 'fail' ? 'fix' : 'to check it'}: ${r.fix}` : ''}`,
        );
      }
      const skippedCount = results.filter((r) => r.status === 'skip').length;
      print(`doctor: ${results.length - failed - skippedCount} ok, ${failed} failing, ${skippedCount} skipped`);
    }
    if (failed) process.exitCode = 1;
  });
}
