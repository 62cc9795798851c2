import type { BenchStack } from '../support/bench-stack';
import { type Child, exited } from '../support/processes';

export type CrashTarget = 'worker' | 'receiver' | 'temporal';

export interface CrashCounts {
  worker: number;
  receiver: number;
  temporal: number;
  /** Processes that died without being killed (and were restarted). */
  unplannedExits: number;
}

/**
 * SIGKILLs the worker process, the receiver process or the Temporal dev server at random intervals and starts it
 * again (the server on its db file, the receiver on its port). A process that dies by itself is restarted too, and
 * counted.
 */
export class CrashMonkey {
  private timer?: NodeJS.Timeout;
  private watchdog?: NodeJS.Timeout;
  private busy: Promise<void> = Promise.resolve();
  private stopped = false;
  readonly counts: CrashCounts = { worker: 0, receiver: 0, temporal: 0, unplannedExits: 0 };
  worker!: Child;

  constructor(
    private readonly stack: BenchStack,
    private readonly startWorker: () => Promise<Child>,
    private readonly opts: {
      targets: CrashTarget[];
      everyMs: [number, number];
      random: () => number;
      log: (line: string) => void;
    },
  ) {}

  async start(): Promise<void> {
    this.worker = await this.startWorker();
    if (this.opts.targets.length) this.schedule();
    this.watchdog = setInterval(() => {
      this.busy = this.busy.then(() => this.restartExited());
    }, 1000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.watchdog);
    await this.busy;
    await this.restartExited();
  }

  private schedule(): void {
    const [min, max] = this.opts.everyMs;
    this.timer = setTimeout(
      () => {
        const target = this.opts.targets[Math.floor(this.opts.random() * this.opts.targets.length)]!;
        this.busy = this.busy
          .then(() => this.crash(target))
          .catch((err) => this.opts.log(`restart of ${target} failed: ${err}`));
        if (!this.stopped) this.schedule();
      },
      min + this.opts.random() * (max - min),
    );
  }

  private async crash(target: CrashTarget): Promise<void> {
    if (this.stopped) return;
    this.counts[target]++;
    this.opts.log(`SIGKILL ${target}`);
    const downMs = 500 + this.opts.random() * 2000;
    if (target === 'temporal') {
      await this.stack.temporal.kill();
      await new Promise((r) => setTimeout(r, downMs));
      await this.stack.restartTemporal();
    } else if (target === 'receiver') {
      await this.stack.receiver.kill();
      await new Promise((r) => setTimeout(r, downMs));
      await this.stack.startReceiver();
    } else {
      await this.worker.kill();
      await new Promise((r) => setTimeout(r, downMs));
      this.worker = await this.startWorker();
    }
  }

  private async restartExited(): Promise<void> {
    if (exited(this.worker.process)) {
      this.counts.unplannedExits++;
      this.opts.log(`the worker exited by itself; restarting:\n${this.worker.stderrTail()}`);
      this.worker = await this.startWorker();
    }
    if (exited(this.stack.receiver.process)) {
      this.counts.unplannedExits++;
      this.opts.log(`the receiver exited by itself; restarting:\n${this.stack.receiver.stderrTail()}`);
      await this.stack.startReceiver();
    }
  }
}
