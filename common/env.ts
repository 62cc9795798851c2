import type { z } from 'zod';
import { SetupError } from './errors';

/**
 * Reads settings from the environment with a zod schema, once, at start. Empty values count as unset (docker compose
 * passes `${VAR:-}` as ""). Every problem is reported at once, by variable name, never with its value.
 */
export function parseEnv<Schema extends z.ZodType>(schema: Schema, env: NodeJS.ProcessEnv, what: string): z.output<Schema> {
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = schema.safeParse(set);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`);
    throw new SetupError(`invalid ${what}:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
