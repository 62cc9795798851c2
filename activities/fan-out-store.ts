import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FanOutItemResult, FanOutJob, FanOutResultEntry, FanOutResultsRef, StoredPlanPart } from '../contract';
import { readJsonLines } from './files';

/**
 * Where fan-outs keep what is too large for workflow history: their plans (one job per line) and their results
 * (segments of `{"i","ok","value"|"error"}` lines, each sorted by index). One folder per fan-out under
 * `<GEMINIFLOW_OUTPUT_DIR>/fan-out`; with several workers, that folder must be shared storage, as for videos.
 */
export function fanOutStoreRoot(outputDir: string): string {
  return path.join(outputDir, 'fan-out');
}

/** A folder per key (a workflow id and run): readable, and unique through a hash of the whole key. */
export function folderOf(root: string, key: string): string {
  const readable = key.replace(/[^\w.-]+/g, '_').slice(0, 80);
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 12);
  return path.join(root, `${readable}-${hash}`);
}

/** Written whole to a private name, then renamed: a retried write replaces, and a reader never sees half a file. */
function writeAtomically(file: string, lines: string[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${randomUUID()}.tmp`;
  fs.writeFileSync(temp, lines.length ? `${lines.join('\n')}\n` : '');
  fs.renameSync(temp, file);
}

export function writePlanPart(root: string, key: string, part: number, jobs: FanOutJob[]): StoredPlanPart {
  const file = path.join(folderOf(root, key), `plan-${String(part).padStart(5, '0')}.jsonl`);
  writeAtomically(
    file,
    jobs.map((j) => JSON.stringify(j)),
  );
  return { path: file, count: jobs.length };
}

/** The jobs at `indices` (positions in the whole plan), in the order asked. */
export async function readPlanJobs(parts: StoredPlanPart[], indices: number[]): Promise<FanOutJob[]> {
  const wanted = new Set(indices);
  const found = new Map<number, FanOutJob>();
  let offset = 0;
  for (const part of parts) {
    const end = offset + part.count;
    if (indices.some((i) => i >= offset && i < end)) {
      let i = offset;
      for await (const { text } of readJsonLines(part.path)) {
        if (wanted.has(i)) found.set(i, JSON.parse(text) as FanOutJob);
        i++;
      }
    }
    offset = end;
  }
  return indices.map((i) => {
    const job = found.get(i);
    if (!job) throw new Error(`the fan-out plan has no job ${i} (${offset} jobs in ${parts.length} part(s))`);
    return job;
  });
}

export function writeResultSegment(root: string, key: string, segment: number, entries: FanOutResultEntry[]): string {
  const file = path.join(folderOf(root, key), `results-${String(segment).padStart(5, '0')}.jsonl`);
  const sorted = [...entries].sort((a, b) => a.i - b.i);
  writeAtomically(
    file,
    sorted.map(({ i, r }) => JSON.stringify({ i, ...r })),
  );
  return file;
}

/** One item's result as `readFanOutResults` yields it, in item order. */
export interface FanOutResultLine {
  index: number;
  result: FanOutItemResult;
}

async function* segmentLines(file: string): AsyncGenerator<FanOutResultLine> {
  for await (const { text } of readJsonLines(file)) {
    const { i, ...result } = JSON.parse(text) as { i: number } & FanOutItemResult;
    yield { index: i, result };
  }
}

/**
 * Every stored result of a fan-out in item order: a merge of its segments, holding one line per segment in memory.
 * Call it where the store is readable (a worker, or a script on the same storage).
 */
export async function* readFanOutResults(ref: FanOutResultsRef): AsyncGenerator<FanOutResultLine> {
  const readers = ref.segments.map((file) => segmentLines(file));
  const heads = await Promise.all(readers.map((r) => r.next()));
  let last = -1;
  for (;;) {
    let pick = -1;
    for (let k = 0; k < heads.length; k++) {
      const head = heads[k]!;
      if (!head.done && (pick < 0 || head.value.index < (heads[pick]!.value as FanOutResultLine).index)) pick = k;
    }
    if (pick < 0) return;
    const line = heads[pick]!.value as FanOutResultLine;
    heads[pick] = await readers[pick]!.next();
    if (line.index === last) continue; // a result is written once; a repeat would be a copy, not news
    last = line.index;
    yield line;
  }
}
