import type { Command } from 'commander';
import { examples, jsonOption } from '../help';
import { print, printJson } from '../output';
import { withGeminiflow } from '../session';

/** `send`, `end`: talk to a conversational agent run. */
export function registerConversation(program: Command): void {
  examples(
    program
      .command('send')
      .description("send a follow-up message to a conversational agent run and print the model's answer")
      .argument('<workflowId>')
      .argument('<message>')
      .addOption(jsonOption()),
    'geminiflow send support-agent-7 "And where is order A-1002?"',
  ).action(async (workflowId: string, message: string, o: { json?: boolean }, cmd: Command) => {
    const reply = await withGeminiflow(cmd, (g) => g.sendMessage(workflowId, message));
    if (o.json) printJson(reply);
    else print(reply.reply);
  });

  examples(
    program
      .command('end')
      .description('end a conversation once the messages already accepted are answered')
      .argument('<workflowId>')
      .addOption(jsonOption()),
    'geminiflow end support-agent-7',
  ).action(async (workflowId: string, o: { json?: boolean }, cmd: Command) => {
    await withGeminiflow(cmd, (g) => g.endConversation(workflowId));
    if (o.json) printJson({ workflowId, ended: true });
    else print(`the conversation of ${workflowId} ends`);
  });
}
