import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { SetupError } from '../../common/errors';
import { isPortFree, waitForTemporal } from '../../testing/dev-server';

/**
 * The ports of one node: every service of a Temporal server (frontend, history, matching, worker) has a gRPC port and
 * a membership port, so two nodes on one host need distinct ones. The variables are those of the temporalio/server
 * image's embedded configuration template, which `temporal-server start` renders from the environment.
 */
export type NodePorts = Record<(typeof portVariables)[number], number>;

const portVariables = [
  'FRONTEND_GRPC_PORT',
  'FRONTEND_HTTP_PORT',
  'FRONTEND_MEMBERSHIP_PORT',
  'HISTORY_GRPC_PORT',
  'HISTORY_MEMBERSHIP_PORT',
  'MATCHING_GRPC_PORT',
  'MATCHING_MEMBERSHIP_PORT',
  'WORKER_GRPC_PORT',
  'WORKER_MEMBERSHIP_PORT',
] as const;

export interface NodeState {
  name: string;
  ports: NodePorts;
  log: string;
  pid?: number;
}

/**
 * Free ports below 32768: Temporal's SQL schema keeps a member's port in a smallint (cluster_membership.rpc_port), so
 * a node on a port from Linux's ephemeral range (32768 and up, what port 0 gives) fails to join the ring.
 */
export async function allocateNodePorts(): Promise<NodePorts> {
  const ports: Partial<NodePorts> = {};
  const taken = new Set<number>();
  for (const name of portVariables) {
    for (;;) {
      const port = 10_000 + Math.floor(Math.random() * 22_000);
      if (!taken.has(port) && (await isPortFree(port))) {
        taken.add(port);
        ports[name] = port;
        break;
      }
    }
  }
  return ports as NodePorts;
}

export const frontendAddress = (node: NodeState) => `127.0.0.1:${node.ports.FRONTEND_GRPC_PORT}`;

/** Whether the process runs (a zombie, killed but not yet reaped by a parent that has exited, does not). */
export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return true;
  }
}

function tail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').slice(-3000);
  } catch {
    return '';
  }
}

/**
 * Starts `temporal-server start` as the image's entrypoint does, detached (it outlives this process, like a service),
 * with the compose service's environment plus this node's ports; resolves once its frontend answers an RPC.
 */
export async function startNode(serverBin: string, env: Record<string, string>, node: NodeState): Promise<number> {
  const out = fs.openSync(node.log, 'a');
  const child = spawn(serverBin, ['start'], {
    env: { ...env, ...Object.fromEntries(Object.entries(node.ports).map(([k, v]) => [k, String(v)])) },
    detached: true,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  child.unref();
  const pid = child.pid;
  if (!pid) throw new SetupError(`could not start ${serverBin}`);
  let exit: string | undefined;
  child.once(
    'exit',
    (code, signal) => (exit = `${node.name} exited (${code ?? signal}) during start-up:\n${tail(node.log)}`),
  );
  await waitForTemporal(frontendAddress(node), 120_000, () => exit).catch((err) => {
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    throw err;
  });
  return pid;
}

async function waitUntilGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/** SIGKILL, as a crashed machine would go; resolves once the process is gone. */
export async function killNode(node: NodeState): Promise<void> {
  if (!isAlive(node.pid)) return;
  process.kill(node.pid!, 'SIGKILL');
  await waitUntilGone(node.pid!, 10_000);
}

/** SIGTERM (the server leaves the membership ring and hands its shards over), SIGKILL if it lingers. */
export async function stopNode(node: NodeState): Promise<void> {
  if (!isAlive(node.pid)) return;
  process.kill(node.pid!, 'SIGTERM');
  if (!(await waitUntilGone(node.pid!, 30_000))) await killNode(node);
}
