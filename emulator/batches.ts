import { parseJsonl } from './batch-input';
import { isoOf } from './clock';
import { failedPrecondition, invalidArgument, notFound } from './errors';
import { field, isRecord } from './fields';
import type { FileStore } from './files';
import { newBatchId } from './ids';
import { bareModel, type DeterministicModel } from './model';
import { pageOf } from './paging';
import type { Publisher, WebhookConfig } from './publisher';
import type { Scheduler } from './scheduler';
import type { BatchRule } from './types';
import { parseBatchWebhookConfig } from './webhook-config';

type State = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'EXPIRED';
const expiryMs = 48 * 3_600_000;
const terminal = new Set<State>(['SUCCEEDED', 'FAILED', 'CANCELLED', 'EXPIRED']);

interface InlineRequest {
  request: unknown;
  metadata?: Record<string, unknown>;
}

interface Batch {
  id: string;
  model: string;
  displayName?: string;
  state: State;
  createTime: number;
  updateTime: number;
  endTime?: number;
  input: { kind: 'inline'; requests: InlineRequest[] } | { kind: 'file'; fileName: string };
  webhookConfig?: WebhookConfig;
  rule?: BatchRule;
  output?: Record<string, unknown>;
  error?: { code: number; message: string; status: string };
  stats?: { requestCount: number; successful: number; failed: number };
  timers: (() => void)[];
}

type LineResult = { key: string; metadata?: Record<string, unknown> } & (
  | { response: Record<string, unknown> }
  | { error: { code: number; message: string; status: string } }
);

/** The Batch API: inline or file input, BATCH_STATE_* lifecycle with expiry, results as a JSONL file or inline. */
export class BatchService {
  private readonly batches = new Map<string, Batch>();

  constructor(
    private readonly now: () => number,
    private readonly scheduler: Scheduler,
    private readonly model: DeterministicModel,
    private readonly files: FileStore,
    private readonly publisher: Publisher,
  ) {}

  /** `models/{model}:batchGenerateContent` (the SDK's shape) or `:batchCreate` (`{src, config}`, a docs variant). */
  create(modelInPath: string, body: unknown): Record<string, unknown> {
    if (!isRecord(body)) throw invalidArgument('Request body must be a JSON object.');
    const model = `models/${bareModel(decodeURIComponent(modelInPath))}`;
    let batchBody = field<Record<string, unknown>>(body, 'batch');
    if (!batchBody && field(body, 'src') !== undefined) {
      const config = field<Record<string, unknown>>(body, 'config') ?? {};
      const src = field<unknown>(body, 'src');
      batchBody = {
        input_config:
          typeof src === 'string' ? { file_name: src } : Array.isArray(src) ? { requests: { requests: src } } : src,
        display_name: field(config, 'display_name'),
        webhook_config: field(config, 'webhook_config'),
      };
    }
    if (!isRecord(batchBody)) throw invalidArgument('batch is required.');
    const inputConfig = field<Record<string, unknown>>(batchBody, 'input_config');
    if (!isRecord(inputConfig)) throw invalidArgument('batch.input_config is required.');
    const fileName = field<string>(inputConfig, 'file_name');
    const requestsWrapper = field<unknown>(inputConfig, 'requests');
    const requests = isRecord(requestsWrapper) ? field<unknown>(requestsWrapper, 'requests') : requestsWrapper;
    let input: Batch['input'];
    if (typeof fileName === 'string') {
      if (!this.files.lookup(fileName)) throw invalidArgument(`Input file ${fileName} does not exist.`);
      input = { kind: 'file', fileName: fileName.startsWith('files/') ? fileName : `files/${fileName}` };
    } else if (Array.isArray(requests) && requests.length > 0) {
      input = {
        kind: 'inline',
        requests: requests.map((r, i) => {
          if (!isRecord(r) || !isRecord(r.request)) throw invalidArgument(`requests[${i}].request is required.`);
          return { request: r.request, metadata: isRecord(r.metadata) ? r.metadata : undefined };
        }),
      };
    } else {
      throw invalidArgument('batch.input_config needs file_name or a non-empty requests list.');
    }

    const now = this.now();
    const displayName = field<string>(batchBody, 'display_name');
    const b: Batch = {
      id: newBatchId(),
      model,
      displayName,
      state: 'PENDING',
      createTime: now,
      updateTime: now,
      input,
      webhookConfig: parseBatchWebhookConfig(field(batchBody, 'webhook_config')),
      rule: this.model.batchRuleFor({ displayName, model }),
      timers: [],
    };
    this.batches.set(b.id, b);
    const duration = b.rule?.durationMs ?? this.model.durations.batchMs;
    const expires = b.rule?.expire === true || duration >= expiryMs;
    const end = expires ? expiryMs : duration;
    b.timers.push(this.scheduler.after(Math.min(1_000, end / 2), () => this.setRunning(b)));
    b.timers.push(this.scheduler.after(end, () => (expires ? this.expire(b) : this.complete(b))));
    return this.toJson(b);
  }

  get(id: string): Record<string, unknown> {
    return this.toJson(this.find(id));
  }

  list(pageSize: number | undefined, pageToken: string | undefined): Record<string, unknown> {
    const page = pageOf([...this.batches.values()], pageSize, pageToken, {
      defaultSize: 50,
      maxSize: 1000,
      tokenName: 'pageToken',
    });
    return {
      operations: page.items.map((b) => this.toJson(b)),
      ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
    };
  }

  cancel(id: string): void {
    const b = this.find(id);
    if (terminal.has(b.state)) throw failedPrecondition(`Batch batches/${id} is already ${b.state}.`);
    this.end(b, 'CANCELLED');
    this.publisher.publish('batch.cancelled', { id: `batches/${b.id}` }, b.webhookConfig);
  }

  delete(id: string): void {
    const b = this.find(id);
    for (const cancel of b.timers) cancel();
    this.batches.delete(id);
  }

  clear(): void {
    for (const b of this.batches.values()) for (const cancel of b.timers) cancel();
    this.batches.clear();
  }

  private find(id: string): Batch {
    const b = this.batches.get(id);
    if (!b) throw notFound(`Batch batches/${id} not found.`);
    return b;
  }

  private setRunning(b: Batch): void {
    if (b.state !== 'PENDING') return;
    b.state = 'RUNNING';
    b.updateTime = this.now();
  }

  private end(b: Batch, state: State): void {
    for (const cancel of b.timers) cancel();
    b.state = state;
    b.updateTime = b.endTime = this.now();
  }

  private expire(b: Batch): void {
    if (terminal.has(b.state)) return;
    this.end(b, 'EXPIRED');
    this.publisher.publish('batch.expired', { id: `batches/${b.id}` }, b.webhookConfig);
  }

  private fail(b: Batch, code: string, message: string): void {
    this.end(b, 'FAILED');
    b.error = { code: 400, message, status: code };
    this.publisher.publish(
      'batch.failed',
      { id: `batches/${b.id}`, error_code: code, error_message: message },
      b.webhookConfig,
    );
  }

  private complete(b: Batch): void {
    if (terminal.has(b.state)) return;
    if (b.rule?.fail) {
      this.fail(b, b.rule.fail.code ?? 'INTERNAL', b.rule.fail.message ?? 'Scripted batch failure.');
      return;
    }
    let requests: { key: string; request: unknown; metadata?: Record<string, unknown> }[];
    if (b.input.kind === 'file') {
      const file = this.files.lookup(b.input.fileName);
      if (!file) {
        this.fail(b, 'NOT_FOUND', `Input file ${b.input.fileName} no longer exists.`);
        return;
      }
      const parsed = parseJsonl(file.data.toString('utf8'));
      if ('error' in parsed) {
        this.fail(b, 'INVALID_ARGUMENT', parsed.error);
        return;
      }
      requests = parsed.lines;
    } else {
      requests = b.input.requests.map((r, i) => ({
        key: String(r.metadata?.key ?? i),
        request: r.request,
        metadata: r.metadata,
      }));
    }
    const failKeys = new Set(b.rule?.failKeys ?? []);
    const results: LineResult[] = requests.map((r) => {
      if (failKeys.has(r.key)) {
        return {
          key: r.key,
          metadata: r.metadata,
          error: { code: 500, message: `Scripted failure for request ${r.key}.`, status: 'INTERNAL' },
        };
      }
      return { key: r.key, metadata: r.metadata, ...this.model.generateContent(b.model, r.request) };
    });
    const failed = results.filter((r) => 'error' in r).length;
    b.stats = { requestCount: results.length, successful: results.length - failed, failed };
    this.end(b, 'SUCCEEDED');
    const data: Record<string, unknown> = { id: `batches/${b.id}` };
    if (b.input.kind === 'file') {
      const out = this.files.put({
        name: `files/batch-${b.id}`,
        displayName: `${b.displayName ?? b.id} results`,
        mimeType: 'application/jsonl',
        data: Buffer.from(results.map(({ metadata: _m, ...line }) => `${JSON.stringify(line)}\n`).join('')),
        source: 'GENERATED',
      });
      b.output = { responsesFile: out.name };
      data.output_file_uri = out.name;
    } else {
      b.output = {
        inlinedResponses: {
          inlinedResponses: results.map(({ key: _k, ...r }) => r),
        },
      };
    }
    this.publisher.publish('batch.succeeded', data, b.webhookConfig);
  }

  private toJson(b: Batch): Record<string, unknown> {
    const metadata: Record<string, unknown> = {
      '@type': 'type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch',
      model: b.model,
      ...(b.displayName !== undefined ? { displayName: b.displayName } : {}),
      state: `BATCH_STATE_${b.state}`,
      createTime: isoOf(b.createTime),
      updateTime: isoOf(b.updateTime),
      ...(b.endTime !== undefined ? { endTime: isoOf(b.endTime) } : {}),
      ...(b.output ? { output: b.output } : {}),
    };
    const requestCount = b.input.kind === 'inline' ? b.input.requests.length : undefined;
    if (b.stats) {
      metadata.batchStats = {
        requestCount: String(b.stats.requestCount),
        successfulRequestCount: String(b.stats.successful),
        failedRequestCount: String(b.stats.failed),
        pendingRequestCount: '0',
      };
    } else if (requestCount !== undefined) {
      metadata.batchStats = { requestCount: String(requestCount), pendingRequestCount: String(requestCount) };
    }
    const done = terminal.has(b.state);
    return {
      name: `batches/${b.id}`,
      metadata,
      done,
      ...(b.output
        ? {
            response: {
              '@type': 'type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput',
              ...b.output,
            },
          }
        : {}),
      ...(b.error ? { error: b.error } : {}),
    };
  }
}
