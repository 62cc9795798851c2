import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { SetupError } from '../../common/errors';
import { projectRoot } from '../../common/paths';

const run = promisify(execFile);

/** A PostgreSQL server of the local cluster, in its own data folder, on loopback only. */
export interface PostgresSettings {
  /** Its folder: data/, the log and the password file live there. */
  dir: string;
  port: number;
  /** The database superuser, as the compose stack's postgres image creates it. */
  user: string;
  password: string;
}

/** Installs PostgreSQL when the machine has none (scripts/cluster/install-postgres.sh) and returns its bin folder. */
export async function postgresBin(): Promise<string> {
  const { stdout } = await run('bash', [path.join(projectRoot, 'scripts', 'cluster', 'install-postgres.sh')], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout.trim().split('\n').at(-1)!;
}

/**
 * PostgreSQL refuses to run as root, so as root it runs as an unprivileged account: the `postgres` user Debian's
 * package creates, else `nobody`.
 */
function unprivilegedUser(): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  return /^postgres:/m.test(fs.readFileSync('/etc/passwd', 'utf8')) ? 'postgres' : 'nobody';
}

function asServerUser(bin: string, program: string, args: string[]): [string, string[]] {
  const user = unprivilegedUser();
  const file = path.join(bin, program);
  return user ? ['runuser', ['-u', user, '--', file, ...args]] : [file, args];
}

function chownToServerUser(target: string): void {
  const user = unprivilegedUser();
  if (!user) return;
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${user}:`));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined) throw new SetupError(`no user ${user} to run PostgreSQL as`);
  for (const p of [target, ...fs.readdirSync(target).map((f) => path.join(target, f))]) {
    fs.chownSync(p, Number(uid), Number(gid));
  }
}

const dataDir = (pg: PostgresSettings) => path.join(pg.dir, 'data');

/** Creates the data folder once (initdb with password authentication, as the postgres image does). Idempotent. */
async function initialise(bin: string, pg: PostgresSettings): Promise<void> {
  if (fs.existsSync(path.join(dataDir(pg), 'PG_VERSION'))) return;
  fs.mkdirSync(pg.dir, { recursive: true, mode: 0o700 });
  const pwfile = path.join(pg.dir, 'initdb-password');
  fs.writeFileSync(pwfile, `${pg.password}\n`, { mode: 0o600 });
  chownToServerUser(pg.dir);
  try {
    const [file, args] = asServerUser(bin, 'initdb', [
      '-D',
      dataDir(pg),
      '-U',
      pg.user,
      `--pwfile=${pwfile}`,
      '--auth=scram-sha-256',
      '-E',
      'UTF8',
      '--no-instructions',
    ]);
    await run(file, args, { maxBuffer: 16 * 1024 * 1024 });
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
}

export async function postgresRunning(bin: string, pg: PostgresSettings): Promise<boolean> {
  if (!fs.existsSync(dataDir(pg))) return false;
  const [file, args] = asServerUser(bin, 'pg_ctl', ['status', '-D', dataDir(pg)]);
  return run(file, args).then(
    () => true,
    () => false,
  );
}

/** Initialises (once) and starts the server on 127.0.0.1:port; a running one is left as it is. */
export async function startPostgres(bin: string, pg: PostgresSettings): Promise<void> {
  await initialise(bin, pg);
  if (await postgresRunning(bin, pg)) return;
  // Its socket lives in its own folder, so it needs nothing of /var/run and meets no other PostgreSQL.
  const options = `-p ${pg.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dataDir(pg)}`;
  const [file, args] = asServerUser(bin, 'pg_ctl', [
    'start',
    '-w',
    '-t',
    '120',
    '-D',
    dataDir(pg),
    '-l',
    path.join(pg.dir, 'postgres.log'),
    '-o',
    options,
  ]);
  try {
    await run(file, args, { maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const log = fs.existsSync(path.join(pg.dir, 'postgres.log'))
      ? fs.readFileSync(path.join(pg.dir, 'postgres.log'), 'utf8')
      : '';
    throw new SetupError(`PostgreSQL did not start: ${(err as Error).message}\n${log.slice(-2000)}`);
  }
}

export async function stopPostgres(bin: string, pg: PostgresSettings): Promise<void> {
  if (!(await postgresRunning(bin, pg))) return;
  const [file, args] = asServerUser(bin, 'pg_ctl', ['stop', '-w', '-m', 'fast', '-D', dataDir(pg)]);
  await run(file, args);
}
