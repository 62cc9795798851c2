import { isRecord } from './fields';

/** The requests of a batch input file: one `{"key", "request"}` per JSONL line, or why the file is unusable. */
export function parseJsonl(text: string): { lines: { key: string; request: unknown }[] } | { error: string } {
  const lines: { key: string; request: unknown }[] = [];
  const raw = text.split('\n');
  for (let i = 0; i < raw.length; i++) {
    const line = raw[i].trim();
    if (!line) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return { error: `Input file line ${i + 1} is not valid JSON.` };
    }
    if (!isRecord(parsed) || !isRecord(parsed.request)) {
      return { error: `Input file line ${i + 1} has no "request" object.` };
    }
    lines.push({ key: String(parsed.key ?? lines.length), request: parsed.request });
  }
  if (lines.length === 0) return { error: 'Input file has no requests.' };
  return { lines };
}
