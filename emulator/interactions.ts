import { isoOf } from './clock';
import { failedPrecondition, invalidArgument, notFound } from './errors';
import { field, isRecord } from './fields';
import type { FileStore } from './files';
import { newFileId, newInteractionId, shortHash } from './ids';
import { countTokens, type DeterministicModel, type TurnContext, type TurnPlan } from './model';
import type { Publisher, WebhookConfig } from './publisher';
import type { Scheduler } from './scheduler';

type Step = Record<string, unknown> & { type: string };
type Kind = 'model' | 'agent' | 'deep-research' | 'video';
type Status = 'in_progress' | 'requires_action' | 'completed' | 'failed' | 'cancelled';

interface Interaction {
  id: string;
  kind: Kind;
  status: Status;
  created: number;
  updated: number;
  model?: string;
  agent?: string;
  /** Request fields echoed back on the resource. */
  echo: Record<string, unknown>;
  input: unknown;
  background: boolean;
  inputSteps: Step[];
  outputSteps: Step[];
  usage?: Record<string, number>;
  errors?: { code: string; message: string }[];
  turnIndex: number;
  rootInputText: string;
  tools: unknown[];
  pendingCallIds: string[];
  webhookConfig?: WebhookConfig;
  cancelTimer?: () => void;
}

const echoedFields = [
  'agent_config',
  'previous_interaction_id',
  'system_instruction',
  'tools',
  'generation_config',
  'response_format',
  'service_tier',
  'labels',
  'webhook_config',
  'background',
  'store',
];
const stepTypes = new Set([
  'user_input',
  'model_output',
  'thought',
  'function_call',
  'function_result',
  'code_execution_call',
  'code_execution_result',
  'google_search_call',
  'google_search_result',
  'url_context_call',
  'url_context_result',
]);

/** The Interactions API: models, function calling, the Deep Research agent and video generation. */
export class InteractionService {
  private readonly interactions = new Map<string, Interaction>();

  constructor(
    private readonly now: () => number,
    private readonly scheduler: Scheduler,
    private readonly model: DeterministicModel,
    private readonly files: FileStore,
    private readonly publisher: Publisher,
  ) {}

  create(body: unknown): Record<string, unknown> {
    if (!isRecord(body)) throw invalidArgument('Request body must be a JSON object.');
    const prevId = field<string>(body, 'previous_interaction_id');
    const prev = prevId !== undefined ? this.interactions.get(prevId) : undefined;
    if (prevId !== undefined && !prev) throw notFound(`Interaction ${prevId} not found.`);
    const model = field<string>(body, 'model') ?? (field(body, 'agent') === undefined ? prev?.model : undefined);
    const agent = field<string>(body, 'agent') ?? (model === undefined ? prev?.agent : undefined);
    if (model === undefined && agent === undefined) throw invalidArgument('Either model or agent is required.');
    if (model !== undefined && agent !== undefined) throw invalidArgument('Set only one of model and agent.');
    const input = field(body, 'input');
    if (input === undefined || input === null || input === '') throw invalidArgument('input is required.');
    const background = field<boolean>(body, 'background') === true;
    const kind: Kind = agent
      ? /deep-research/.test(agent)
        ? 'deep-research'
        : 'agent'
      : /veo|video/i.test(model!)
        ? 'video'
        : 'model';
    if (kind === 'deep-research' && !background) {
      throw invalidArgument('Deep Research agent interactions require background=true.');
    }

    const inputSteps = toSteps(input);
    const inputText = textOf(inputSteps);
    const functionResults = inputSteps
      .filter((s) => s.type === 'function_result')
      .map((s) => ({ call_id: String(field(s, 'call_id') ?? ''), name: field<string>(s, 'name'), result: s.result }));
    for (const r of functionResults) {
      if (!prev) throw invalidArgument('function_result input needs previous_interaction_id.');
      if (!prev.pendingCallIds.includes(r.call_id)) {
        throw invalidArgument(
          `function_result call_id ${JSON.stringify(r.call_id)} matches no function_call of ${prev.id}.`,
        );
      }
    }
    const tools = (field<unknown[]>(body, 'tools') ?? prev?.tools ?? []) as unknown[];
    if (!Array.isArray(tools)) throw invalidArgument('tools must be a list.');

    const now = this.now();
    const it: Interaction = {
      id: newInteractionId(),
      kind,
      status: 'in_progress',
      created: now,
      updated: now,
      model,
      agent,
      echo: Object.fromEntries(echoedFields.map((f) => [f, field(body, f)]).filter(([, v]) => v !== undefined)),
      input,
      background,
      inputSteps,
      outputSteps: [],
      turnIndex: prev ? prev.turnIndex + 1 : 0,
      rootInputText: prev ? prev.rootInputText : inputText,
      tools,
      pendingCallIds: [],
      webhookConfig: parseWebhookConfig(field(body, 'webhook_config')),
    };
    const ctx: TurnContext = {
      model,
      agent,
      rootInputText: it.rootInputText,
      inputText,
      functionTools: tools
        .filter((t): t is Record<string, unknown> => isRecord(t) && t.type === 'function' && typeof t.name === 'string')
        .map((t) => ({ name: t.name as string, parameters: t.parameters })),
      functionResults,
      turnIndex: it.turnIndex,
      defaultText: kind === 'deep-research' ? this.model.researchReport(inputText) : undefined,
    };
    const plan = this.model.planTurn(ctx);

    if (field(body, 'store') !== false || background) this.interactions.set(it.id, it);
    if (background) {
      const d = this.model.durations;
      const duration =
        plan.durationMs ??
        (kind === 'deep-research' ? d.deepResearchMs : kind === 'video' ? d.videoMs : d.interactionMs);
      it.cancelTimer = this.scheduler.after(duration, () => this.finish(it, plan));
    } else {
      this.finish(it, plan);
    }
    return this.toJson(it, { outputOnly: true });
  }

  get(id: string, includeInput: boolean): Record<string, unknown> {
    return this.toJson(this.find(id), { includeInput });
  }

  cancel(id: string): Record<string, unknown> {
    const it = this.find(id);
    if (!it.background || it.status !== 'in_progress') {
      throw failedPrecondition(`Interaction ${id} is not a running background interaction (status ${it.status}).`);
    }
    it.cancelTimer?.();
    it.status = 'cancelled';
    it.updated = this.now();
    this.publisher.publish('interaction.cancelled', { id: it.id }, it.webhookConfig);
    return this.toJson(it, {});
  }

  delete(id: string): void {
    const it = this.find(id);
    it.cancelTimer?.();
    this.interactions.delete(id);
  }

  clear(): void {
    for (const it of this.interactions.values()) it.cancelTimer?.();
    this.interactions.clear();
  }

  private find(id: string): Interaction {
    const it = this.interactions.get(id);
    if (!it) throw notFound(`Interaction ${id} not found.`);
    return it;
  }

  private finish(it: Interaction, plan: TurnPlan): void {
    if (it.status !== 'in_progress') return;
    it.updated = this.now();
    let outputText = '';
    if (plan.kind === 'fail') {
      it.status = 'failed';
      it.errors = [{ code: plan.code, message: plan.message }];
      it.outputSteps = [{ type: 'model_output', content: [], error: { code: plan.code, message: plan.message } }];
    } else if (plan.kind === 'calls') {
      it.status = 'requires_action';
      it.pendingCallIds = plan.calls.map((c) => c.id);
      it.outputSteps = [
        { type: 'thought', signature: Buffer.from(`emulator:${it.id}`).toString('base64') },
        ...plan.calls.map((c) => ({ type: 'function_call', id: c.id, name: c.name, arguments: c.arguments })),
      ];
      outputText = JSON.stringify(plan.calls);
    } else if (it.kind === 'video') {
      const file = this.files.put({
        name: `files/video-${newFileId()}`,
        displayName: `video for ${it.id}`,
        mimeType: 'video/mp4',
        data: fakeMp4(this.model.replyText({ model: it.model, inputText: textOf(it.inputSteps), functionResults: [] })),
        source: 'GENERATED',
      });
      it.status = 'completed';
      it.outputSteps = [{ type: 'model_output', content: [{ type: 'video', uri: file.name, mime_type: 'video/mp4' }] }];
      it.usage = usageOf(textOf(it.inputSteps), '');
      this.publisher.publish(
        'video.generated',
        { id: it.id, output_file_uri: file.name, file_name: file.name, video_uri: this.files.downloadUrl(file) },
        it.webhookConfig,
      );
      this.publisher.publish('interaction.completed', { id: it.id }, it.webhookConfig);
      return;
    } else {
      it.status = 'completed';
      it.outputSteps = [{ type: 'model_output', content: [{ type: 'text', text: plan.text }] }];
      outputText = plan.text;
    }
    it.usage = usageOf(textOf(it.inputSteps), outputText);
    const type = `interaction.${it.status}`;
    const data: Record<string, unknown> = { id: it.id };
    if (plan.kind === 'fail') Object.assign(data, { error_code: plan.code, error_message: plan.message });
    this.publisher.publish(type, data, it.webhookConfig);
  }

  private toJson(it: Interaction, o: { outputOnly?: boolean; includeInput?: boolean }): Record<string, unknown> {
    return {
      id: it.id,
      status: it.status,
      created: isoOf(it.created),
      updated: isoOf(it.updated),
      ...(it.model !== undefined ? { model: it.model } : {}),
      ...(it.agent !== undefined ? { agent: it.agent } : {}),
      ...it.echo,
      ...(o.includeInput ? { input: it.input } : {}),
      steps: o.outputOnly ? it.outputSteps : [...it.inputSteps, ...it.outputSteps],
      ...(it.usage ? { usage: it.usage } : {}),
      ...(it.errors ? { errors: it.errors } : {}),
    };
  }
}

export function parseWebhookConfig(value: unknown): WebhookConfig | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) throw invalidArgument('webhook_config must be an object.');
  const uris = field<unknown>(value, 'uris');
  if (uris !== undefined && !(Array.isArray(uris) && uris.every((u) => typeof u === 'string'))) {
    throw invalidArgument('webhook_config.uris must be a list of URLs.');
  }
  for (const u of (uris as string[] | undefined) ?? []) {
    try {
      new URL(u);
    } catch {
      throw invalidArgument(`webhook_config.uris has an invalid URL: ${u}`);
    }
  }
  const userMetadata = field<unknown>(value, 'user_metadata');
  if (userMetadata !== undefined && !isRecord(userMetadata))
    throw invalidArgument('webhook_config.user_metadata must be an object.');
  return { uris: uris as string[] | undefined, userMetadata: userMetadata as Record<string, unknown> | undefined };
}

/** Normalises every accepted `input` form (string, content block(s), steps) into steps. */
function toSteps(input: unknown): Step[] {
  const items = Array.isArray(input) ? input : [input];
  const steps: Step[] = [];
  let content: unknown[] = [];
  const flush = () => {
    if (content.length) steps.push({ type: 'user_input', content });
    content = [];
  };
  for (const item of items) {
    if (typeof item === 'string') content.push({ type: 'text', text: item });
    else if (isRecord(item) && typeof item.type === 'string' && stepTypes.has(item.type)) {
      flush();
      steps.push(item as Step);
    } else if (isRecord(item) && typeof item.type === 'string') content.push(item);
    else throw invalidArgument('input items must be strings, content blocks or steps.');
  }
  flush();
  return steps;
}

function textOf(steps: Step[]): string {
  const texts: string[] = [];
  for (const s of steps) {
    if (s.type !== 'user_input' || !Array.isArray(s.content)) continue;
    for (const c of s.content) if (isRecord(c) && c.type === 'text' && typeof c.text === 'string') texts.push(c.text);
  }
  return texts.join(' ');
}

function usageOf(input: string, output: string): Record<string, number> {
  const i = countTokens(input);
  const o = countTokens(output);
  return { total_input_tokens: i, total_output_tokens: o, total_tokens: i + o };
}

/** A tiny file that starts like an MP4 (`ftyp` box) and carries the prompt, so downloads are checkable. */
function fakeMp4(text: string): Buffer {
  const ftyp = Buffer.from([0, 0, 0, 0x14, ...Buffer.from('ftypmp42'), 0, 0, 0, 0, ...Buffer.from('mp42')]);
  return Buffer.concat([ftyp, Buffer.from(`\nemulated video ${shortHash(text)}: ${text}\n`)]);
}
