import { z } from 'zod';

/** One input of the edit form, built from a property of the tool's JSON Schema. */
export interface FormField {
  name: string;
  kind: 'text' | 'textarea' | 'number' | 'checkbox' | 'select' | 'json';
  required: boolean;
  description?: string;
  options?: string[];
  /** The value shown: what was submitted, else the proposed argument. */
  value: string;
  checked?: boolean;
  step?: string;
  error?: string;
}

type Schema = Record<string, unknown>;

const propertiesOf = (schema: Schema) => (schema.properties ?? {}) as Record<string, Schema>;
const requiredOf = (schema: Schema) => new Set((schema.required ?? []) as string[]);

function kindOf(prop: Schema): FormField['kind'] {
  if (Array.isArray(prop.enum) && prop.enum.every((v) => typeof v === 'string')) return 'select';
  if (prop.type === 'string') return typeof prop.maxLength === 'number' && prop.maxLength <= 200 ? 'text' : 'textarea';
  if (prop.type === 'number' || prop.type === 'integer') return 'number';
  if (prop.type === 'boolean') return 'checkbox';
  return 'json';
}

const shown = (kind: FormField['kind'], value: unknown) =>
  value === undefined ? '' : kind === 'json' ? JSON.stringify(value, null, 2) : String(value);

/** The form's fields with the given values (proposed arguments, or what was submitted) and errors. */
export function editFields(
  schema: Schema,
  values: Record<string, unknown>,
  errors: Record<string, string> = {},
  submitted?: Record<string, unknown>,
): FormField[] {
  const required = requiredOf(schema);
  return Object.entries(propertiesOf(schema)).map(([name, prop]) => {
    const kind = kindOf(prop);
    const raw = submitted?.[`arg.${name}`];
    return {
      name,
      kind,
      required: required.has(name),
      ...(typeof prop.description === 'string' ? { description: prop.description } : {}),
      ...(kind === 'select' ? { options: prop.enum as string[] } : {}),
      ...(kind === 'number' ? { step: prop.type === 'integer' ? '1' : 'any' } : {}),
      value: typeof raw === 'string' ? raw : shown(kind, values[name]),
      ...(kind === 'checkbox' ? { checked: submitted ? raw === 'on' : values[name] === true } : {}),
      ...(errors[name] ? { error: errors[name] } : {}),
    };
  });
}

export interface ReadEdit {
  arguments?: Record<string, unknown>;
  fieldErrors: Record<string, string>;
  formError?: string;
}

/**
 * The submitted fields as arguments, checked against the tool's schema (zod reads the JSON Schema) so each problem is
 * shown at its field. The run checks them again with the tool's own schema; this is for the person, not the guard.
 */
export function readEdit(schema: Schema, body: Record<string, unknown>): ReadEdit {
  const fieldErrors: Record<string, string> = {};
  const args: Record<string, unknown> = {};
  const required = requiredOf(schema);
  for (const [name, prop] of Object.entries(propertiesOf(schema))) {
    const kind = kindOf(prop);
    const raw = body[`arg.${name}`];
    const text = typeof raw === 'string' ? raw : '';
    if (kind === 'checkbox') {
      args[name] = raw === 'on';
    } else if (text === '' && !required.has(name)) {
    } else if (text.trim() === '' && kind !== 'text' && kind !== 'textarea') {
      if (required.has(name)) fieldErrors[name] = 'Required';
    } else if (kind === 'number') {
      const n = Number(text);
      if (Number.isNaN(n)) fieldErrors[name] = 'Not a number';
      else args[name] = n;
    } else if (kind === 'json') {
      try {
        args[name] = JSON.parse(text);
      } catch {
        fieldErrors[name] = 'Not valid JSON';
      }
    } else {
      args[name] = text;
    }
  }
  if (Object.keys(fieldErrors).length) return { fieldErrors };
  let validator: z.ZodType;
  try {
    validator = z.fromJSONSchema(schema as never);
  } catch {
    return { arguments: args, fieldErrors }; // a schema zod cannot read: the run's own check decides
  }
  const checked = validator.safeParse(args);
  if (checked.success) return { arguments: args, fieldErrors };
  let formError: string | undefined;
  for (const issue of checked.error.issues) {
    const [field, ...rest] = issue.path.map(String);
    const message = rest.length ? `${rest.join('.')}: ${issue.message}` : issue.message;
    if (field && field in propertiesOf(schema)) fieldErrors[field] ??= message;
    else formError ??= message;
  }
  return { fieldErrors, ...(formError ? { formError } : {}) };
}
