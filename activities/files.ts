import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { GoogleGenAI } from '@google/genai';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { type DownloadedVideo, GeminiflowFailure } from '../contract';
import { callGemini, type GeminiContext, geminiFailure, isNotFound } from './gemini-client';
import { findVideoOutput, usageOf } from './interaction-output';

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
export async function downloadGeminiFile(ai: GoogleGenAI, file: string, downloadPath: string): Promise<void> {
  await callGemini(() => ai.files.download({ file: geminiFileName(file), downloadPath }));
}

/** Uploads a file from disk; the SDK reads and sends it in 8 MiB chunks. */
export async function uploadGeminiFile(
  ai: GoogleGenAI,
  filePath: string,
  config: { mimeType: string; displayName?: string },
): Promise<{ name: string; sizeBytes: number }> {
  const uploaded = await callGemini(() => ai.files.upload({ file: filePath, config }));
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

export function createFileActivities({ ai, outputDir, traced }: GeminiContext) {
  /** The video's file (interaction.completed names none: it is in the interaction's output) and the usage. */
  const readVideoInteraction = async (interactionId: string) => {
    const interaction = await traced({ action: 'read', job: 'interaction' }, () => ai.interactions.get(interactionId));
    const video = findVideoOutput(interaction);
    return { file: video?.file, usage: usageOf(interaction) };
  };

  return {
    /** Deletes a Files API file; one already gone counts as deleted, so retries are harmless. */
    async deleteGeminiFile(name: string): Promise<void> {
      try {
        await ai.files.delete({ name: geminiFileName(name) });
      } catch (err) {
        if (!isNotFound(err)) throw geminiFailure(err);
      }
    },

    /**
     * Saves a generated video in the output folder as `<interaction id>.<ext>`. The same interaction always writes the
     * same path, so a retried download replaces a partial file instead of adding one.
     */
    async downloadGeneratedVideo(input: {
      interactionId: string;
      file?: string;
      mimeType?: string;
    }): Promise<DownloadedVideo> {
      const read = await readVideoInteraction(input.interactionId);
      const pointer = input.file ?? read.file;
      if (!pointer) {
        throw ApplicationFailure.nonRetryable(
          `interaction ${input.interactionId} completed without a video`,
          GeminiflowFailure.noVideoFile,
        );
      }
      const name = geminiFileName(pointer);
      const meta = await callGemini(() => ai.files.get({ name }));
      const mimeType = meta.mimeType ?? input.mimeType ?? 'video/mp4';
      fs.mkdirSync(outputDir, { recursive: true });
      const target = path.join(outputDir, `${input.interactionId.replace(/[^\w.-]/g, '_')}.${extensionOf(mimeType)}`);
      const partial = `${target}.part`;
      await downloadGeminiFile(ai, name, partial);
      fs.renameSync(partial, target);
      return {
        interactionId: input.interactionId,
        file: name,
        path: target,
        sizeBytes: fs.statSync(target).size,
        mimeType,
        ...(read.usage ? { usage: read.usage } : {}),
      };
    },
  };
}

function extensionOf(mimeType: string): string {
  const sub = mimeType.split('/')[1]?.split(';')[0]?.trim();
  return sub && /^[a-z0-9]+$/i.test(sub) ? sub : 'bin';
}
