/**
 * The one place the benchmarks and the chaos run import product code from: when a path or a name moves, only this file
 * changes. The benchmarks measure the example app (its workflows and tools) on geminiflow's public entry points.
 */
import path from 'node:path';

export { GoogleGenAI } from '@google/genai';
export { Client, Connection, type ConnectionOptions, type WorkflowHandle } from '@temporalio/client';
export { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
export { runMain } from '../../common/errors';
export { projectRoot } from '../../common/paths';
export { type FanOutItemResult, type GeminiEvent, geminiEventSignal } from '../../contract';
export { type DynamicSigning, type EmulatorOptions, type RunningEmulator, startEmulator } from '../../emulator';
export { answerQuestions } from '../../example/answer-questions';
export { listPublications } from '../../example/publish-outbox';
export {
  briefWorkflowId,
  type ResearchBriefResult,
  researchBriefPipeline,
} from '../../example/research-brief-pipeline';
export { exampleTools } from '../../example/tool-implementations';
export {
  mintRoutingToken,
  parseRoutingKeys,
  type RoutingKey,
  routingTokenField,
} from '../../receiver';
export { DeliveryTrace } from '../../receiver/tracing';
export { WebhookVerifier } from '../../receiver/verify';
export { toGeminiEvent } from '../../routing/envelope';
export { listDeadLetters } from '../../temporal/dead-letters';
export { eventually } from '../../test/helpers/eventually';
export { type DevServer, freePort, startDevServer } from '../../testing/dev-server';
export { flushTracing, tracingFor } from '../../tracing/provider';
export { contextFromTraceparent, inSpan } from '../../tracing/spans';
export { temporalTraceHeaderFields } from '../../tracing/temporal';
export {
  bundleWorkflows,
  ensureRegisteredWebhook,
  GeminiflowPlugin,
  geminiflowConfigFromEnv,
  geminiflowWorkerTuning,
  installRuntime,
  readFanOutResults,
  readPromptResults,
} from '../../worker';
export {
  batchPrompts,
  decideApprovalUpdate,
  deepResearch,
  fanOutPrompts,
  generateText,
  pendingApprovalsQuery,
  waitForGeminiJob,
} from '../../workflows';

import { projectRoot } from '../../common/paths';

/** Entry points run as child processes. */
export const entryPoints = {
  receiver: path.join(projectRoot, 'receiver', 'main.ts'),
  emulator: path.join(projectRoot, 'emulator', 'main.ts'),
};

/** The example app's workflows module; bench workers host it with geminiflow's. */
export const workflowsPath = require.resolve('../../example/workflows');
