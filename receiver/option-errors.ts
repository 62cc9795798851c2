import type { z } from 'zod';
import { SetupError } from '../common/errors';

/** A bad receiver option or variable; the message names each one that is wrong and never echoes a value. */
export class ReceiverOptionsError extends SetupError {
  override name = 'ReceiverOptionsError';
}

/** Parses `value` with `schema`, or throws one ReceiverOptionsError listing every problem, by name. */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
  nameOf: (path: string) => string = (p) => p,
): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  - ${nameOf(i.path.join('.')) || '(root)'}: ${i.message}`);
  throw new ReceiverOptionsError(`invalid ${what}:\n${lines.join('\n')}`);
}
