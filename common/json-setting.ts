import fs from 'node:fs';
import type { z } from 'zod';
import { SetupError } from './errors';

/**
 * A setting that holds JSON, given inline (`{...}`) or as the path of a file that holds it, checked by `schema`.
 * Problems name the variable and the field, never the value. Unset or empty: undefined.
 */
export function readJsonSetting<Schema extends z.ZodType>(
  env: NodeJS.ProcessEnv,
  name: string,
  schema: Schema,
): z.output<Schema> | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  let text = raw;
  if (!raw.startsWith('{') && !raw.startsWith('[')) {
    try {
      text = fs.readFileSync(raw, 'utf8');
    } catch (err) {
      throw new SetupError(`${name}: cannot read the file it names (${(err as NodeJS.ErrnoException).code ?? err})`);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SetupError(`${name}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(top)'}: ${i.message}`);
    throw new SetupError(`invalid ${name}:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
