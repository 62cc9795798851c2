import { type Span, SpanKind } from '@opentelemetry/api';
import type { Tracing } from './provider';
import { contentAttribute, inSpan, setDefined } from './spans';

/**
 * The OpenTelemetry GenAI semantic conventions geminiflow's Gemini spans follow (gen_ai.* of semantic conventions
 * 1.37+): `gen_ai.provider.name` replaced `gen_ai.system`, which is set as well for backends that still read it.
 */
export const genAi = {
  operation: 'gen_ai.operation.name',
  provider: 'gen_ai.provider.name',
  system: 'gen_ai.system',
  requestModel: 'gen_ai.request.model',
  responseModel: 'gen_ai.response.model',
  responseId: 'gen_ai.response.id',
  agentName: 'gen_ai.agent.name',
  conversationId: 'gen_ai.conversation.id',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  inputMessages: 'gen_ai.input.messages',
  outputMessages: 'gen_ai.output.messages',
  systemInstructions: 'gen_ai.system_instructions',
  toolName: 'gen_ai.tool.name',
  toolCallId: 'gen_ai.tool.call.id',
  toolCallArguments: 'gen_ai.tool.call.arguments',
  toolCallResult: 'gen_ai.tool.call.result',
} as const;

/** The Gemini Developer API, as the conventions name it. */
export const geminiProvider = 'gcp.gemini';

/** One Gemini API call: what it does and to which model or agent; the prompt only goes on with content capture. */
export type GeminiCall =
  | {
      /** Starts a job: `chat` (a model interaction), `invoke_agent` (an agent such as Deep Research), or a batch. */
      action: 'create';
      operation: 'chat' | 'invoke_agent' | 'generate_content';
      job: 'interaction' | 'batch';
      model?: string;
      agent?: string;
      input?: unknown;
      systemInstruction?: string;
    }
  /** Reads an interaction back: its status and, once it has finished, its usage (the model or agent comes with it). */
  | { action: 'read'; job: 'interaction' };

/** What an Interactions API resource reports that a span keeps (no text unless content capture is on). */
interface InteractionLike {
  id?: unknown;
  status?: unknown;
  model?: unknown;
  agent?: unknown;
  usage?: { total_input_tokens?: unknown; total_output_tokens?: unknown; total_thought_tokens?: unknown };
  outputs?: unknown;
  steps?: unknown;
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

const spanName = (operation: string, target: string | undefined, read: boolean) =>
  `${operation}${target ? ` ${target}` : ''}${read ? ' (read)' : ''}`;

/** Usage, ids and status from what the call returned, when it is an interaction (or a batch, by its name). */
function recordResult(span: Span, tracing: Tracing, call: GeminiCall, result: unknown): void {
  if (!result || typeof result !== 'object') return;
  const r = result as InteractionLike & { name?: unknown; state?: unknown };
  if (call.action === 'read') {
    const agent = str(r.agent);
    const operation = agent ? 'invoke_agent' : 'chat';
    span.updateName(spanName(operation, agent ?? str(r.model), true));
    setDefined(span, { [genAi.operation]: operation, [genAi.agentName]: agent });
  }
  setDefined(span, {
    [genAi.responseId]: str(r.id) ?? str(r.name),
    [genAi.responseModel]: str(r.model),
    'geminiflow.job.status': str(r.status) ?? (r.state !== undefined ? String(r.state) : undefined),
    [genAi.inputTokens]: num(r.usage?.total_input_tokens),
    [genAi.outputTokens]: num(r.usage?.total_output_tokens),
    'geminiflow.usage.thought_tokens': num(r.usage?.total_thought_tokens),
    [genAi.outputMessages]: r.status === 'completed' ? contentAttribute(tracing, r.outputs ?? r.steps) : undefined,
  });
}

/**
 * Runs one Gemini API call in a client span named by the conventions (`{operation} {model or agent}`), with usage
 * read from what it returned. The call runs with the span active, so a job it creates carries this span in its
 * user_metadata.
 */
export function geminiSpan<T>(tracing: Tracing | undefined, call: GeminiCall, fn: () => Promise<T>): Promise<T> {
  if (!tracing) return fn();
  const created = call.action === 'create' ? call : undefined;
  const name = spanName(created?.operation ?? 'read', created ? (created.model ?? created.agent) : call.job, !created);
  return inSpan(tracing, name, { kind: SpanKind.CLIENT }, async (span) => {
    setDefined(span!, {
      [genAi.provider]: geminiProvider,
      [genAi.system]: geminiProvider,
      [genAi.operation]: created?.operation,
      [genAi.requestModel]: created?.model,
      [genAi.agentName]: created?.agent,
      'geminiflow.job.kind': call.job,
      'geminiflow.call': call.action,
      [genAi.inputMessages]: contentAttribute(tracing, created?.input),
      [genAi.systemInstructions]: contentAttribute(tracing, created?.systemInstruction),
    });
    const result = await fn();
    recordResult(span!, tracing, call, result);
    return result;
  });
}
