import { Worker } from 'node:worker_threads';
import { type DynamicSigning, GoogleGenAI, startEmulator } from '../support/stack';
import { type PartResult, round, verdict } from '../support/stats';

/**
 * An extra part: signed webhook deliveries per second from the emulator to a fast local listener, per signing scheme,
 * so the emulator is known not to be the bottleneck of the other parts. A fixed number of events per scheme (a quarter
 * of it for jwt, bounded by RS256 signing) and a time limit each.
 */
const timeLimitMs = 60_000;
const target = 2_000;

/**
 * The listener runs on its own thread, as a separate receiver would, so the figure is the emulator's: its event loop
 * does the signing and sending and nothing else. It answers 204 and counts.
 */
const listenerSource = `
const { parentPort } = require('node:worker_threads');
const http = require('node:http');
let count = 0;
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => { res.statusCode = 204; res.end(); count++; });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (m) => { if (m === 'count') parentPort.postMessage({ count }); });
`;

async function startListenerThread(): Promise<{ url: string; count(): Promise<number>; stop(): Promise<void> }> {
  const worker = new Worker(listenerSource, { eval: true });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', (m: { port: number }) => resolve(m.port));
    worker.once('error', reject);
  });
  return {
    url: `http://127.0.0.1:${port}/hook`,
    count: () =>
      new Promise((resolve) => {
        worker.once('message', (m: { count: number }) => resolve(m.count));
        worker.postMessage('count');
      }),
    stop: async () => {
      await worker.terminate();
    },
  };
}

async function measure(scheme: 'v1' | DynamicSigning, count: number): Promise<number> {
  const emu = await startEmulator({ dynamicSigning: scheme === 'v1' ? 'v1a' : scheme });
  const listener = await startListenerThread();
  try {
    const uris = scheme === 'v1' ? undefined : [listener.url];
    if (scheme === 'v1') {
      // Registered through the real SDK, as a user would.
      const ai = new GoogleGenAI({ apiKey: 'bench', httpOptions: { baseUrl: emu.baseUrl } });
      await ai.webhooks.create({ uri: listener.url, subscribed_events: ['interaction.completed'] });
    }
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      emu.control.emitEvent({ type: 'interaction.completed', data: { id: `v1_bench${i}` }, uris });
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      emu.control.idle(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${scheme}: not done within ${timeLimitMs} ms`)), timeLimitMs);
      }),
    ]).finally(() => clearTimeout(timer));
    const seconds = (performance.now() - started) / 1000;
    const delivered = emu.control.inspect.deliveries({ status: 'delivered' }).length;
    const received = await listener.count();
    if (delivered !== count || received !== count) {
      throw new Error(`${scheme}: ${delivered} delivered, ${received} received, of ${count}`);
    }
    return count / seconds;
  } finally {
    await listener.stop();
    await emu.stop();
  }
}

export async function emulatorDeliveriesPart(events: number): Promise<PartResult> {
  const results: Record<string, number> = {};
  for (const [scheme, count] of [
    ['v1', events],
    ['v1a', events],
    ['jwt', Math.ceil(events / 4)],
  ] as const) {
    results[`${scheme}_per_s`] = round(await measure(scheme, count), 0);
  }
  return {
    key: 'emulator',
    figures: { events, ...results },
    rows: (['v1', 'v1a', 'jwt'] as const).map((scheme) => ({
      part: 'emulator',
      figure: `signed deliveries/s to a local listener, ${scheme}`,
      value: `${results[`${scheme}_per_s`]}/s`,
      target: scheme === 'jwt' ? '' : `>= ${target}/s`,
      verdict: scheme === 'jwt' ? '' : verdict(results[`${scheme}_per_s`]! >= target),
    })),
  };
}
