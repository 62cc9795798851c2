import { Command, CommanderError } from 'commander';
import { InvalidApprovalFilterError, InvalidRunFilterError } from '../client';
import { examples } from './help';
import { exitCodes, oneLine, UsageError } from './output';

/** The program without its commands: global options, and usage errors that end the process with code 2. */
export function baseProgram(): Command {
  const program = new Command('geminiflow')
    .description(
      'Operate geminiflow: start and inspect runs, decide approvals, manage webhooks and dead letters, check a deployment',
    )
    .option('--address <host:port>', 'Temporal frontend (default: TEMPORAL_ADDRESS, a profile, or 127.0.0.1:7233)')
    .option('--namespace <name>', 'Temporal namespace (default: TEMPORAL_NAMESPACE or default)')
    .option('--task-queue <name>', 'task queue of geminiflow workers (default: TEMPORAL_TASK_QUEUE or geminiflow)')
    .option('--profile <name>', "profile of Temporal's config file (TEMPORAL_PROFILE)")
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`geminiflow: ${oneLine(text.replace(/^error: /, ''))}\n`) });
  return examples(program, 'geminiflow doctor', 'geminiflow pending', 'geminiflow status research-brief-1 --json');
}

/** The exit code of an error: 2 for bad usage, 1 for anything that failed or was refused. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) {
    return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0
      ? exitCodes.done
      : exitCodes.usage;
  }
  if (err instanceof UsageError || err instanceof InvalidRunFilterError || err instanceof InvalidApprovalFilterError) {
    return exitCodes.usage;
  }
  return exitCodes.failed;
}

/** Parses and runs; returns the exit code. Errors are one line on stderr, never a stack trace. */
export async function runProgram(program: Command, argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : exitCodes.done;
  } catch (err) {
    // Commander has printed its own usage errors already (through outputError).
    if (!(err instanceof CommanderError)) process.stderr.write(`geminiflow: ${oneLine(err)}\n`);
    if (process.env.GEMINIFLOW_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return exitCodeOf(err);
  }
}
