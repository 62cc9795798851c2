import fs from 'node:fs';
import { SimplePlugin } from '@temporalio/plugin';
import type { BundleOptions, ReplayWorkerOptions, Worker, WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { type GeminiflowConfig, geminiflowConfigFromEnv } from '../activities/config';
import { type ApprovalNotifyOptions, checkNotifyConfig } from '../activities/notify-config';
import type { Toolset } from '../activities/tools';
import { logger } from '../common/logger';
import { watchSearchAttributes } from '../temporal/search-attribute-watch';
import { searchAttributeModeFromEnv, setupSearchAttributes } from '../temporal/search-attributes';
import { type Tracing, tracingFor } from '../tracing/provider';
import { temporalTracingPlugin } from '../tracing/temporal';
import { warnAboutDoubledPackages } from './package-check';
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
  /**
   * OpenTelemetry tracing (workflow, activity and Gemini spans), on when the standard OTEL_* variables configure an
   * exporter (docs/observability.md); `false` keeps this worker untraced whatever they say.
   */
  tracing?: false;
}

/**
 * Hosts geminiflow on a Temporal worker: registers its activities (Gemini calls, status reads, tool runs, routing)
 * and adds its workflows (mailbox, dead letter, the job workflows, the fan-outs) to the bundle beside
 * yours. Everything is checked when the plugin is made: bad settings or a tool without an implementation stop the
 * worker before it takes a task, and two copies of an SDK in the project get one warning with the fix.
 *
 *   Worker.create({ connection, taskQueue, workflowsPath: require.resolve('./workflows'),
 *                   plugins: [new GeminiflowPlugin({ tools: [implementTools(myTools, {...})] })] });
 */
export class GeminiflowPlugin extends SimplePlugin {
  private readonly tracing?: Tracing;
  /** Temporal's own OpenTelemetry plugin, composed in when tracing is on. */
  private readonly otel?: ReturnType<typeof temporalTracingPlugin>;

  constructor(options: GeminiflowPluginOptions = {}) {
    const base = options.config ?? geminiflowConfigFromEnv();
    const config = options.notify ? { ...base, notify: checkNotifyConfig(options.notify) } : base;
    warnAboutDoubledPackages();
    const tracing = options.tracing === false ? undefined : tracingFor('worker');
    super({
      name: 'geminiflow',
      activities: createActivities(config, { tools: options.tools, tracing: tracing ?? false }),
      workflowsPath: withGeminiflowWorkflows,
      // A fan-out's children report Gemini rate limits to it, so it shrinks its window.
      workerInterceptors: { activity: [rateLimitReports()] },
    });
    this.tracing = tracing;
    this.otel = tracing && temporalTracingPlugin(tracing);
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
      // What a short-lived worker traced is sent before it goes (the batch processor otherwise waits seconds).
      await this.tracing?.flush().catch(() => undefined);
    }
    if (lost) throw lost;
  }

  // A prebuilt bundle already holds geminiflow's workflows (bundle it with this plugin); only a path gets them added.
  // Tracing adds Temporal's workflow interceptors the same way: to a path's bundle here, to a prebuilt one when it was
  // bundled (bundleWorkflows does that while the OTEL_* variables turn tracing on).
  override configureWorker(options: WorkerOptions): WorkerOptions {
    const configured = super.configureWorker(options);
    const own = options.workflowBundle ? { ...configured, workflowsPath: undefined } : configured;
    if (this.otel && options.workflowBundle) warnIfBundleUntraced(options.workflowBundle);
    return this.otel ? this.otel.configureWorker(own) : own;
  }

  override configureReplayWorker(options: ReplayWorkerOptions): ReplayWorkerOptions {
    const configured = super.configureReplayWorker(options);
    const own = options.workflowBundle ? { ...configured, workflowsPath: undefined } : configured;
    return this.otel ? this.otel.configureReplayWorker(own) : own;
  }

  override configureBundler(options: BundleOptions): BundleOptions {
    const configured = super.configureBundler(options);
    return this.otel ? this.otel.configureBundler(configured) : configured;
  }
}

/** Without Temporal's workflow interceptors in the bundle, a traced worker's workflow spans (and links) are missing. */
function warnIfBundleUntraced(bundle: WorkerOptions['workflowBundle']): void {
  const code =
    bundle && 'code' in bundle
      ? bundle.code
      : bundle && 'codePath' in bundle
        ? fs.readFileSync(bundle.codePath, 'utf8')
        : undefined;
  if (code !== undefined && !code.includes('interceptors-opentelemetry')) {
    logger.warn(
      'tracing is on, but the prebuilt workflow bundle has no OpenTelemetry workflow interceptors: workflow spans ' +
        'are missing and activity spans start traces of their own. Bundle with the OTEL_* variables set ' +
        '(bundleWorkflows), or let the worker bundle from workflowsPath.',
    );
  }
}
