import type { Command } from 'commander';
import { consoleConfigFromEnv, newReviewerToken } from '../../console/config';
import { startConsole } from '../../console/server';
import { examples } from '../help';
import { print, UsageError } from '../output';
import { commandEnv } from '../session';

/** Resolves on Ctrl-C or SIGTERM. */
export const untilStopped = () =>
  new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });

/** `geminiflow console`: the web console for people (never part of the receiver), and its reviewer tokens. */
export function registerConsole(program: Command): void {
  const consoleCmd = examples(
    program
      .command('console')
      .description(
        'serve the web console (pending approvals, waiting runs, dead letters, live) on 127.0.0.1:8787; it needs ' +
          'GEMINIFLOW_CONSOLE_TOKENS or GEMINIFLOW_CONSOLE_TRUSTED_USER_HEADER',
      )
      .option('--port <port>', 'listen here (default: GEMINIFLOW_CONSOLE_PORT or 8787; 0 picks a free one)')
      .option('--host <host>', 'listen on this address (default: GEMINIFLOW_CONSOLE_HOST or 127.0.0.1)'),
    'GEMINIFLOW_CONSOLE_TOKENS="alice=sha256:9f86d0..." geminiflow console',
    'geminiflow console token alice',
  ).action(async (o: { port?: string; host?: string }, cmd: Command) => {
    const env = commandEnv(cmd);
    const config = consoleConfigFromEnv({
      ...env,
      ...(o.port !== undefined ? { GEMINIFLOW_CONSOLE_PORT: o.port } : {}),
      ...(o.host ? { GEMINIFLOW_CONSOLE_HOST: o.host } : {}),
    });
    const running = await startConsole({ config, env });
    const how =
      config.auth.kind === 'tokens'
        ? 'sign in with a reviewer token'
        : `people come through the proxy (${config.auth.header})`;
    print(`geminiflow console on ${running.url} (${how}); Ctrl-C stops it`);
    await untilStopped();
    await running.stop();
  });

  examples(
    consoleCmd
      .command('token')
      .description(
        'make a reviewer token: prints the token (give it to the reviewer) and its GEMINIFLOW_CONSOLE_TOKENS entry (a hash)',
      )
      .argument('<reviewer>', 'the name decisions are recorded under'),
    'geminiflow console token alice',
  ).action((reviewer: string) => {
    if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(reviewer))
      throw new UsageError('a reviewer name is 1-64 letters, digits, _ . @ -');
    const { token, entry } = newReviewerToken(reviewer);
    print(`token for ${reviewer} (shown once; give it to ${reviewer} only):`);
    print(`  ${token}`);
    print('add this entry to GEMINIFLOW_CONSOLE_TOKENS (comma-separated; it holds only the hash):');
    print(`  ${entry}`);
  });
}
