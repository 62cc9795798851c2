import type { Logger } from 'pino';
import { connectGeminiflow, type GeminiflowClient } from '../client';
import { type Listening, listen } from '../common/listen';
import { logger as rootLogger } from '../common/logger';
import { stopOnShutdownSignal } from '../common/shutdown';
import { createConsoleApp } from './app';
import type { ConsoleConfig } from './config';

export interface RunningConsole {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the console on its own listener (127.0.0.1 unless configured otherwise), on the given client or one made
 * from the environment's Temporal settings. It is never part of the receiver: it is for people, not for Gemini.
 */
export async function startConsole(opts: {
  config: ConsoleConfig;
  geminiflow?: GeminiflowClient;
  namespace?: string;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Stop on the process's first SIGINT or SIGTERM (default true). */
  stopOnSignal?: boolean;
}): Promise<RunningConsole> {
  const logger = (opts.logger ?? rootLogger).child({ component: 'console' });
  const connected = opts.geminiflow ? undefined : await connectGeminiflow({ env: opts.env });
  const geminiflow = opts.geminiflow ?? connected!.geminiflow;
  const namespace = opts.namespace ?? connected?.settings.namespace ?? geminiflow.client.options.namespace;
  const { app, close } = createConsoleApp({ config: opts.config, geminiflow, namespace, logger });
  let listening: Listening;
  try {
    listening = await listen(app, { port: opts.config.port, host: opts.config.host, what: 'console' });
  } catch (err) {
    await close();
    await connected?.close();
    throw err;
  }
  const { url } = listening;
  const { session } = opts.config;
  logger.info({ url, auth: opts.config.auth.kind, sessionSecret: session.secrets.source }, 'console listening');
  if (session.generated) {
    logger.info(
      { file: session.secrets.source },
      'console: made a session secret for local use and kept it in this file; give every replica the same GEMINIFLOW_CONSOLE_SESSION_SECRET instead in production',
    );
  }
  let stopping: Promise<void> | undefined;
  /** Stops taking requests, lets those in flight finish (for up to 5 s), and only then closes its connection. */
  const stop = () =>
    (stopping ??= (async () => {
      release();
      const closed = listening.close(5_000);
      await close();
      await closed;
      await connected?.close();
    })());
  const release = opts.stopOnSignal === false ? () => undefined : stopOnShutdownSignal(stop);
  return { url, stop };
}
