import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { projectRoot } from '../../common/paths';
import { agentWorkflow } from '../../example/agent';
import { type PendingApproval, pendingApprovalsQuery } from '../../workflows';
import { call, model } from './emulated-model';
import { eventually } from './eventually';
import { spawnWorkerProcess } from './processes';
import { testTmpDir } from './temporal';

/** An earlier release's sources (`git archive` of `commit`), outside the repository, sharing its node_modules. */
export function checkOutRelease(commit: string): string {
  const dir = path.join(testTmpDir(), 'old-code');
  fs.mkdirSync(dir);
  const tarball = path.join(dir, '..', 'old-code.tar');
  try {
    execFileSync('git', ['archive', '--format=tar', `--output=${tarball}`, commit], {
      cwd: projectRoot,
      stdio: 'pipe',
    });
  } catch (err) {
    throw new Error(`this test needs the git history with ${commit} (a full clone): ${(err as Error).message}`);
  }
  execFileSync('tar', ['-xf', tarball, '-C', dir]);
  fs.symlinkSync(path.join(projectRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

/** That release's worker entry point (`entry`, relative to its sources) as a process; it bundles its own workflows. */
export function startReleaseWorker(dir: string, entry: string, env: Record<string, string>) {
  return spawnWorkerProcess({ GEMINIFLOW_TEST_WORKFLOW_BUNDLE: '', ...env }, path.join(dir, entry), dir);
}

/** The run's pending calls, waiting long enough for a release's worker that bundles its workflows at start. */
export async function parkedCalls(handle: WorkflowHandle, count = 1): Promise<PendingApproval[]> {
  return eventually(
    async () => {
      const pending = await handle.query(pendingApprovalsQuery).catch(() => []);
      return pending.length >= count ? pending : undefined;
    },
    `a pending approval in ${handle.workflowId}`,
    240_000,
  );
}

/**
 * A conversation of the example agent parked by a release's worker on a `publish` call of `draft`, the worker then
 * gone: what a deploy finds in flight.
 */
export async function parkOnRelease(opts: {
  client: Client;
  taskQueue: string;
  workerEnv: Record<string, string>;
  commit: string;
  /** The release's worker entry point, relative to its sources. */
  entry: string;
  workflowId: string;
  draft: { title: string; body: string };
}): Promise<WorkflowHandle> {
  const worker = startReleaseWorker(checkOutRelease(opts.commit), opts.entry, {
    ...opts.workerEnv,
    TEMPORAL_TASK_QUEUE: opts.taskQueue,
  });
  try {
    const handle = await opts.client.workflow.start(agentWorkflow, {
      taskQueue: opts.taskQueue,
      workflowId: opts.workflowId,
      args: [
        { model, tools: ['publish'], idleTimeout: '10 minutes', message: `Publish. ${call('publish', opts.draft)}` },
      ],
    });
    await parkedCalls(handle);
    return handle;
  } finally {
    await worker.kill();
  }
}
