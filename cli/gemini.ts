import type { GoogleGenAI } from '@google/genai';
import type { Command } from 'commander';
import { geminiflowConfigFromEnv } from '../activities/config';
import { describeGeminiError, geminiClientFor } from '../activities/gemini-client';
import { commandEnv } from './session';

/** The Gemini SDK client the worker would use (GEMINI_API_KEY, or the emulator at GEMINI_EMULATOR_URL). */
export function geminiFor(cmd: Command): { ai: GoogleGenAI; target: string } {
  const { gemini } = geminiflowConfigFromEnv(commandEnv(cmd));
  return {
    ai: geminiClientFor(gemini),
    target: gemini.target === 'emulator' ? `the emulator at ${gemini.baseUrl}` : 'the Gemini API',
  };
}

/** A Gemini call whose failure reads as one line with its HTTP status; nothing request-side (the key) is kept. */
export async function callGemini<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const { status, message } = describeGeminiError(err);
    throw new Error(`${what} failed${status ? ` (HTTP ${status})` : ''}: ${message}`);
  }
}
