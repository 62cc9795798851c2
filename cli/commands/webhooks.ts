import fs from 'node:fs';
import { Argument, type Command, Option } from 'commander';
import { webhookEventTypes } from '../../contract';
import { callGemini, geminiFor } from '../gemini';
import { examples, jsonOption } from '../help';
import { print, printJson, printTable, UsageError } from '../output';

const revocation = {
  'after-24h': 'revoke_previous_secrets_after_h24',
  immediately: 'revoke_previous_secrets_immediately',
} as const;

/**
 * A new signing secret goes to the person once: into a file created with mode 0600, or onto stdout. It is never
 * logged, and never shown again by Gemini.
 */
function handOver(secret: string | undefined, webhookId: string, file: string | undefined, json: boolean | undefined) {
  if (!secret) return {};
  if (file) {
    fs.writeFileSync(file, `${secret}\n`, { mode: 0o600 });
    fs.chmodSync(file, 0o600);
    if (!json)
      print(
        `the signing secret of ${webhookId} is in ${file} (mode 0600); add it to the receiver's GEMINI_WEBHOOK_SECRETS`,
      );
    return { secretFile: file };
  }
  if (!json) {
    print(`signing secret of ${webhookId} (shown once; add it to the receiver's GEMINI_WEBHOOK_SECRETS):`);
    print(`  ${secret}`);
  }
  return { signingSecret: secret };
}

const secretFileOption = () =>
  new Option('--secret-file <path>', 'write the new signing secret to this file (mode 0600) instead of printing it');

/** `webhooks list|create|rotate|ping|enable|delete`: Gemini's registered webhooks, through the SDK. */
export function registerWebhooks(program: Command): void {
  const webhooks = examples(
    program
      .command('webhooks')
      .description("Gemini's registered webhooks (GEMINI_API_KEY, or the emulator at GEMINI_EMULATOR_URL)"),
    'geminiflow webhooks list',
  );

  examples(
    webhooks
      .command('list')
      .description('every registered webhook with its state (disabled_due_to_failed_deliveries included)')
      .addOption(jsonOption()),
    'geminiflow webhooks list --json',
  ).action(async (o: { json?: boolean }, cmd: Command) => {
    const { ai } = geminiFor(cmd);
    const all = [];
    let page_token: string | undefined;
    do {
      const page = await callGemini('listing webhooks', () =>
        ai.webhooks.list({ page_size: 100, ...(page_token ? { page_token } : {}) }),
      );
      all.push(...(page.webhooks ?? []));
      page_token = page.next_page_token || undefined;
    } while (page_token);
    if (o.json) return printJson(all);
    printTable(
      ['ID', 'STATE', 'URL', 'EVENTS', 'NAME'],
      all.map((w) => [
        w.id ?? '-',
        w.state ?? '-',
        w.uri ?? '-',
        String(w.subscribed_events?.length ?? 0),
        w.name ?? '',
      ]),
    );
    print(`${all.length} webhook(s)`);
  });

  examples(
    webhooks
      .command('create')
      .description("register a webhook for the receiver's public URL; prints its signing secret once")
      .argument('<url>', "the receiver's public URL, e.g. https://hooks.example.com/webhooks/gemini")
      .option('--events <types>', `comma-separated (default: all: ${webhookEventTypes.join(', ')})`)
      .option('--name <name>', 'a name shown in listings', 'geminiflow')
      .addOption(secretFileOption())
      .addOption(jsonOption()),
    'geminiflow webhooks create https://hooks.example.com/webhooks/gemini --secret-file ./gemini-webhook-secret',
  ).action(
    async (uri: string, o: { events?: string; name: string; secretFile?: string; json?: boolean }, cmd: Command) => {
      if (!/^https?:\/\//.test(uri)) throw new UsageError(`"${uri}" is not an http(s) URL`);
      const events = o.events
        ? o.events
            .split(',')
            .map((e) => e.trim())
            .filter(Boolean)
        : [...webhookEventTypes];
      const { ai } = geminiFor(cmd);
      const created = await callGemini('creating the webhook', () =>
        ai.webhooks.create({ name: o.name, uri, subscribed_events: events as never }),
      );
      const { new_signing_secret: secret, ...shown } = created;
      if (!o.json) print(`created webhook ${created.id} for ${uri} (${created.state ?? 'enabled'})`);
      const handed = handOver(secret, created.id ?? '', o.secretFile, o.json);
      if (o.json) printJson({ ...shown, ...handed });
    },
  );

  examples(
    webhooks
      .command('rotate')
      .description("replace a webhook's signing secret; prints the new one once")
      .argument('<webhookId>')
      .requiredOption('--revoke <when>', 'when the old secrets stop working: after-24h | immediately')
      .addOption(secretFileOption())
      .addOption(jsonOption()),
    'geminiflow webhooks rotate 3f2a... --revoke after-24h --secret-file ./gemini-webhook-secret',
  ).action(async (id: string, o: { revoke: string; secretFile?: string; json?: boolean }, cmd: Command) => {
    const behavior = revocation[o.revoke as keyof typeof revocation];
    if (!behavior) throw new UsageError('--revoke must be after-24h or immediately');
    const { ai } = geminiFor(cmd);
    const rotated = await callGemini(`rotating the secret of ${id}`, () =>
      ai.webhooks.rotateSigningSecret(id, { revocation_behavior: behavior }),
    );
    if (!o.json)
      print(
        `rotated the signing secret of ${id}; the old ones stop working ${o.revoke === 'immediately' ? 'now' : 'in 24 hours'}`,
      );
    const handed = handOver(rotated.secret, id, o.secretFile, o.json);
    if (o.json) printJson({ id, revocation: behavior, ...handed });
  });

  const simple = (
    name: string,
    description: string,
    run: (ai: ReturnType<typeof geminiFor>['ai'], id: string) => Promise<unknown>,
    done: string,
  ) =>
    examples(
      webhooks.command(name).description(description).addArgument(new Argument('<webhookId>')).addOption(jsonOption()),
      `geminiflow webhooks ${name} 3f2a...`,
    ).action(async (id: string, o: { json?: boolean }, cmd: Command) => {
      const { ai } = geminiFor(cmd);
      await callGemini(`${name} ${id}`, () => run(ai, id));
      if (o.json) printJson({ id, [name]: true });
      else print(done.replace('{id}', id));
    });

  simple(
    'ping',
    'ask Gemini to send the webhook a ping delivery (the receiver counts it)',
    (ai, id) => ai.webhooks.ping(id),
    'Gemini sends a ping to webhook {id}',
  );
  simple(
    'enable',
    'enable a webhook again (after fixing what disabled it)',
    (ai, id) => ai.webhooks.update(id, { state: 'enabled', update_mask: 'state' }),
    'webhook {id} is enabled',
  );
  simple('delete', 'delete a registered webhook', (ai, id) => ai.webhooks.delete(id), 'webhook {id} is deleted');
}
