import { Command } from 'commander';
import { Client, Connection } from '@temporalio/client';
import { runMain, SetupError } from '../common/errors';
import { temporalSettings } from '../common/temporal-connection';
import { listDeadLetters, ReplayError, replayDeadLetter } from '../routing/dead-letter-store';
import type { DeadLetterReason } from '../routing/dead-letter-workflow';

/** `npm run deadletters -- list | replay <webhookId> [--to <workflowId>]` */
async function withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const config = temporalSettings();
  const { address } = config;
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...config.connectionOptions, connectTimeout: 3000 });
  } catch (err) {
    throw new SetupError(`cannot reach Temporal at ${address} (set TEMPORAL_ADDRESS): ${(err as Error).message}`);
  }
  try {
    return await fn(new Client({ connection, namespace: config.namespace }));
  } finally {
    await connection.close();
  }
}

const deadLetterReasons = [
  'workflow_closed',
  'workflow_not_found',
  'owner_not_found',
  'unknown_type',
  'unroutable',
  'unreadable',
  'too_large',
  'rejected_by_temporal',
] satisfies DeadLetterReason[];

const program = new Command('deadletters').description('Verified Gemini webhook events that could not be delivered');

program
  .command('list')
  .description('list pending dead letters (newest first)')
  .option('--type <eventType>', 'only this event type (as sent, or normalised)')
  .option('--reason <reason>', deadLetterReasons.join(' | '))
  .option('--all', 'include dead letters already replayed')
  .option('--json', 'one JSON object per line')
  .action(async (opts: { type?: string; reason?: string; all?: boolean; json?: boolean }) => {
    const entries = await withClient((client) =>
      listDeadLetters(client, { type: opts.type, reason: opts.reason, includeReplayed: opts.all }),
    );
    for (const { status, record } of entries) {
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ status, ...record })}\n`);
        continue;
      }
      const to = record.targetWorkflowId ? ` -> ${record.targetWorkflowId}` : '';
      const state = status === 'RUNNING' ? 'pending' : status.toLowerCase();
      const columns = [record.webhookId, record.eventType, record.resourceId ?? '-', `${record.reason}${to}`];
      process.stdout.write(`${[...columns, record.receivedAt, state].join('  ')}\n`);
    }
    if (!opts.json) process.stdout.write(`${entries.length} dead letter(s)\n`);
  });

program
  .command('replay')
  .description('signal a dead letter to its workflow (or --to another) with via "replay"')
  .argument('<webhookId>')
  .option('--to <workflowId>', 'deliver to this workflow instead of the recorded target or the resource owner')
  .action(async (webhookId: string, opts: { to?: string }) => {
    try {
      const { to, event } = await withClient((client) => replayDeadLetter(client, webhookId, opts));
      process.stdout.write(`replayed ${webhookId} (${event.type} ${event.resourceId}) to ${to}\n`);
    } catch (err) {
      if (err instanceof ReplayError) throw new SetupError(err.message);
      throw err;
    }
  });

runMain(() => program.parseAsync(process.argv));
