import { execFile } from 'node:child_process';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { projectRoot } from '../../common/paths';
import { exampleTools } from '../../example/tool-implementations';
import { type EmulatorOptions, type LocalStack, type LocalWorkerOptions, startLocalStack } from '../../testing';
import { implementTools } from '../../worker';
import type { AgentInput } from '../../workflows';
import { reviewAgent, reviewTools } from '../fixtures/console/review-agent';
import { registerFreshNamespace } from './deploy';
import { testLogger } from './receiver';
import { testServerAddress, testTmpDir, testWorkflows, uniqueTaskQueue } from './temporal';

/**
 * The real stack a person operates with the CLI and the console: Temporal (the test run's server), the emulator (fast
 * clock), the receiver with its operations listener and a registered webhook, and a worker hosting an agent whose one
 * tool takes every kind of decision. Posts the tool publishes are kept in `published`.
 */
export interface OperatorStack extends LocalStack {
  /** What a CLI process needs to reach this stack, as an operator's shell would have it. */
  env: Record<string, string>;
  published: Record<string, unknown>[];
  /** Starts the review agent with a message whose directive makes the model call publish_post with `args`. */
  startReview(workflowId: string, args: Record<string, unknown>, input?: Partial<AgentInput>): Promise<void>;
}

export async function startOperatorStack(
  opts: {
    receiver?: { mailboxLookupTimeoutMs?: number };
    emulator?: EmulatorOptions;
    worker?: 'review' | 'example';
    /** Approval notifications of the worker (GeminiflowPlugin's `notify`). */
    notify?: LocalWorkerOptions['notify'];
  } = {},
): Promise<OperatorStack> {
  const published: Record<string, unknown>[] = [];
  const reviewWorker: LocalWorkerOptions = {
    workflowsPath: require.resolve('../fixtures/console/review-agent'),
    tools: [
      implementTools(reviewTools, {
        async publish_post(post) {
          published.push(post);
          return { published: post.title };
        },
      }),
    ],
  };
  // The example app's workers start from the bundle `npm test` built, without a webpack run, with its tools.
  const workflows = testWorkflows();
  const scratch = testTmpDir();
  const exampleWorker: LocalWorkerOptions = {
    ...('workflowBundle' in workflows
      ? { workflowBundlePath: workflows.workflowBundle.codePath }
      : { workflowsPath: workflows.workflowsPath }),
    tools: [exampleTools({ publishDir: path.join(scratch, 'published') })],
    config: { outputDir: path.join(scratch, 'output') },
  };
  // A namespace of its own: listings across runs (pending calls, waiting runs) see this stack's runs only.
  const admin = await Connection.connect({ address: testServerAddress() });
  const namespace = await registerFreshNamespace(admin).finally(() => admin.close());
  const stack = await startLocalStack({
    temporal: { address: testServerAddress(), namespace },
    taskQueue: uniqueTaskQueue('operator'),
    emulator: { timeScale: 30, webhookTimestampClock: 'real', ...opts.emulator },
    receiver: { opsPort: 0, ...opts.receiver },
    webhooks: 'both',
    worker: { ...(opts.worker === 'example' ? exampleWorker : reviewWorker), notify: opts.notify },
    logger: testLogger,
  });
  return {
    ...stack,
    published,
    env: {
      ...stack.workerEnv,
      GEMINIFLOW_RECEIVER_OPS_URL: stack.receiver.opsUrl!,
      RECEIVER_PUBLIC_URL: stack.receiver.url,
      GEMINI_JWKS_URL: stack.emulator!.jwksUrl,
      LOG_LEVEL: 'warn',
    },
    async startReview(workflowId, args, input = {}) {
      await stack.client.workflow.start(reviewAgent, {
        taskQueue: stack.taskQueue,
        workflowId,
        args: [
          {
            tools: ['publish_post'],
            conversation: false,
            message: `Post this. [[call publish_post ${JSON.stringify(args)}]]`,
            ...input,
          },
        ],
      });
    },
  };
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `geminiflow <args>` as a separate process, as a person would, with `env` on top of the test's environment. */
export function geminiflow(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(projectRoot, 'example', 'cli.ts'), ...args],
      { cwd: projectRoot, env: { ...process.env, ...env }, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
