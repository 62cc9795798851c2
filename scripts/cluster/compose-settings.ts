import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { SetupError } from '../../common/errors';
import { projectRoot } from '../../common/paths';

const run = promisify(execFile);

interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string | null>;
  volumes?: { source?: string; target: string }[];
}

/**
 * What the local cluster takes from docker-compose.yml, as a real Compose implementation resolves it (anchors,
 * defaults, volume paths): the files and settings the compose stack ships are the ones under test, and a version bump
 * in docker-compose.yml is a version bump here.
 */
export interface ComposeSettings {
  /** Tag of the `temporal` service's temporalio/server image: the Go module version built here. */
  temporalVersion: string;
  /** Tag of the `postgresql` service's image (the local cluster uses the machine's PostgreSQL, whatever version). */
  postgresVersion: string;
  /** The `temporal` service's environment, container-only values (hosts, paths) still in it. */
  serverEnv: Record<string, string>;
  /** Host path of the dynamic config file the `temporal` service reads. */
  dynamicConfigFile: string;
  /** The `temporal-admin-tools` one-shot: its script (host path) and environment. */
  schemaSetup: { script: string; env: Record<string, string> };
  /** The `temporal-create-namespace` one-shot. */
  namespaceSetup: { script: string; env: Record<string, string> };
  /** The database user the `postgresql` service creates. */
  postgresUser: string;
}

/** The temporalio/server image's working directory, which relative paths in its environment start from. */
const serverImageWorkdir = '/etc/temporal';

function envOf(service: ComposeService): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, v ?? '']));
}

function tagOf(service: ComposeService, name: string): string {
  const tag = service.image?.split(':')[1];
  if (!tag) throw new SetupError(`docker-compose.yml: the ${name} service has no pinned image tag (${service.image})`);
  return tag;
}

/** Maps a path inside a service's container to the host file a bind mount puts there. */
function hostPath(service: ComposeService, name: string, containerPath: string): string {
  const mount = service.volumes?.find((v) => v.source && containerPath.startsWith(`${v.target}/`));
  if (!mount?.source)
    throw new SetupError(`docker-compose.yml: ${containerPath} of ${name} is not a mounted project file`);
  return path.join(mount.source, path.relative(mount.target, containerPath));
}

function oneShot(services: Record<string, ComposeService>, name: string) {
  const service = services[name];
  const script = service?.command?.[0];
  if (!script) throw new SetupError(`docker-compose.yml has no ${name} service with a script`);
  return { script: hostPath(service, name, script), env: envOf(service) };
}

/** Resolves docker-compose.yml with the project's Docker Compose (scripts/install-compose.sh builds it once). */
export async function composeSettings(vars: Record<string, string>): Promise<ComposeSettings> {
  const installed = await run('bash', [path.join(projectRoot, 'scripts', 'install-compose.sh')], {
    maxBuffer: 16 * 1024 * 1024,
  });
  const compose = installed.stdout.trim().split('\n').at(-1)!;
  const { stdout } = await run(compose, ['-f', 'docker-compose.yml', 'config', '--format', 'json'], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...vars },
    maxBuffer: 16 * 1024 * 1024,
  });
  const { services } = JSON.parse(stdout) as { services: Record<string, ComposeService> };
  const server = services.temporal;
  const postgres = services.postgresql;
  if (!server || !postgres) throw new SetupError('docker-compose.yml has no temporal or postgresql service');
  const serverEnv = envOf(server);
  const dynamicConfig = path.posix.resolve(serverImageWorkdir, serverEnv.DYNAMIC_CONFIG_FILE_PATH ?? '');
  return {
    temporalVersion: tagOf(server, 'temporal'),
    postgresVersion: tagOf(postgres, 'postgresql'),
    serverEnv,
    dynamicConfigFile: hostPath(server, 'temporal', dynamicConfig),
    schemaSetup: oneShot(services, 'temporal-admin-tools'),
    namespaceSetup: oneShot(services, 'temporal-create-namespace'),
    postgresUser: envOf(postgres).POSTGRES_USER || 'postgres',
  };
}
