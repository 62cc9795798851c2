/**
 * `npx tsx bench/profile-receiver.ts [deliveries]`: where the receiver's CPU per delivery goes. Runs the receiver
 * process under `node --cpu-prof`, sends it signed `v1` deliveries at concurrency 16 for parked runs, stops it so the
 * profile is written, and prints self time by package (HTTP framework, logging, metrics, Temporal client, crypto...)
 * and the heaviest functions. The .cpuprofile is kept for Chrome DevTools / speedscope.
 */

import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startBenchStack } from './support/bench-stack';
import { measure, post } from './support/load';
import { startParked } from './support/parked';
import { cpuMsByThread } from './support/processes';
import { runMain } from './support/stack';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

/** Groups a frame by what owns it: an npm package, a project folder, Node itself, or V8 (GC, idle, program). */
function ownerOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? `v8 ${fn}` : 'native';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:'))
    return url
      .replace(/^node:(internal\/)?/, 'node:')
      .split('/')
      .slice(0, 2)
      .join('/');
  const project = /\/(receiver|common|workflows|activities|emulator)\//.exec(url);
  return project ? `project ${project[1]}/` : url;
}

runMain(async () => {
  const deliveries = Number(process.argv[2] ?? 3000);
  let loadUs = 0;
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'geminiflow-receiver-profile-'));
  const stack = await startBenchStack({ receiverNodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir] });
  try {
    const taskQueue = `bench-profile-${randomUUID()}`;
    const worker = await stack.startWorker({ taskQueue });
    const { runs } = await startParked(stack, taskQueue, 16, 'profile');
    await worker.stop();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const url = new URL(stack.receiverUrl);
    const signed = Array.from({ length: deliveries }, (_, i) =>
      stack.signer.sign(
        'v1',
        JSON.stringify({
          type: 'interaction.completed',
          version: 'v1',
          timestamp: new Date().toISOString(),
          data: { id: runs[i % 16]!.resourceId, user_metadata: { temporal_workflow_id: runs[i % 16]!.workflowId } },
        }),
      ),
    );
    const threadsBefore = cpuMsByThread(stack.receiver.pid);
    const loadStarted = performance.now();
    const phase = await measure(
      16,
      deliveries,
      async (i) => (await post(agent, url, signed[i]!.headers, signed[i]!.body)) === 200 || 'refused',
      [stack.receiver.pid],
    );
    loadUs = (performance.now() - loadStarted) * 1000;
    const threadsAfter = cpuMsByThread(stack.receiver.pid);
    agent.destroy();
    process.stdout.write(
      `${deliveries} deliveries: ${phase.perSec.toFixed(0)}/s, receiver CPU ${phase.cpu[0]?.toFixed(3)} ms per delivery, ${phase.failures} refused\n`,
    );
    process.stdout.write('receiver CPU per delivery by thread (ms):\n');
    for (const [name, after] of [...threadsAfter].sort((a, b) => b[1] - a[1])) {
      const perDelivery = (after - (threadsBefore.get(name) ?? 0)) / deliveries;
      if (perDelivery >= 0.005) process.stdout.write(`  ${perDelivery.toFixed(3).padStart(7)}  ${name}\n`);
    }
    await stack.receiver.stop(); // a clean exit writes the profile
  } finally {
    await stack.stop();
  }
  const file = fs.readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('the receiver wrote no profile');
  const profile = JSON.parse(fs.readFileSync(path.join(profileDir, file), 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
    startTime: number;
    endTime: number;
  };
  // Only the samples of the load (its last part, before the stop): start-up compiles and loads modules.
  let at = profile.startTime;
  const sampleTimes = profile.timeDeltas.map((d) => (at += d));
  const windowStart = profile.endTime - loadUs - 1_000_000;
  profile.samples = profile.samples.filter((_, i) => sampleTimes[i]! >= windowStart);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const hits = new Map<number, number>();
  for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  const total = profile.samples.length;
  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, count] of hits) {
    const { callFrame } = byId.get(id)!;
    const owner = ownerOf(callFrame.url, callFrame.functionName);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + count);
    const fn = `${callFrame.functionName || '(anonymous)'} ${owner} :${callFrame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + count);
  }
  // Inclusive: a sample counts once for every owner on its stack (what calling into that package costs in all).
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  for (const [id, count] of hits) {
    const owners = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const { callFrame } = byId.get(at)!;
      if (callFrame.url) owners.add(ownerOf(callFrame.url, callFrame.functionName));
    }
    for (const o of owners) inclusive.set(o, (inclusive.get(o) ?? 0) + count);
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `  ${((100 * v) / total).toFixed(1).padStart(5)} %  ${k}`);
  process.stdout.write(
    [
      `main thread self time by owner (${total} samples over the last ${((profile.endTime - windowStart) / 1e6).toFixed(1)} s):`,
      ...top(byOwner, 25),
      '',
      'inclusive time by owner:',
      ...top(inclusive, 25),
      '',
      'heaviest functions (self):',
      ...top(byFunction, 30),
      '',
      `profile: ${path.join(profileDir, file)}`,
      '',
    ].join('\n'),
  );
});
