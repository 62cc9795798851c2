import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * Metrics the hot path updates without allocating: each label combination is a cell found through nested maps (no key
 * string built per delivery), and what a delivery adds is a number in that cell. The cells are handed to prom-client
 * when Prometheus scrapes (its `collect` hook), so the figures exported are exact; only their bookkeeping moves off
 * the path of a delivery. Label values come from small fixed sets (event types, outcomes, schemes).
 */
type Labels = Record<string, string>;

class Cells<C> {
  private readonly root = new Map<string, unknown>();
  readonly all: C[] = [];

  constructor(
    private readonly names: readonly string[],
    private readonly make: (labels: Labels) => C,
  ) {}

  /** The cell of these label values (one to three, as many as there are label names), made on first use. */
  get(a: string, b = '', c = ''): C {
    const depth = this.names.length;
    let level = this.root;
    if (depth > 1) level = this.level(level, a);
    if (depth > 2) level = this.level(level, b);
    const last = depth === 1 ? a : depth === 2 ? b : c;
    let cell = level.get(last) as C | undefined;
    if (!cell) {
      const values = [a, b, c];
      cell = this.make(Object.fromEntries(this.names.map((n, i) => [n, values[i]!])));
      level.set(last, cell);
      this.all.push(cell);
    }
    return cell;
  }

  private level(parent: Map<string, unknown>, key: string): Map<string, unknown> {
    let next = parent.get(key) as Map<string, unknown> | undefined;
    if (!next) parent.set(key, (next = new Map()));
    return next;
  }
}

interface CountCell {
  labels: Labels;
  count: number;
}

export class TalliedCounter {
  private readonly cells: Cells<CountCell>;

  constructor(opts: { name: string; help: string; labelNames: readonly string[]; registry: Registry }) {
    const cells = (this.cells = new Cells(opts.labelNames, (labels) => ({ labels, count: 0 })));
    new Counter({
      name: opts.name,
      help: opts.help,
      labelNames: [...opts.labelNames],
      registers: [opts.registry],
      collect() {
        for (const cell of cells.all) {
          if (cell.count > 0) this.inc(cell.labels, cell.count);
          cell.count = 0;
        }
      },
    });
  }

  inc(a: string, b?: string, c?: string): void {
    this.cells.get(a, b, c).count++;
  }
}

interface ObservationCell {
  labels: Labels;
  values: Float64Array;
  n: number;
}

const pendingPerCell = 1024;

export class TalliedHistogram {
  private readonly cells: Cells<ObservationCell>;
  private readonly histogram: Histogram;

  constructor(opts: {
    name: string;
    help: string;
    labelNames: readonly string[];
    buckets: number[];
    registry: Registry;
  }) {
    const cells = (this.cells = new Cells(opts.labelNames, (labels) => ({
      labels,
      values: new Float64Array(pendingPerCell),
      n: 0,
    })));
    const flush = (histogram: Histogram, cell: ObservationCell) => {
      for (let i = 0; i < cell.n; i++) histogram.observe(cell.labels, cell.values[i]!);
      cell.n = 0;
    };
    this.histogram = new Histogram({
      name: opts.name,
      help: opts.help,
      labelNames: [...opts.labelNames],
      buckets: opts.buckets,
      registers: [opts.registry],
      collect() {
        for (const cell of cells.all) flush(this, cell);
      },
    });
    this.flush = (cell) => flush(this.histogram, cell);
  }

  private readonly flush: (cell: ObservationCell) => void;

  /** Records `value` under the label values; a full cell is handed over at once (every 1024 observations). */
  observe(value: number, a: string, b?: string): void {
    const cell = this.cells.get(a, b);
    if (cell.n === pendingPerCell) this.flush(cell);
    cell.values[cell.n++] = value;
  }
}
