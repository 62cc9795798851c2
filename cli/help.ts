import { type Command, Option } from 'commander';

/** A command's help ends with examples, so every `--help` shows one way to use it. */
export function examples(cmd: Command, ...lines: string[]): Command {
  return cmd.addHelpText(
    'after',
    `\nExample${lines.length > 1 ? 's' : ''}:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`,
  );
}

export const jsonOption = () => new Option('--json', 'print JSON instead of text');
