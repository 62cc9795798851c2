import fs from 'node:fs';
import ms from 'ms';

/** Bad usage (a malformed argument, a missing option): exit code 2, like commander's own usage errors. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** `recorded`: a decision no worker took in time, recorded durably and waiting for the run's worker. */
export const exitCodes = { done: 0, failed: 1, usage: 2, recorded: 3 } as const;

export function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Columns padded to their widest cell; the last column is not padded. */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  print(line(header));
  for (const row of rows) print(line(row));
}

/** A commander option parser for whole numbers of 1 or more. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`"${value}" is not a whole number of 1 or more`);
  return n;
}

/** `2026-01-02T10:00:00.000Z (3m ago)`, or `in 5m` for a time ahead. */
export function when(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const delta = Date.parse(iso) - now;
  if (Number.isNaN(delta)) return iso;
  const rel = Math.abs(delta) < 1000 ? 'now' : delta < 0 ? `${ms(-delta)} ago` : `in ${ms(delta)}`;
  return `${iso} (${rel})`;
}

/** A JSON value given inline or as `@file` (the form curl and the Temporal CLI use). */
export function readJsonArgument(text: string, what: string): unknown {
  let source = text;
  if (text.startsWith('@')) {
    try {
      source = fs.readFileSync(text.slice(1), 'utf8');
    } catch (err) {
      throw new UsageError(
        `cannot read ${what} from ${text.slice(1)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  }
  try {
    return JSON.parse(source);
  } catch (err) {
    throw new UsageError(`${what} is not valid JSON: ${(err as Error).message}`);
  }
}

/** An error as one line: the message without a stack, its lines joined. */
export function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ');
}
