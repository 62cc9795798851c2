import { randomUUID } from 'node:crypto';
import { Argument, type Command, Option } from 'commander';
import ms, { type StringValue } from 'ms';
import type { StartOptions } from '../../client';
import {
  type AgentInput,
  type GeminiEventType,
  type GeminiResourceKind,
  geminiEventTypes,
  geminiResourceKinds,
  type PromptSource,
} from '../../workflows';
import { examples, jsonOption } from '../help';
import { positiveInt, print, printJson, UsageError } from '../output';
import { withGeminiflow } from '../session';

interface StartFlags {
  id?: string;
  json?: boolean;
}

const idOption = () => new Option('--id <workflowId>', 'the workflow id (default: <kind>-<random>)');
const workflowIdOf = (kind: string, flags: StartFlags) => flags.id ?? `${kind}-${randomUUID().slice(0, 8)}`;

function report(started: { workflowId: string; firstExecutionRunId: string }, json?: boolean) {
  if (json) printJson({ workflowId: started.workflowId, runId: started.firstExecutionRunId });
  else print(started.workflowId);
}

/** Where a batch's prompts come from: repeated --prompt, a JSONL file on the worker, or a template. */
function promptSource(o: { prompt?: string[]; file?: string; template?: string; count?: number }): PromptSource {
  const given = [o.prompt?.length, o.file, o.template].filter(Boolean).length;
  if (given !== 1)
    throw new UsageError(
      'give the prompts one way: --prompt <text> (repeatable), --file <jsonl> or --template <text> --count <n>',
    );
  if (o.prompt?.length) return { kind: 'inline', prompts: o.prompt.map((text, i) => ({ key: `prompt-${i}`, text })) };
  if (o.file) return { kind: 'file', path: o.file };
  if (!o.count) throw new UsageError('--template needs --count <n>');
  return { kind: 'template', template: o.template!, count: o.count };
}

/** Gemini's rule for function names: a letter or _, then letters, digits, _ . : -, 64 at most. */
const toolName = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;

/** `--tool a --tool b,c`: every name, checked. */
function collectTools(value: string, all: string[] = []): string[] {
  const names = value
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  for (const name of names) if (!toolName.test(name)) throw new UsageError(`"${name}" is not a tool name`);
  return [...all, ...names];
}

/** A duration such as 30m, 2h or "1 day", as the workflow takes it. */
function duration(value: string): StringValue {
  const millis = ms(value as StringValue) as number | undefined;
  if (typeof millis !== 'number' || !(millis > 0)) throw new UsageError(`"${value}" is not a duration (e.g. 30m, 2h)`);
  return value as StringValue;
}

interface AgentFlags extends StartFlags {
  type: string;
  tool?: string[];
  model?: string;
  system?: string;
  conversation: boolean;
  approvalTimeout?: StringValue;
  idleTimeout?: StringValue;
  maxSteps?: number;
}

/** The agent's input from the command's flags: only what was given, so the workflow's defaults hold otherwise. */
function agentInput(message: string | undefined, o: AgentFlags): AgentInput {
  if (!o.conversation && !message?.trim())
    throw new UsageError('--no-conversation needs a message: the run answers it, then ends');
  return {
    tools: o.tool ?? [],
    conversation: o.conversation,
    ...(message?.trim() ? { message } : {}),
    ...(o.model ? { model: o.model } : {}),
    ...(o.system ? { systemInstruction: o.system } : {}),
    ...(o.approvalTimeout ? { approvalTimeout: o.approvalTimeout } : {}),
    ...(o.idleTimeout ? { idleTimeout: o.idleTimeout } : {}),
    ...(o.maxSteps ? { maxStepsPerTurn: o.maxSteps } : {}),
  };
}

/** `geminiflow start deep-research|batch|video|agent|wait`: starts a workflow and prints its workflow id. */
export function registerStart(program: Command): void {
  const start = examples(
    program.command('start').description('start a job workflow or an agent and print its workflow id'),
    'geminiflow start deep-research "tidal energy"',
  );

  examples(
    start
      .command('agent')
      .description(
        'start an agent run of your agent workflow (one that calls runAgent) with a message and the tools it may call; ' +
          'follow it with status, pending, send and result',
      )
      .argument('[message]', 'the opening message (needed with --no-conversation)')
      .requiredOption('--type <workflowType>', 'your agent workflow, by name (e.g. supportAgent)')
      .option('--tool <names>', 'a tool of its catalog the model may call (repeat, or comma-separate)', collectTools)
      .option('--model <name>', 'the model (default: gemini-flash-latest)')
      .option('--system <text>', 'the system instruction')
      .option('--no-conversation', 'answer the message, then end (default: take follow-ups from geminiflow send)')
      .option('--approval-timeout <duration>', 'a call nobody decides within this is refused (default 1h)', duration)
      .option('--idle-timeout <duration>', 'a conversation with no message for this long ends (default 1h)', duration)
      .option('--max-steps <n>', 'rounds of tool calls per message before the turn fails (default 10)', positiveInt)
      .addOption(idOption())
      .addOption(jsonOption()),
    'geminiflow start agent --type supportAgent "Where is order A-1001?" --tool lookup_order --tool refund_order',
    'geminiflow start agent --type supportAgent "Refund A-1002" --tool lookup_order,refund_order --no-conversation --approval-timeout 30m --id refund-a1002',
  ).action(async (message: string | undefined, o: AgentFlags, cmd: Command) => {
    const input = agentInput(message, o);
    const started = await withGeminiflow(cmd, (g) =>
      g.startAgent(o.type, input, { workflowId: workflowIdOf('agent', o) }),
    );
    report(started, o.json);
  });

  examples(
    start
      .command('deep-research')
      .description('run the Deep Research agent on a topic')
      .argument('<topic>', 'what to research')
      .option('--agent <name>', 'the Deep Research agent (default: the current preview)')
      .addOption(idOption())
      .addOption(jsonOption()),
    'geminiflow start deep-research "durable execution for AI agents" --id research-1',
  ).action(async (topic: string, o: StartFlags & { agent?: string }, cmd: Command) => {
    const options: StartOptions = { workflowId: workflowIdOf('deep-research', o) };
    const started = await withGeminiflow(cmd, (g) =>
      g.startDeepResearch({ topic, ...(o.agent ? { agent: o.agent } : {}) }, options),
    );
    report(started, o.json);
  });

  examples(
    start
      .command('batch')
      .description('run prompts as one Gemini batch job')
      .option('--prompt <text>', 'a prompt (repeat for more)', (v: string, all: string[] = []) => [...all, v])
      .option('--file <path>', 'a JSONL file of {"key","text"} lines, on the worker')
      .option('--template <text>', 'a prompt with {i}, repeated --count times')
      .option('--count <n>', 'how many prompts --template makes', positiveInt)
      .option('--model <name>', 'the model (default: gemini-flash-latest)')
      .addOption(idOption())
      .addOption(jsonOption()),
    'geminiflow start batch --prompt "What is a webhook?" --prompt "What is Temporal?"',
    'geminiflow start batch --template "Fact #{i} about tides" --count 100',
  ).action(
    async (
      o: StartFlags & { prompt?: string[]; file?: string; template?: string; count?: number; model?: string },
      cmd: Command,
    ) => {
      const prompts = promptSource(o);
      const started = await withGeminiflow(cmd, (g) =>
        g.startBatch({ prompts, ...(o.model ? { model: o.model } : {}) }, { workflowId: workflowIdOf('batch', o) }),
      );
      report(started, o.json);
    },
  );

  examples(
    start
      .command('video')
      .description('generate a video from a prompt (saved on the worker)')
      .argument('<prompt>', 'what the video shows')
      .option('--model <name>', 'an Omni video model')
      .option('--aspect-ratio <ratio>', 'e.g. 16:9 or 9:16')
      .addOption(idOption())
      .addOption(jsonOption()),
    'geminiflow start video "a lighthouse at dusk, slow pan" --aspect-ratio 16:9',
  ).action(async (prompt: string, o: StartFlags & { model?: string; aspectRatio?: string }, cmd: Command) => {
    const input = {
      prompt,
      ...(o.model ? { model: o.model } : {}),
      ...(o.aspectRatio ? { aspectRatio: o.aspectRatio } : {}),
    };
    const started = await withGeminiflow(cmd, (g) => g.startVideo(input, { workflowId: workflowIdOf('video', o) }));
    report(started, o.json);
  });

  examples(
    start
      .command('wait')
      .description(
        'wait in Temporal for a Gemini job started elsewhere (its webhooks reach the run through the receiver)',
      )
      .addArgument(new Argument('<kind>', 'the kind of job').choices(geminiResourceKinds))
      .argument('<resourceId>', 'the interaction id, or the batch name (batches/...)')
      .option('--until <types>', `event types that end the wait, comma-separated (${geminiEventTypes.join(', ')})`)
      .addOption(idOption())
      .addOption(jsonOption()),
    'geminiflow start wait batch batches/abc123',
    'geminiflow start wait interaction v1_abc --until interaction.completed',
  ).action(async (kind: GeminiResourceKind, resourceId: string, o: StartFlags & { until?: string }, cmd: Command) => {
    const until = o.until
      ?.split(',')
      .map((t) => t.trim())
      .filter(Boolean) as GeminiEventType[] | undefined;
    const unknown = until?.filter((t) => !geminiEventTypes.includes(t));
    if (unknown?.length) throw new UsageError(`unknown event type(s): ${unknown.join(', ')}`);
    const started = await withGeminiflow(cmd, (g) =>
      g.waitForJob({ kind, id: resourceId }, until ? { until } : {}, { workflowId: workflowIdOf(`wait-${kind}`, o) }),
    );
    report(started, o.json);
  });
}
