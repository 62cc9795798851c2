import type { Command } from 'commander';
import { registerApprovals } from './commands/approvals';
import { registerConsole } from './commands/console';
import { registerConversation } from './commands/conversation';
import { registerDeadLetters } from './commands/dead-letters';
import { registerDev } from './commands/dev';
import { registerDoctor } from './commands/doctor';
import { registerParts } from './commands/parts';
import { registerPrices } from './commands/prices';
import { registerRuns } from './commands/runs';
import { registerStart } from './commands/start';
import { registerWebhooks } from './commands/webhooks';
import { baseProgram } from './program';

/** The whole `geminiflow` command line: every command, in the order `--help` lists them. */
export function geminiflowProgram(): Command {
  const program = baseProgram();
  registerStart(program);
  registerRuns(program);
  registerPrices(program);
  registerApprovals(program);
  registerConversation(program);
  registerWebhooks(program);
  registerDeadLetters(program);
  registerDoctor(program);
  registerConsole(program);
  registerDev(program);
  registerParts(program);
  return program;
}
