import { z } from 'zod';
import { SetupError } from './errors';

const schema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('geminiflow'),
});

export interface TemporalConfig {
  /** Unset means: start a local dev server. */
  address?: string;
  namespace: string;
  taskQueue: string;
}

/** Reads the Temporal settings shared by the worker, the receiver and the scripts. */
export function temporalConfig(env: NodeJS.ProcessEnv = process.env): TemporalConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new SetupError(
      `invalid Temporal settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return {
    address: parsed.data.TEMPORAL_ADDRESS,
    namespace: parsed.data.TEMPORAL_NAMESPACE,
    taskQueue: parsed.data.TEMPORAL_TASK_QUEUE,
  };
}
