import { listen } from '../common/listen';
import { stopOnShutdownSignal } from '../common/shutdown';
import { createApp } from './app';
import { createControl } from './control';
import { EmulatorCore } from './core';
import { withEnvDefaults } from './env-options';
import { loadEmulatorState, saveEmulatorState } from './persist';
import { listenUrlOf, parsePublicUrl } from './public-url';
import type { EmulatorOptions, RunningEmulator } from './types';

/**
 * Starts one emulator: an HTTP server on 127.0.0.1 (a free port unless `port` is given) with its own state. Unset
 * behavioural options fall back to GEMINI_EMULATOR_* variables (see withEnvDefaults).
 */
export async function startEmulator(given: EmulatorOptions = {}): Promise<RunningEmulator> {
  const opts = withEnvDefaults(given);
  // A bad public URL is refused before anything listens.
  const publicUrl = opts.publicUrl === undefined ? undefined : parsePublicUrl(opts.publicUrl);
  const core = new EmulatorCore(opts);
  if (opts.stateFile) loadEmulatorState(core, opts.stateFile);
  const control = createControl(core);
  const app = createApp(core, control, opts.apiKey);
  const host = opts.host ?? '127.0.0.1';
  const listening = await listen(app, { port: opts.port, host, what: 'Gemini emulator' });
  listening.server.keepAliveTimeout = 60_000;
  const { port } = listening;
  core.publicUrl = publicUrl ?? listenUrlOf(host, port, { advertise: true });
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      release();
      core.scheduler.stop();
      await listening.close();
      if (opts.stateFile) saveEmulatorState(core, opts.stateFile);
    })());
  const release = opts.stopOnSignal === false ? () => undefined : stopOnShutdownSignal(stop);
  return {
    baseUrl: core.publicUrl,
    listenUrl: listenUrlOf(host, port, { advertise: false }),
    jwksUrl: `${core.publicUrl}/.well-known/jwks.json`,
    control,
    stop,
  };
}
