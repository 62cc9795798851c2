import { z } from 'zod';
import { declareEnvNames, misspeltEnvMessage, misspeltEnvNames, warnAboutMisspeltEnv } from './env-names';
import { SetupError } from './errors';

/** A reader's schema of environment variables; its names become known, so near misses of them are reported. */
export function envSchema<Shape extends z.ZodRawShape>(shape: Shape): z.ZodObject<Shape> {
  declareEnvNames(Object.keys(shape));
  return z.object(shape);
}

/**
 * Reads settings from the environment with a zod schema, once, at start. Empty values count as unset (docker compose
 * passes `${VAR:-}` as ""). Every problem is reported at once, by variable name, never with its value; a set variable
 * that is a near miss of a known name gets a warning naming the one it probably meant.
 */
export function parseEnv<Schema extends z.ZodType>(
  schema: Schema,
  env: NodeJS.ProcessEnv,
  what: string,
): z.output<Schema> {
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  warnAboutMisspeltEnv(set);
  const parsed = schema.safeParse(set);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`);
    throw withMisspellingHints(new SetupError(`invalid ${what}:\n${lines.join('\n')}`), set);
  }
  return parsed.data;
}

/**
 * A settings error with a line for each near-miss name in `env`. The warning about such a name is emitted on the next
 * tick, and a process that stops on the error exits before it: the error itself must say it, since a misspelt name is
 * often why a required setting is missing (GEMINIFLOW_ROUTING_KEY for GEMINIFLOW_ROUTING_KEYS).
 */
export function withMisspellingHints<E>(err: E, env: NodeJS.ProcessEnv): E {
  const hints = misspeltEnvNames(env);
  if (!(err instanceof SetupError) || hints.length === 0) return err;
  err.message = `${err.message}\n${hints.map((h) => `  - ${misspeltEnvMessage(h)}`).join('\n')}`;
  return err;
}

/**
 * The environment a reader sees: the process's, with values given in code added on top. A value given in code wins
 * over the environment's; when both are set and differ, a warning says so, so neither is silently dropped.
 */
export function withExplicitValues(
  values: Record<string, string | undefined>,
  env: NodeJS.ProcessEnv,
): NodeJS.ProcessEnv {
  for (const [name, value] of Object.entries(values)) {
    const fromEnv = env[name];
    if (value !== undefined && fromEnv !== undefined && fromEnv.trim() !== '' && fromEnv !== value) {
      process.emitWarning(`${name} is set in the environment and given in code; the value given in code is used.`, {
        code: 'GEMINIFLOW_SETTING_OVERRIDDEN',
      });
    }
  }
  const defined = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
  return { ...env, ...defined };
}
