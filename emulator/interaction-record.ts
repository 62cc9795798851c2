import { isoOf } from './clock';
import type { Step } from './interaction-input';
import type { TurnPlan } from './model';
import type { WebhookConfig } from './publisher';
import type { StatusEvents } from './types';
import type { VideoFormat } from './video';

export type InteractionKind = 'model' | 'agent' | 'deep-research' | 'video';

/** One stored interaction. `status` is any string: tests script statuses the SDK does not know too. */
export interface Interaction {
  id: string;
  kind: InteractionKind;
  status: string;
  /** Still running (in_progress, or a scripted phase such as queued): cancellable, and it will change. */
  running: boolean;
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
  usage?: Record<string, unknown>;
  /** The usage of the interaction this one continues: its conversation so far counts as cached input. */
  previousUsage?: Record<string, unknown>;
  errors?: { code: string; message: string }[];
  /** Set while the interaction is at requires_continuation. */
  continuationToken?: string;
  turnIndex: number;
  rootInputText: string;
  tools: unknown[];
  pendingCallIds: string[];
  webhookConfig?: WebhookConfig;
  videoFormat?: VideoFormat;
  /** A running background interaction: how it ends, and when (emulator time), so a snapshot can restore it. */
  pending?: { plan: TurnPlan; due: number };
  cancelTimer?: () => void;
}

export const echoedFields = [
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

/** The resource as the API returns it: only output steps from `create`, the whole timeline from `get`. */
export function interactionJson(
  it: Interaction,
  o: { outputOnly?: boolean; includeInput?: boolean },
): Record<string, unknown> {
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
    ...(it.continuationToken && it.status === 'requires_continuation'
      ? { continuation_token: it.continuationToken }
      : {}),
  };
}

/**
 * The webhook for an interaction that ended in a status of its own (Gemini documents none, so `statusEvents` picks a
 * plausible one), or null for none. Every variant carries `data.status`.
 */
export function statusEndEvent(
  setting: StatusEvents,
  id: string,
  status: string,
): { type: string; data: Record<string, unknown> } | null {
  const data = { id, status };
  switch (setting) {
    case 'status':
      return { type: `interaction.${status}`, data };
    case 'completed':
      return { type: 'interaction.completed', data };
    case 'failed':
      return {
        type: 'interaction.failed',
        data: { ...data, error_code: status.toUpperCase(), error_message: `the interaction ended ${status}` },
      };
    default:
      return null;
  }
}
