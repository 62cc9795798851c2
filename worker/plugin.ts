import { SimplePlugin } from '@temporalio/plugin';
import type { ReplayWorkerOptions, Worker, WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { type GeminiflowConfig, geminiflowConfigFromEnv } from '../activities/config';
import { type ApprovalNotifyOptions, checkNotifyConfig } from '../activities/notify-config';
import type { Toolset } from '../activities/tools';
import { logger } from '../common/logger';
import { watchSearchAttributes } from '../temporal/search-attribute-watch';
import { searchAttributeModeFromEnv, setupSearchAttributes } from '../temporal/search-attributes';
import { rateLimitReports } from './rate-limit-reports';
import { withGeminiflowWorkflows } from './workflows-path';

export interface GeminiflowPluginOptions {
  /** Gemini and webhook settings; default: read from the environment (geminiflowConfigFromEnv), once, here. */
  config?: GeminiflowConfig;
  /** The implementations of your tools (implementTools(registry, {...})), one toolset per registry. */
  tools?: readonly Toolset[];
  /**
   * Where notifications about calls waiting for a person go (as GEMINIFLOW_NOTIFY_URLS, _SECRET, _SLACK_URLS and
   * GEMINIFLOW_CONSOLE_URL); replaces the configuration's `notify` when given.
   */
  notify?: ApprovalNotifyOptions;
}

/**
 * Hosts geminiflow on a Temporal worker: registers its activities (Gemini calls, status reads, tool runs, routing)
 * and adds its workflows (mailbox, dead letter, the job workflows, the fan-outs) to the bundle beside
 * yours. Everything is checked when the plugin is made: bad settings or a tool without an implementation stop the
 * worker before it takes a task.
 *
 *   Worker.create({ connection, taskQueue, workflowsPath: require.resolve('./workflows'),
 *                   plugins: [new GeminiflowPlugin({ tools: [implementTools(myTools, {...})] })] });
 */
export class GeminiflowPlugin extends SimplePlugin {
  constructor(options: GeminiflowPluginOptions = {}) {
    const base = options.config ?? geminiflowConfigFromEnv();
    const config = options.notify ? { ...base, notify: checkNotifyConfig(options.notify) } : base;
    super({
      name: 'geminiflow',
      activities: createActivities(config, { tools: options.tools }),
      workflowsPath: withGeminiflowWorkflows,
      // A fan-out's children report Gemini rate limits to it, so it shrinks its window.
      workerInterceptors: { activity: [rateLimitReports()] },
    });
  }

  /**
   * Before the first task: the search attributes geminiflow's workflows set must exist, or every run would sit in a
   * failing workflow task. Missing ones are registered where the server allows it; otherwise the worker stops with
   * the commands that create them (GEMINIFLOW_REGISTER_SEARCH_ATTRIBUTES=false: check only). While it runs, the
   * namespace is watched: attributes it loses are registered again, or the worker stops with one line naming the fix.
   */
  override async runWorker(worker: Worker, next: (w: Worker) => Promise<void>): Promise<void> {
    if (!worker.connection) return super.runWorker(worker, next);
    const setup = {
      connection: worker.connection,
      namespace: worker.options.namespace,
      mode: searchAttributeModeFromEnv(),
      logger,
    };
    await setupSearchAttributes(setup);
    let lost: Error | undefined;
    const watch = watchSearchAttributes({
      ...setup,
      onLost: (err) => {
        lost = err;
        if (worker.getState() === 'RUNNING') worker.shutdown();
      },
    });
    try {
      await super.runWorker(worker, next);
    } finally {
      watch.stop();
    }
    if (lost) throw lost;
  }

  // A prebuilt bundle already holds geminiflow's workflows (bundle it with this plugin); only a path gets them added.
  override configureWorker(options: WorkerOptions): WorkerOptions {
    const configured = super.configureWorker(options);
    return options.workflowBundle ? { ...configured, workflowsPath: undefined } : configured;
  }

  override configureReplayWorker(options: ReplayWorkerOptions): ReplayWorkerOptions {
    const configured = super.configureReplayWorker(options);
    return options.workflowBundle ? { ...configured, workflowsPath: undefined } : configured;
  }
}
