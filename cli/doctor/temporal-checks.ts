import { temporal } from '@temporalio/proto';
import { type ConnectedTemporal, connectTemporal } from '../../client/connect';
import { inspectSearchAttributes, searchAttributeCommands } from '../../temporal/search-attributes';
import { oneLine } from '../output';
import { workerStartHint } from '../project';
import { type CheckResult, fail, ok, skip } from './check';

/** Temporal reachable, the namespace there; the connection is handed to the checks that need it. */
export async function checkTemporal(
  env: NodeJS.ProcessEnv,
): Promise<{ result: CheckResult; temporal?: ConnectedTemporal }> {
  let connected: ConnectedTemporal;
  try {
    connected = await connectTemporal({ env });
  } catch (err) {
    return {
      result: fail('Temporal', oneLine(err), 'start Temporal, or point TEMPORAL_ADDRESS (or TEMPORAL_PROFILE) at it'),
    };
  }
  const { client, settings } = connected;
  try {
    await client.connection.workflowService.describeNamespace({ namespace: settings.namespace });
  } catch (err) {
    await connected.close();
    return {
      result: fail(
        'Temporal',
        `${settings.address} answers, but namespace ${settings.namespace} is not usable: ${oneLine(err)}`,
        `create the namespace (temporal operator namespace create --namespace ${settings.namespace}) or set TEMPORAL_NAMESPACE`,
      ),
    };
  }
  const how = [settings.summary.tls && 'TLS', settings.summary.apiKey && 'API key'].filter(Boolean).join(', ');
  return {
    result: ok('Temporal', `${settings.address}, namespace ${settings.namespace}${how ? ` (${how})` : ''}`),
    temporal: connected,
  };
}

export async function checkSearchAttributes(connected: ConnectedTemporal): Promise<CheckResult> {
  const { client, settings } = connected;
  const found = await inspectSearchAttributes({ connection: client.connection, namespace: settings.namespace });
  if (found.wrongTypes.length) {
    return fail(
      'search attributes',
      `wrong type: ${found.wrongTypes.join('; ')}`,
      `remove and re-create them with the right type (temporal operator search-attribute remove --namespace ${settings.namespace} --name <name>), or use another namespace`,
    );
  }
  if (found.missing.length) {
    const commands = searchAttributeCommands(found.missing, settings.namespace, settings.address)
      .split('\n')[1]
      ?.trim();
    return fail(
      'search attributes',
      `namespace ${settings.namespace} lacks ${found.missing.map((k) => k.name).join(', ')}: runs that wait on Gemini cannot start`,
      `start the worker or the receiver once (they register them), or run: ${commands}${found.missing.length > 1 ? ' (and likewise for the others)' : ''}`,
    );
  }
  return ok(
    'search attributes',
    `all present${found.typesVerified ? ' with the right types' : ' (types not listable here)'}`,
  );
}

/** A run starts only when a worker polls its task queue. */
export async function checkWorker(connected: ConnectedTemporal): Promise<CheckResult> {
  const { client, settings } = connected;
  const described = await client.connection.workflowService.describeTaskQueue({
    namespace: settings.namespace,
    taskQueue: { name: settings.taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  const pollers = described.pollers ?? [];
  if (!pollers.length) {
    return fail(
      'worker',
      `no worker polls task queue ${settings.taskQueue} in namespace ${settings.namespace}`,
      `start a worker with GeminiflowPlugin on that task queue (${workerStartHint()}), or set TEMPORAL_TASK_QUEUE to the one it uses`,
    );
  }
  return ok('worker', `${pollers.length} poller(s) on task queue ${settings.taskQueue}`);
}

export const skipped = (check: string) => skip(check, 'Temporal is not reachable');
