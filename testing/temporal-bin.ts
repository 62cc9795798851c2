#!/usr/bin/env node
import { spawn } from 'node:child_process';
import { runMain, SetupError } from '../common/errors';
import { resolveTemporalCli } from './temporal-cli';

/**
 * `npx geminiflow-temporal <args>`: the official Temporal CLI, installed on first use into the per-user cache
 * (GEMINIFLOW_TOOLS_DIR to choose the folder), run with your arguments. `server start-dev` without `--port` listens
 * where TEMPORAL_ADDRESS points, so the server and the workers started from the same shell agree.
 */
function withAddressFromEnv(args: string[]): string[] {
  const address = process.env.TEMPORAL_ADDRESS;
  const startDev = args[0] === 'server' && args[1] === 'start-dev';
  if (!startDev || !address || args.some((a) => /^(-p|--port|--ip)(=|$)/.test(a))) return args;
  const match = /^(.+):(\d+)$/.exec(address);
  return match ? [...args, '--ip', match[1]!, '--port', match[2]!] : args;
}

runMain(async () => {
  const cli = await resolveTemporalCli({ log: (line) => process.stderr.write(`${line}\n`) });
  const child = spawn(cli.path, withAddressFromEnv(process.argv.slice(2)), { stdio: 'inherit' });
  // The terminal sends Ctrl-C to both processes; a SIGTERM sent to this one alone is passed on.
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  process.on('SIGINT', () => undefined);
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', (err) => reject(new SetupError(`could not run ${cli.path}: ${err.message}`)));
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
  });
  process.exit(code);
});
