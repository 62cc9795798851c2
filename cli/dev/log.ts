import fs from 'node:fs';
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import pino, { type Logger } from 'pino';

const levels: Record<number, string> = { 10: 'trace', 20: 'debug', 30: '', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const plainFields = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'component']);

/** A pino JSON line as a person reads it: `WARN message key=value ...`; any other line as it is. */
export function readableLine(raw: string): string {
  if (!raw.startsWith('{')) return raw;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return raw;
  }
  if (typeof entry.level !== 'number' || typeof entry.msg !== 'string') return raw;
  const extras = Object.entries(entry)
    .filter(([key]) => !plainFields.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return [levels[entry.level] ?? '', entry.msg, ...extras].filter(Boolean).join(' ');
}

/**
 * One log for every part `geminiflow dev` runs, interleaved as it happens, each line labelled with its part:
 * `worker   | ...`. In-process parts log through `logger(label)`, processes through `follow`.
 */
export class DevLog {
  private readonly width = 8;

  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {}

  line(label: string, text: string): void {
    for (const part of text.split('\n')) this.out.write(`${label.padEnd(this.width)} | ${part}\n`);
  }

  /** A pino logger whose lines come out labelled and readable. */
  logger(label: string): Logger {
    return pino(
      { level: process.env.LOG_LEVEL ?? 'info' },
      { write: (raw: string) => this.line(label, readableLine(raw.trimEnd())) },
    );
  }

  /** Each line a process writes. */
  follow(label: string, stream: Readable): void {
    readline.createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (raw) => {
      this.line(label, readableLine(raw));
    });
  }

  /** Lines appended to a file (the Temporal server's own log) from now on; returns the stop. */
  tail(label: string, file: string, everyMs = 500): () => void {
    let offset = fs.existsSync(file) ? fs.statSync(file).size : 0;
    let partial = '';
    const timer = setInterval(() => {
      let size: number;
      try {
        size = fs.statSync(file).size;
      } catch {
        return;
      }
      if (size < offset) offset = 0;
      if (size === offset) return;
      const fd = fs.openSync(file, 'r');
      const chunk = Buffer.alloc(size - offset);
      fs.readSync(fd, chunk, 0, chunk.length, offset);
      fs.closeSync(fd);
      offset = size;
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const raw of lines) if (raw.trim()) this.line(label, readableLine(raw));
    }, everyMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}
