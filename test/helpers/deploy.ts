import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { searchAttributeKeys } from '../../contract';
import { cliTypeName } from '../../temporal/search-attributes';
import { freePort, waitForTemporal } from '../../testing/dev-server';
import { resolveTemporalCli } from '../../testing/temporal-cli';
import { eventually } from './eventually';
import { startProcess } from './processes';

/**
 * A namespace nobody has configured, as a user's own cluster would have: made through the workflow service, and
 * usable once the server's namespace cache has it.
 */
export async function registerFreshNamespace(connection: Connection): Promise<string> {
  const namespace = `deploy-${randomUUID().slice(0, 8)}`;
  await connection.workflowService.registerNamespace({
    namespace,
    workflowExecutionRetentionPeriod: msToTs('1 day'),
  });
  await eventually(
    () =>
      connection.operatorService.listSearchAttributes({ namespace }).then(
        () => true,
        () => undefined,
      ),
    `namespace ${namespace} to be usable`,
  );
  return namespace;
}

/**
 * `temporal server start-dev` exactly as a user types it: no geminiflow flags, no search attributes, in memory. On
 * `port` (to come back where a stopped one was, forgetting everything), or on a free port; if another process took that
 * before the server bound it, again on another.
 */
export async function startBareDevServer(given?: number): Promise<{ address: string; stop(): Promise<void> }> {
  const cli = await resolveTemporalCli();
  for (let attempt = 1; ; attempt++) {
    const port = given ?? (await freePort());
    const server = startProcess(cli.path, [
      'server',
      'start-dev',
      '--headless',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
    ]);
    const address = `127.0.0.1:${port}`;
    try {
      await waitForTemporal(address, 60_000, () =>
        server.child.exitCode !== null ? `start-dev exited ${server.child.exitCode}: ${server.output()}` : undefined,
      );
      return { address, stop: () => server.kill() };
    } catch (err) {
      await server.kill();
      if (given !== undefined || attempt >= 3 || !/address already in use/i.test(server.output())) throw err;
    }
  }
}

/** A refusal names every attribute in both the Temporal CLI's and tcld's exact commands for the namespace. */
export function assertGivesBothCommands(message: string, namespace: string) {
  for (const key of searchAttributeKeys) {
    const type = cliTypeName(key.type);
    assert.match(
      message,
      new RegExp(
        `temporal operator search-attribute create --namespace ${namespace} .*--name ${key.name} --type ${type}\\b`,
      ),
    );
    assert.match(
      message,
      new RegExp(
        `tcld namespace search-attributes add --namespace ${namespace} .*--search-attribute "${key.name}=${type}"`,
      ),
    );
  }
  // The names the tools take, not the SDK's enum spelling.
  assert.match(message, /--search-attribute "GeminiResourceIds=KeywordList"/);
}
