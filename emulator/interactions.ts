import { EventEmitter } from 'node:events';
import { failedPrecondition, invalidArgument, notFound } from './errors';
import { field, isRecord } from './fields';
import { newInteractionId, opaqueId } from './ids';
import { inputTextOf, textOf, toSteps } from './interaction-input';
import {
  echoedFields,
  type Interaction,
  type InteractionKind,
  interactionJson,
  statusEndEvent,
} from './interaction-record';
import type { DeterministicModel, TurnContext, TurnPlan } from './model';
import type { Publisher } from './publisher';
import type { Scheduler } from './scheduler';
import { type StatusEvents, statusEventsChoices } from './types';
import { interactionUsage } from './usage';
import { refuseVeo, type VideoStudio, videoFormatOf } from './video';
import { parseWebhookConfig } from './webhook-config';

/** Called once a running interaction stops running: with its output-only JSON, or without when it is deleted. */
export type SettleListener = (interaction?: Record<string, unknown>) => void;

/** The Interactions API: models, function calling, the Deep Research agent and video generation. */
export class InteractionService {
  private readonly interactions = new Map<string, Interaction>();
  /** Settle listeners, keyed by interaction id (streams waiting for a background interaction to end). */
  private readonly settled = new EventEmitter().setMaxListeners(0);
  /** Continuation tokens handed out, to the interaction that stopped at requires_continuation with each. */
  private readonly tokens = new Map<string, Interaction>();

  constructor(
    private readonly now: () => number,
    private readonly scheduler: Scheduler,
    private readonly model: DeterministicModel,
    private readonly video: VideoStudio,
    private readonly publisher: Publisher,
    private statusEvents: StatusEvents = 'status',
  ) {}

  setStatusEvents(events: StatusEvents): StatusEvents {
    if (!statusEventsChoices.includes(events)) {
      throw invalidArgument(`status events must be one of ${statusEventsChoices.join(', ')}.`);
    }
    this.statusEvents = events;
    return events;
  }

  create(body: unknown): Record<string, unknown> {
    if (!isRecord(body)) throw invalidArgument('Request body must be a JSON object.');
    // A continuation hop (what SDK 3.6 sends after requires_continuation) goes on from the interaction that stopped.
    const token = field<string>(body, 'continuation_token');
    const stopped = token !== undefined ? this.tokens.get(token) : undefined;
    if (token !== undefined && !stopped) throw invalidArgument('continuation_token matches no interaction.');
    const prevId = field<string>(body, 'previous_interaction_id');
    const prev = prevId !== undefined ? this.interactions.get(prevId) : stopped;
    if (prevId !== undefined && !prev) throw notFound(`Interaction ${prevId} not found.`);
    const model = field<string>(body, 'model') ?? (field(body, 'agent') === undefined ? prev?.model : undefined);
    const agent = field<string>(body, 'agent') ?? (model === undefined ? prev?.agent : undefined);
    if (model === undefined && agent === undefined) throw invalidArgument('Either model or agent is required.');
    if (model !== undefined && agent !== undefined) throw invalidArgument('Set only one of model and agent.');
    refuseVeo(model);
    const videoFormat = videoFormatOf(model, field(body, 'response_format'));
    const input = field(body, 'input') ?? (stopped ? [] : undefined);
    if (input === undefined || input === null || input === '') throw invalidArgument('input is required.');
    const background = field<boolean>(body, 'background') === true;
    const agentKind: InteractionKind = agent && /deep-research/.test(agent) ? 'deep-research' : 'agent';
    const kind: InteractionKind = agent ? agentKind : videoFormat ? 'video' : 'model';
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
      running: true,
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
      ...(prev?.usage ? { previousUsage: prev.usage } : {}),
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
    // A continuation hop finishes the answer its predecessor started (with store:false, the input is sent again).
    const plan: TurnPlan = stopped
      ? { kind: 'text', text: this.model.replyText({ ...ctx, inputText: ctx.rootInputText }) }
      : this.model.planTurn(ctx);

    if (field(body, 'store') !== false || background) this.interactions.set(it.id, it);
    if (background) {
      const d = this.model.durations;
      const duration =
        plan.durationMs ??
        (kind === 'deep-research' ? d.deepResearchMs : kind === 'video' ? d.videoMs : d.interactionMs);
      const phases = plan.phases ?? [];
      // Due after its scripted phases too: a snapshot (stateFile) restores a running one to end at the same time.
      it.pending = { plan, due: this.now() + phases.reduce((total, p) => total + p.ms, 0) + duration };
      this.run(it, phases, duration, plan);
    } else {
      this.finish(it, plan);
    }
    return interactionJson(it, { outputOnly: true });
  }

  /** Whether the interaction is still running (and so will change); false for one not stored. */
  isRunning(id: string): boolean {
    return this.interactions.get(id)?.running === true;
  }

  /** Shows each scripted phase's status for its time, then runs `duration` and finishes. */
  private run(it: Interaction, phases: { status: string; ms: number }[], duration: number, plan: TurnPlan): void {
    const [phase, ...rest] = phases;
    this.show(it, phase?.status ?? 'in_progress');
    it.cancelTimer = phase
      ? this.scheduler.after(phase.ms, () => this.run(it, rest, duration, plan))
      : this.scheduler.after(duration, () => this.finish(it, plan));
  }

  private show(it: Interaction, status: string): void {
    if (it.status === status) return;
    it.status = status;
    it.updated = this.now();
    if (status !== 'requires_continuation') return;
    it.continuationToken = `emulator-continuation-${opaqueId(16)}`;
    this.tokens.set(it.continuationToken, it);
  }

  get(id: string, includeInput: boolean): Record<string, unknown> {
    return interactionJson(this.find(id), { includeInput });
  }

  /**
   * Calls `listener` once the interaction stops running; returns an unsubscribe function. Not called at all for one
   * that is not running (nothing will change).
   */
  onSettled(id: string, listener: SettleListener): () => void {
    const it = this.find(id);
    if (!it.running) return () => undefined;
    this.settled.once(id, listener);
    return () => this.settled.off(id, listener);
  }

  cancel(id: string): Record<string, unknown> {
    const it = this.find(id);
    if (!it.background || !it.running) {
      throw failedPrecondition(`Interaction ${id} is not a running background interaction (status ${it.status}).`);
    }
    it.cancelTimer?.();
    it.running = false;
    it.status = 'cancelled';
    it.updated = this.now();
    this.publisher.publish('interaction.cancelled', { id: it.id }, it.webhookConfig);
    this.settle(it);
    return interactionJson(it, {});
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
    if (it.running && pending) {
      it.cancelTimer = this.scheduler.at(pending.due, () => this.finish(it, pending.plan));
    }
  }

  clear(): void {
    for (const it of this.interactions.values()) {
      it.cancelTimer?.();
      this.settled.emit(it.id);
    }
    this.interactions.clear();
    this.tokens.clear();
  }

  private settle(it: Interaction): void {
    this.settled.emit(it.id, interactionJson(it, { outputOnly: true }));
  }

  private find(id: string): Interaction {
    const it = this.interactions.get(id);
    if (!it) throw notFound(`Interaction ${id} not found.`);
    return it;
  }

  private finish(it: Interaction, plan: TurnPlan): void {
    if (!it.running) return;
    it.running = false;
    it.pending = undefined;
    it.updated = this.now();
    this.complete(it, plan);
    this.settle(it);
  }

  private complete(it: Interaction, plan: TurnPlan): void {
    let outputText = '';
    if (plan.kind === 'end') {
      // Stopped in a status of its own (a token limit, a budget, a status the SDK does not know): what was written so
      // far, and the webhook `statusEvents` chooses, since Gemini documents none for these statuses.
      this.show(it, plan.status);
      it.outputSteps = [{ type: 'model_output', content: [{ type: 'text', text: 'Partial answer.' }] }];
      it.usage = this.usageOf(it, 'Partial answer.');
      const event = statusEndEvent(this.statusEvents, it.id, plan.status);
      if (event) this.publisher.publish(event.type, event.data, it.webhookConfig);
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
      it.usage = this.usageOf(it, '');
      return;
    } else {
      it.status = 'completed';
      it.outputSteps = [{ type: 'model_output', content: [{ type: 'text', text: plan.text }] }];
      outputText = plan.text;
    }
    it.usage = this.usageOf(it, outputText);
    const type = `interaction.${it.status}`;
    const data: Record<string, unknown> = { id: it.id };
    if (plan.kind === 'fail') Object.assign(data, { error_code: plan.code, error_message: plan.message });
    this.publisher.publish(type, data, it.webhookConfig);
  }

  /** Derived from text lengths (docs/emulator.md, "Usage"), so tests can assert exact sums. */
  private usageOf(it: Interaction, outputText: string): Record<string, unknown> {
    return interactionUsage({
      inputText: inputTextOf(it.inputSteps),
      previous: it.previousUsage,
      outputText,
      ...(it.kind === 'deep-research'
        ? { research: { sources: (outputText.match(/\]\(https?:\/\//g) ?? []).length } }
        : {}),
      video: it.kind === 'video',
    });
  }
}
