import { EventEmitter } from 'node:events';
import { isoOf } from './clock';
import { failedPrecondition, invalidArgument, notFound } from './errors';
import { field, isRecord } from './fields';
import { newInteractionId } from './ids';
import { type Step, textOf, toSteps, usageOf } from './interaction-input';
import type { DeterministicModel, TurnContext, TurnPlan } from './model';
import type { Publisher, WebhookConfig } from './publisher';
import type { Scheduler } from './scheduler';
import { refuseVeo, type VideoFormat, type VideoStudio, videoFormatOf } from './video';
import { parseWebhookConfig } from './webhook-config';

type Kind = 'model' | 'agent' | 'deep-research' | 'video';
type Status =
  | 'in_progress'
  | 'requires_action'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'incomplete'
  | 'budget_exceeded';

export interface Interaction {
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
  videoFormat?: VideoFormat;
  /** A running background interaction: how it ends, and when (emulator time). */
  pending?: { plan: TurnPlan; due: number };
  cancelTimer?: () => void;
}

/** Called once a running interaction stops running: with its output-only JSON, or without when it is deleted. */
export type SettleListener = (interaction?: Record<string, unknown>) => void;

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

/** The Interactions API: models, function calling, the Deep Research agent and video generation. */
export class InteractionService {
  private readonly interactions = new Map<string, Interaction>();
  /** Settle listeners, keyed by interaction id (streams waiting for a background interaction to end). */
  private readonly settled = new EventEmitter().setMaxListeners(0);

  constructor(
    private readonly now: () => number,
    private readonly scheduler: Scheduler,
    private readonly model: DeterministicModel,
    private readonly video: VideoStudio,
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
    refuseVeo(model);
    const videoFormat = videoFormatOf(model, field(body, 'response_format'));
    const input = field(body, 'input');
    if (input === undefined || input === null || input === '') throw invalidArgument('input is required.');
    const background = field<boolean>(body, 'background') === true;
    const agentKind: Kind = agent && /deep-research/.test(agent) ? 'deep-research' : 'agent';
    const kind: Kind = agent ? agentKind : videoFormat ? 'video' : 'model';
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
      videoFormat,
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
      it.pending = { plan, due: now + duration };
      it.cancelTimer = this.scheduler.at(it.pending.due, () => this.finish(it, plan));
    } else {
      this.finish(it, plan);
    }
    return this.toJson(it, { outputOnly: true });
  }

  get(id: string, includeInput: boolean): Record<string, unknown> {
    return this.toJson(this.find(id), { includeInput });
  }

  /**
   * Calls `listener` once the interaction stops running; returns an unsubscribe function. Not called at all for one
   * that is not running (nothing will change).
   */
  onSettled(id: string, listener: SettleListener): () => void {
    const it = this.find(id);
    if (it.status !== 'in_progress') return () => undefined;
    this.settled.once(id, listener);
    return () => this.settled.off(id, listener);
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
    this.settle(it);
    return this.toJson(it, {});
  }

  delete(id: string): void {
    const it = this.find(id);
    it.cancelTimer?.();
    this.interactions.delete(id);
    this.settled.emit(id);
  }

  /** Every stored interaction, for a snapshot of the emulator's state. */
  all(): Interaction[] {
    return [...this.interactions.values()];
  }

  /** Takes back an interaction from a snapshot; one still running ends as planned, at its due time. */
  adopt(it: Interaction): void {
    this.interactions.set(it.id, it);
    const pending = it.pending;
    if (it.status === 'in_progress' && pending) {
      it.cancelTimer = this.scheduler.at(pending.due, () => this.finish(it, pending.plan));
    }
  }

  clear(): void {
    for (const it of this.interactions.values()) {
      it.cancelTimer?.();
      this.settled.emit(it.id);
    }
    this.interactions.clear();
  }

  private settle(it: Interaction): void {
    this.settled.emit(it.id, this.toJson(it, { outputOnly: true }));
  }

  private find(id: string): Interaction {
    const it = this.interactions.get(id);
    if (!it) throw notFound(`Interaction ${id} not found.`);
    return it;
  }

  private finish(it: Interaction, plan: TurnPlan): void {
    if (it.status !== 'in_progress') return;
    it.pending = undefined;
    it.updated = this.now();
    this.complete(it, plan);
    this.settle(it);
  }

  private complete(it: Interaction, plan: TurnPlan): void {
    let outputText = '';
    if (plan.kind === 'end') {
      // Stopped short of an answer (a token limit, a spending cap): whatever was written so far, and no webhook, since
      // the API documents no event for these statuses. Only a status read (reconciliation) finds out.
      it.status = plan.status;
      it.outputSteps = [{ type: 'model_output', content: [{ type: 'text', text: 'Partial answer.' }] }];
      it.usage = usageOf(textOf(it.inputSteps), 'Partial answer.');
      return;
    }
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
      const prompt = this.model.replyText({ model: it.model, inputText: textOf(it.inputSteps), functionResults: [] });
      it.status = 'completed';
      it.outputSteps = [this.video.finish(it.id, prompt, it.videoFormat!, it.webhookConfig)];
      it.usage = usageOf(textOf(it.inputSteps), '');
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
