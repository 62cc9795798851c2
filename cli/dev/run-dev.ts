import os from 'node:os';
import path from 'node:path';
import { connectTemporal } from '../../client/connect';
import { newReviewerToken, sessionSecretsFromFile, tokenHash } from '../../console/config';
import { startConsole } from '../../console/server';
import { googleJwksUrl, startReceiver } from '../../receiver';
import { type RunningEmulator, startDevServer, startEmulator } from '../../testing';
import { print } from '../output';
import type { Project } from '../project';
import { DevLog } from './log';
import { type DevPorts, planPorts } from './ports';
import { RunWatch } from './run-watch';
import { openDevState } from './state';
import { watchForChanges } from './watch';
import { WorkerProcess } from './worker-process';

export interface DevOptions {
  project: Project;
  /** The worker entry, absolute. */
  entry: string;
  /** Folders whose changes restart the worker, absolute. */
  watch: string[];
  stateDir: string;
  autoPorts: boolean;
  ports: Partial<DevPorts>;
  taskQueue: string;
  namespace: string;
  console: boolean;
  env: NodeJS.ProcessEnv;
}

/** The shell's way to another Temporal server: not for the parts dev runs, whose server is dev's own. */
const temporalConnectionVariable = /^TEMPORAL_(ADDRESS|NAMESPACE|TASK_QUEUE|API_KEY|TLS.*|PROFILE|GRPC_META_.*)$/;

/** How long each part may take to stop before it is killed; the whole of dev stops within a few of these. */
const drainMs = 10_000;

/** The local user, as the console records decisions: a name it accepts. */
function localUser(): string {
  const name = (() => {
    try {
      return os.userInfo().username;
    } catch {
      return '';
    }
  })().replace(/[^A-Za-z0-9_.@-]/g, '');
  return name.slice(0, 64) || 'developer';
}

/** Resolves with the first SIGINT or SIGTERM; dev stops its parts itself, in order. */
function firstSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

/**
 * `geminiflow dev`: a Temporal dev server on a database in the project, the Gemini emulator (or the real API), the
 * receiver, the console and the user's worker, restarted when its files change, until the first SIGINT or SIGTERM.
 */
export async function runDev(o: DevOptions): Promise<void> {
  const signal = firstSignal();
  const log = new DevLog();
  const stops: { what: string; stop: () => Promise<unknown> }[] = [];
  const stopAll = async () => {
    for (const { what, stop } of stops.splice(0).reverse()) {
      await stop().catch((err: Error) => log.line('dev', `stopping the ${what} failed: ${err.message}`));
    }
  };
  // A second signal while stopping means now.
  void signal.then(() => {
    process.once('SIGINT', () => process.exit(130));
    process.once('SIGTERM', () => process.exit(143));
  });
  try {
    const state = openDevState(o.stateDir);
    const ports = await planPorts({ auto: o.autoPorts, given: o.ports, remembered: state.remembered.ports });
    if (o.autoPorts) state.remember({ ports });
    const env = o.env;
    const realApi = !!env.GEMINI_API_KEY && !env.GEMINI_EMULATOR_URL;

    log.line('dev', `starting the Temporal dev server on 127.0.0.1:${ports.temporal} (database ${state.temporalDb})`);
    const temporal = await startDevServer({
      dbFilename: state.temporalDb,
      logFile: state.temporalLog,
      port: ports.temporal,
      ui: true,
      uiPort: ports.ui,
      namespace: o.namespace,
      ownProcessGroup: true,
    });
    stops.push({ what: 'Temporal dev server', stop: () => temporal.stop() });
    const untail = log.tail('temporal', state.temporalLog);
    stops.push({ what: 'Temporal log', stop: async () => untail() });

    let emulator: RunningEmulator | undefined;
    if (!realApi) {
      emulator = await startEmulator({ port: ports.emulator, stateFile: state.emulatorState, stopOnSignal: false });
      stops.push({ what: 'emulator', stop: () => emulator!.stop() });
    }
    const routingKeys = env.GEMINIFLOW_ROUTING_KEYS || state.remembered.routingKeys;
    const publicUrl = env.RECEIVER_PUBLIC_URL || undefined;
    const receiver = await startReceiver({
      port: ports.receiver,
      opsPort: ports.receiverOps,
      publicUrl,
      routingKeys,
      jwksUrl: emulator?.jwksUrl ?? env.GEMINI_JWKS_URL ?? googleJwksUrl,
      secrets: (env.GEMINI_WEBHOOK_SECRETS ?? '').split(/[\s,]+/).filter(Boolean),
      temporal: { address: temporal.address, namespace: temporal.namespace, taskQueue: o.taskQueue },
      logger: log.logger('receiver'),
      stopOnSignal: false,
    });
    stops.push({ what: 'receiver', stop: () => receiver.stop() });
    const webhookUrl = publicUrl ?? receiver.url;

    // The parts' settings reach the worker the way a deployment gives them: as the variables it already reads.
    const temporalEnv = {
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace,
      TEMPORAL_TASK_QUEUE: o.taskQueue,
    };
    const ownEnv = Object.fromEntries(Object.entries(env).filter(([name]) => !temporalConnectionVariable.test(name)));
    const workerEnv: NodeJS.ProcessEnv = {
      ...ownEnv,
      ...temporalEnv,
      GEMINIFLOW_ROUTING_KEYS: routingKeys,
      GEMINIFLOW_WEBHOOK_URL: webhookUrl,
      ...(emulator ? { GEMINI_EMULATOR_URL: emulator.baseUrl } : {}),
    };

    let signIn: string | undefined;
    if (o.console) {
      const user = localUser();
      const { token } = newReviewerToken(user);
      const running = await startConsole({
        config: {
          host: '127.0.0.1',
          port: ports.console,
          auth: { kind: 'tokens', reviewers: [{ name: user, hash: tokenHash(token) }] },
          temporalUiUrl: temporal.uiUrl,
          loginLimit: { max: 10, windowMs: 15 * 60_000 },
          pollMs: 1000,
          // In the project, beside the database: a restart of dev keeps the reviewer signed in.
          session: sessionSecretsFromFile(path.join(o.stateDir, 'console-session-secret')),
        },
        env: { ...ownEnv, ...temporalEnv },
        logger: log.logger('console'),
        stopOnSignal: false,
      });
      stops.push({ what: 'console', stop: () => running.stop() });
      signIn = `${running.url}/login#token=${token} (signed in as ${user})`;
    }

    const connected = await connectTemporal({ env: { ...ownEnv, ...temporalEnv } });
    stops.push({ what: 'Temporal connection', stop: () => connected.close() });
    const watch = new RunWatch({ client: connected.client, taskQueue: o.taskQueue, log });
    watch.start();
    stops.push({ what: 'run watch', stop: async () => watch.stop() });

    const worker = new WorkerProcess({ root: o.project.root, entry: o.entry, env: workerEnv, log, graceMs: drainMs });
    const announce = async () => {
      const pid = worker.pid;
      if (pid && (await watch.polling(pid, () => worker.pid === pid))) {
        log.line('dev', `the worker (pid ${pid}) polls task queue ${o.taskQueue}`);
      }
    };
    worker.start();
    stops.push({ what: 'worker', stop: () => worker.stop() });
    void announce();

    let restarting = Promise.resolve();
    const relative = (p: string) => {
      const inside = path.relative(o.project.root, p);
      return inside.startsWith('..') ? p : inside || '.';
    };
    const stopWatching = watchForChanges(o.project.root, o.watch, (files) => {
      restarting = restarting.then(async () => {
        log.line(
          'dev',
          `${files.slice(0, 3).join(', ')}${files.length > 3 ? ', ...' : ''} changed: restarting the worker`,
        );
        await worker.restart();
        void announce();
      });
    });
    stops.push({ what: 'file watch', stop: async () => stopWatching() });

    print(
      [
        '',
        'geminiflow dev is up; Ctrl-C stops everything:',
        `  Temporal         ${temporal.address} (namespace ${temporal.namespace}, task queue ${o.taskQueue}), data in ${relative(state.dir)}/`,
        `  Temporal UI      ${temporal.uiUrl}`,
        emulator ? `  Gemini emulator  ${emulator.baseUrl}` : '  Gemini API       the real one (GEMINI_API_KEY)',
        `  receiver         ${receiver.url} (operations ${receiver.opsUrl})`,
        ...(signIn ? [`  console          ${signIn}`] : []),
        `  worker           ${relative(o.entry)}, restarted when ${o.watch.map((d) => `${relative(d)}/`).join(', ')} changes`,
        ...(temporal.address === '127.0.0.1:7233'
          ? []
          : [
              `  other terminals  export TEMPORAL_ADDRESS=${temporal.address} (the CLI and your scripts find it there)`,
            ]),
        ...(realApi && !publicUrl
          ? [
              '  note             Gemini cannot post to 127.0.0.1: set RECEIVER_PUBLIC_URL to a tunnel to the receiver,',
              '                   or runs learn of job ends only from the reconciliation backstop',
            ]
          : []),
        '',
      ].join('\n'),
    );

    const received = await signal;
    log.line('dev', `${received}: stopping (each part within ${drainMs / 1000} s)`);
  } finally {
    await stopAll();
  }
  log.line('dev', 'stopped');
}
