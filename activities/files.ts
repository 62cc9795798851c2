import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { Context } from '@temporalio/activity';
import { callGemini, geminiClient, geminiFailure, isNotFound } from './gemini-client';

/**
 * Files API name (`files/abc`) for what Gemini hands out as an output pointer: a name, a bare id, or a download URL
 * such as `…/v1beta/files/abc:download?alt=media`.
 */
export function geminiFileName(pointer: string): string {
  const match = /(?:^|\/)files\/([a-z0-9-]+)/i.exec(pointer);
  return match ? `files/${match[1]}` : `files/${pointer}`;
}

/** A scratch directory for one activity attempt, removed by `cleanup`. */
export function scratchDir(prefix: string): { dir: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `geminiflow-${prefix}-`));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Streams a Files API file to disk (the SDK pipes the HTTP body to the file; nothing is held in memory). */
export async function downloadGeminiFile(file: string, downloadPath: string): Promise<void> {
  await callGemini(() => geminiClient().files.download({ file: geminiFileName(file), downloadPath }));
}

/** Uploads a file from disk; the SDK reads and sends it in 8 MiB chunks. */
export async function uploadGeminiFile(
  filePath: string,
  config: { mimeType: string; displayName?: string },
): Promise<{ name: string; sizeBytes: number }> {
  const uploaded = await callGemini(() => geminiClient().files.upload({ file: filePath, config }));
  return { name: uploaded.name!, sizeBytes: Number(uploaded.sizeBytes ?? fs.statSync(filePath).size) };
}

/** Reads a JSONL file one line at a time; heartbeats every `every` lines so long reads stay alive and cancellable. */
export async function* readJsonLines(filePath: string, every = 1000): AsyncGenerator<{ line: number; text: string }> {
  const lines = readline.createInterface({ input: fs.createReadStream(filePath, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  for await (const text of lines) {
    n++;
    if (n % every === 0) heartbeatIfInActivity({ line: n });
    if (text.trim()) yield { line: n, text };
  }
}

function heartbeatIfInActivity(details: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // Outside an activity (a script reading results): nothing to report to.
  }
}

/** Deletes a Files API file; one already gone counts as deleted, so retries are harmless. */
export async function deleteGeminiFile(name: string): Promise<void> {
  try {
    await geminiClient().files.delete({ name: geminiFileName(name) });
  } catch (err) {
    if (!isNotFound(err)) throw geminiFailure(err);
  }
}

export interface DownloadedVideo {
  interactionId: string;
  /** The Files API name of the video. */
  file: string;
  /** Where the worker saved it. */
  path: string;
  sizeBytes: number;
  mimeType: string;
}

/**
 * Saves a generated video under GEMINIFLOW_OUTPUT_DIR (default `./output`) as `<interaction id>.<ext>`. The same
 * interaction always writes the same path, so a retried download replaces a partial file instead of adding one.
 */
export async function downloadGeneratedVideo(input: {
  interactionId: string;
  file: string;
  mimeType?: string;
}): Promise<DownloadedVideo> {
  const name = geminiFileName(input.file);
  const meta = await callGemini(() => geminiClient().files.get({ name }));
  const mimeType = meta.mimeType ?? input.mimeType ?? 'video/mp4';
  const dir = path.resolve(process.env.GEMINIFLOW_OUTPUT_DIR || 'output');
  fs.mkdirSync(dir, { recursive: true });
  const target = path.join(dir, `${input.interactionId.replace(/[^\w.-]/g, '_')}.${extensionOf(mimeType)}`);
  const partial = `${target}.part`;
  await downloadGeminiFile(name, partial);
  fs.renameSync(partial, target);
  return { interactionId: input.interactionId, file: name, path: target, sizeBytes: fs.statSync(target).size, mimeType };
}

function extensionOf(mimeType: string): string {
  const sub = mimeType.split('/')[1]?.split(';')[0]?.trim();
  return sub && /^[a-z0-9]+$/i.test(sub) ? sub : 'bin';
}
