/**
 * The one place the benchmarks and the chaos run import product code from. The product modules are being refactored;
 * when a path or a name moves, only this file changes.
 */
import path from 'node:path';

export { GoogleGenAI } from '@google/genai';
export { Client, Connection, type WorkflowHandle } from '@temporalio/client';
export { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';

export * as activities from '../../activities';
export { listPublications } from '../../activities/publish-outbox';
export { ensureRegisteredWebhook } from '../../activities/webhook-setup';
export { type GeminiEvent, geminiEventSignal } from '../../common/contract';
export { type DevServer, freePort, startDevServer } from '../../common/dev-server';
export { runMain } from '../../common/errors';
export { eventually } from '../../common/eventually';
export { projectRoot } from '../../common/paths';
export { type DynamicSigning, type EmulatorOptions, type RunningEmulator, startEmulator } from '../../emulator';
export { listDeadLetters } from '../../receiver/dead-letter-store';
export { parseJsonBody, toGeminiEvent } from '../../receiver/event';
export { DeliveryVerifier } from '../../receiver/verify';
export { parseWebhookHeaders } from '../../receiver/verify/headers';
export { decideApprovalUpdate, pendingApprovalsQuery } from '../../workflows/agent';
export { batchPrompts } from '../../workflows/batch';
export { deepResearch } from '../../workflows/deep-research';
export { briefWorkflowId, researchBriefPipeline, type ResearchBriefResult } from '../../workflows/research-brief-pipeline';
export { waitForGeminiJob } from '../../workflows/wait-for-gemini-job';
export { bundleWorkflows } from '../../worker/create-worker';
export { installRuntime } from '../../worker/runtime';

import { projectRoot } from '../../common/paths';

/** Entry points run as child processes. */
export const entryPoints = {
  receiver: path.join(projectRoot, 'receiver', 'main.ts'),
  emulator: path.join(projectRoot, 'emulator', 'main.ts'),
};

/** The workflows module a bench worker bundles (or the prebuilt bundle `npm test` made). */
export const workflowsPath = require.resolve('../../workflows');
