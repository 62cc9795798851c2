import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type CallContext,
  type ConnectionLike,
  type ConnectionPlugin,
  type Metadata,
  OperatorService,
  WorkflowService,
} from '@temporalio/client';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import { installRuntime } from '../temporal/runtime';

type RpcImpl = Parameters<typeof WorkflowService.create>[0];

const UNAVAILABLE = 14;

/**
 * The receiver's Temporal connection: the Rust-core `NativeConnection`, which costs a fraction of the CPU per signal
 * that the pure-JS gRPC client does. `NativeConnection.connect` fails while the server is down, but the receiver must
 * come up anyway (and answer 503), so this connects in the background and keeps retrying. Until then every call
 * fails at once with UNAVAILABLE; once connected, the Rust client reconnects by itself after an outage.
 */
export class BackgroundNativeConnection implements ConnectionLike {
  readonly workflowService: WorkflowService;
  readonly operatorService: OperatorService;
  readonly plugins: ConnectionPlugin[] = [];
  private readonly callContext = new AsyncLocalStorage<CallContext>();
  private native?: NativeConnection;
  private readonly closing = new AbortController();
  private readonly connecting: Promise<void>;

  constructor(options: NativeConnectionOptions, logger: Logger) {
    this.workflowService = WorkflowService.create(
      this.forward((n) => n.workflowService),
      false,
      false,
    );
    this.operatorService = OperatorService.create(
      this.forward((n) => n.operatorService),
      false,
      false,
    );
    this.connecting = this.connectUntilClosed(options, logger);
  }

  get connected(): boolean {
    return this.native !== undefined;
  }

  /**
   * Calls go through the native connection's own request path (it reads deadline and metadata from its call context,
   * so this one's is handed over), or fail at once while there is none.
   */
  private forward(service: (native: NativeConnection) => { rpcImpl: RpcImpl | null }): RpcImpl {
    return (method, requestData, callback) => {
      const native = this.native;
      if (!native) {
        callback(
          // Shaped like a gRPC ServiceError, which the client reads (including `metadata.get`) before rethrowing.
          Object.assign(new Error(`${UNAVAILABLE} UNAVAILABLE: not connected to Temporal`), {
            code: UNAVAILABLE,
            details: 'not connected to Temporal',
            metadata: { get: () => [] },
          }),
        );
        return;
      }
      const rpcImpl = service(native).rpcImpl;
      native.callContextStorage.run(this.callContext.getStore() ?? {}, () => rpcImpl?.(method, requestData, callback));
    };
  }

  private async connectUntilClosed(options: NativeConnectionOptions, logger: Logger): Promise<void> {
    const address = options.address;
    // The Runtime is a process singleton that must be configured before the first native connection; a worker in
    // the same process (the local stack) shares it.
    try {
      installRuntime();
    } catch {
      // Someone in this process made the Runtime without installRuntime(); that one serves as well.
    }
    let delayMs = 100;
    let warned = false;
    while (!this.closing.signal.aborted) {
      try {
        const native = await NativeConnection.connect(options);
        if (this.closing.signal.aborted) {
          await native.close();
          return;
        }
        this.native = native;
        if (warned) logger.info({ temporal: address }, 'connected to Temporal');
        return;
      } catch (err) {
        if (!warned) {
          logger.warn({ temporal: address, err: String(err).slice(0, 300) }, 'Temporal unreachable; retrying');
          warned = true;
        }
      }
      await sleep(delayMs, undefined, { signal: this.closing.signal }).catch(() => undefined);
      delayMs = Math.min(delayMs * 2, 2000);
    }
  }

  /** Resolves once connected, or after `timeoutMs` if Temporal is still unreachable; never rejects. */
  async whenConnected(timeoutMs: number): Promise<boolean> {
    const timer = new AbortController();
    await Promise.race([this.connecting, sleep(timeoutMs, undefined, { signal: timer.signal }).catch(() => undefined)]);
    timer.abort();
    return this.connected;
  }

  async ensureConnected(): Promise<void> {
    if (!this.native) throw new Error('not connected to Temporal');
  }

  async withDeadline<R>(deadline: number | Date, fn: () => Promise<R>): Promise<R> {
    return this.callContext.run({ ...this.callContext.getStore(), deadline }, fn);
  }

  async withMetadata<R>(metadata: Metadata, fn: () => Promise<R>): Promise<R> {
    const cc = this.callContext.getStore();
    return this.callContext.run({ ...cc, metadata: { ...cc?.metadata, ...metadata } }, fn);
  }

  async withAbortSignal<R>(abortSignal: AbortSignal, fn: () => Promise<R>): Promise<R> {
    return this.callContext.run({ ...this.callContext.getStore(), abortSignal }, fn);
  }

  async close(): Promise<void> {
    this.closing.abort();
    await this.connecting;
    const native = this.native;
    this.native = undefined;
    await native?.close();
  }
}
