import type { Command } from 'commander';
import type { DeadLetterReason } from '../../client';
import { examples, jsonOption } from '../help';
import { print, printJson, printTable, when } from '../output';
import { withGeminiflow } from '../session';

const reasons = [
  'workflow_closed',
  'workflow_not_found',
  'owner_not_found',
  'unknown_type',
  'unroutable',
  'unreadable',
  'too_large',
  'rejected_by_temporal',
] satisfies DeadLetterReason[];

const stateOf = (status: string) =>
  status === 'RUNNING' ? 'pending' : status === 'COMPLETED' ? 'replayed' : status.toLowerCase();

/** `deadletters list|show|replay`: verified webhook events that reached no run, kept in Temporal until replayed. */
export function registerDeadLetters(program: Command): void {
  const deadletters = examples(
    program.command('deadletters').description('verified Gemini webhook events that reached no run, with why'),
    'geminiflow deadletters list',
  );

  examples(
    deadletters
      .command('list')
      .description('pending dead letters, newest first')
      .option('--type <eventType>', 'only this event type (as sent, or normalised)')
      .option('--reason <reason>', reasons.join(' | '))
      .option('--all', 'include dead letters already replayed')
      .addOption(jsonOption()),
    'geminiflow deadletters list --reason workflow_closed',
  ).action(async (o: { type?: string; reason?: string; all?: boolean; json?: boolean }, cmd: Command) => {
    const entries = await withGeminiflow(cmd, (g) =>
      g.deadLetters({ type: o.type, reason: o.reason, includeReplayed: o.all }),
    );
    if (o.json) return printJson(entries.map(({ status, record }) => ({ state: stateOf(status), ...record })));
    printTable(
      ['WEBHOOK ID', 'EVENT', 'RESOURCE', 'REASON', 'RECEIVED', 'STATE'],
      entries.map(({ status, record: r }) => [
        r.webhookId,
        r.eventType,
        r.resourceId ?? '-',
        `${r.reason}${r.targetWorkflowId ? ` -> ${r.targetWorkflowId}` : ''}`,
        r.receivedAt,
        stateOf(status),
      ]),
    );
    print(`${entries.length} dead letter(s)`);
  });

  examples(
    deadletters
      .command('show')
      .description('one dead letter with its reason and the event it keeps')
      .argument('<webhookId>')
      .addOption(jsonOption()),
    'geminiflow deadletters show msg_2f1c...',
  ).action(async (webhookId: string, o: { json?: boolean }, cmd: Command) => {
    const found = await withGeminiflow(cmd, (g) => g.deadLetter(webhookId));
    if (!found) throw new Error(`no dead letter for webhook-id ${webhookId}`);
    const { record: r, status } = found;
    if (o.json) return printJson({ state: stateOf(status), ...r });
    const rows: [string, string][] = [
      ['webhook', r.webhookId],
      ['state', stateOf(status)],
      ['event', r.eventType],
      ['resource', r.resourceId ?? '-'],
      ['reason', `${r.reason}${r.detail ? `: ${r.detail}` : ''}`],
      ['meant for', r.targetWorkflowId ?? '-'],
      ['received', when(r.receivedAt)],
    ];
    for (const [key, value] of rows) print(`${key.padEnd(10)} ${value}`);
    print('kept:');
    print(JSON.stringify(r.event ?? r.envelope ?? null, null, 2));
  });

  examples(
    deadletters
      .command('replay')
      .description(
        'signal a dead letter to its run (or --to another) with via "replay"; a run takes it once however often it is replayed',
      )
      .argument('<webhookId>')
      .option('--to <workflowId>', 'deliver to this run instead of the recorded target or the resource owner')
      .addOption(jsonOption()),
    'geminiflow deadletters replay msg_2f1c... --to research-1',
  ).action(async (webhookId: string, o: { to?: string; json?: boolean }, cmd: Command) => {
    const { to, event } = await withGeminiflow(cmd, (g) => g.replayDeadLetter(webhookId, { to: o.to }));
    if (o.json) printJson({ webhookId, to, type: event.type, resourceId: event.resourceId });
    else print(`replayed ${webhookId} (${event.type} ${event.resourceId}) to ${to}`);
  });
}
