import { BatchService } from './batches';
import { CallCounter } from './calls';
import { EmulatorClock } from './clock';
import { Deliverer } from './delivery/deliverer';
import { SigningKeys } from './delivery/keys';
import { retryPolicy } from './delivery/retry-policy';
import { FaultBook } from './faults';
import { FileStore } from './files';
import { InteractionService } from './interactions';
import { DeterministicModel } from './model';
import { Publisher } from './publisher';
import { RateLimiter } from './rate-limit';
import { Scheduler } from './scheduler';
import type { EmulatorOptions } from './types';
import { VideoStudio } from './video';
import { WebhookRegistry } from './webhooks';

/** Every part of one emulator instance, wired together; the HTTP routes and the control surface both use it. */
export class EmulatorCore {
  readonly clock: EmulatorClock;
  readonly scheduler: Scheduler;
  readonly faults = new FaultBook();
  readonly keys = new SigningKeys();
  readonly calls = new CallCounter();
  readonly model: DeterministicModel;
  readonly registry: WebhookRegistry;
  readonly deliverer: Deliverer;
  readonly publisher: Publisher;
  readonly files: FileStore;
  readonly video: VideoStudio;
  readonly interactions: InteractionService;
  readonly batches: BatchService;
  readonly rateLimit: RateLimiter;
  /** What the emulator advertises (see public-url.ts); set once the port is known. */
  publicUrl = 'http://127.0.0.1';

  constructor(readonly options: EmulatorOptions) {
    this.clock = new EmulatorClock(options.timeScale ?? 1);
    this.scheduler = new Scheduler(this.clock);
    const now = () => this.clock.now();
    this.model = new DeterministicModel(options.durations);
    this.registry = new WebhookRegistry(now, options.disableWebhookAfterFailedAttempts ?? 30);
    this.deliverer = new Deliverer({
      clock: this.clock,
      scheduler: this.scheduler,
      faults: this.faults,
      keys: this.keys,
      registry: this.registry,
      dynamicSigning: options.dynamicSigning ?? 'v1a',
      timeoutMs: options.deliveryTimeoutMs ?? 5_000,
      webhookTimestampClock: options.webhookTimestampClock ?? 'auto',
      retryWindowMs: options.retryWindowMs ?? retryPolicy.windowMs,
      concurrency: options.deliveryConcurrency ?? 128,
      issuer: () => this.publicUrl,
    });
    this.publisher = new Publisher(now, this.registry, this.deliverer, {
      placement: options.userMetadataPlacement ?? 'both',
      echoUserMetadataToRegisteredWebhooks: options.echoUserMetadataToRegisteredWebhooks ?? true,
    });
    this.files = new FileStore(now, () => this.publicUrl);
    this.video = new VideoStudio(this.files, this.publisher, options.videoCompletionEvents ?? 'both');
    this.interactions = new InteractionService(
      now,
      this.scheduler,
      this.model,
      this.video,
      this.publisher,
      options.statusEvents,
    );
    this.batches = new BatchService(now, this.scheduler, this.model, this.files, this.publisher);
    this.rateLimit = new RateLimiter(now, options.rateLimit);
  }

  reset(): void {
    this.scheduler.clear();
    this.interactions.clear();
    this.batches.clear();
    this.files.clear();
    this.registry.clear();
    this.deliverer.clear();
    this.faults.clear();
    this.model.clearRules();
    this.calls.clear();
    this.rateLimit.resetCount();
  }
}
