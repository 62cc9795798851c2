import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SetupError } from '../common/errors';

/** The shortest secret accepted: iron, which seals the session cookie, derives its keys from at least 32 characters. */
export const minSecretLength = 32;

/**
 * The secrets that seal session cookies. The first seals; every one unseals, so a new secret can be put first while
 * the old one still opens the sessions it sealed. Kept out of JSON and inspection, so a logged config shows no secret.
 */
export class SessionSecrets {
  readonly #secrets: readonly string[];

  constructor(
    secrets: string[],
    /** Where they came from, for the start-up line: the variable's name, or the file. */
    readonly source: string,
  ) {
    if (secrets.length === 0) throw new SetupError('no console session secret');
    this.#secrets = secrets;
  }

  /** Each secret with a stable id (a digest of it), so a sealed cookie names the secret that opens it. */
  get keys(): { id: string; secret: string }[] {
    return this.#secrets.map((secret) => ({
      id: createHash('sha256').update(secret).digest('hex').slice(0, 12),
      secret,
    }));
  }

  toJSON() {
    return { source: this.source, count: this.#secrets.length };
  }

  [Symbol.for('nodejs.util.inspect.custom')]() {
    return `SessionSecrets(${this.#secrets.length} from ${this.source})`;
  }
}

/** Where a secret made for local use is kept: the user's state folder, outside any project. */
export function defaultSecretFile(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    process.platform === 'darwin'
      ? path.join(os.homedir(), 'Library', 'Application Support')
      : env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'geminiflow', 'console-session-secret');
}

/** `a, b` or `a b`: the first seals, all unseal. Errors name the position, never a value. */
export function parseSecrets(value: string, name: string): string[] {
  const secrets = value.split(/[\s,]+/).filter(Boolean);
  secrets.forEach((s, i) => {
    if (s.length < minSecretLength)
      throw new SetupError(
        `${name}: secret #${i + 1} is shorter than ${minSecretLength} characters (make one with: openssl rand -base64 32)`,
      );
  });
  return secrets;
}

/**
 * The secrets in `file`, made there (mode 0600) when it does not exist yet. Several processes starting at once agree:
 * the new secret is written to a file of its own and linked into place, which fails if another process got there
 * first, and then that one's secret is read.
 */
export function secretsFromFile(file: string, name: string): { secrets: string[]; generated: boolean } {
  const read = () => parseSecrets(fs.readFileSync(file, 'utf8'), `${name} (${file})`);
  if (fs.existsSync(file)) return { secrets: read(), generated: false };
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    fs.writeFileSync(draft, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    try {
      fs.linkSync(draft, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return { secrets: read(), generated: false };
    } finally {
      fs.rmSync(draft, { force: true });
    }
  } catch (err) {
    if (err instanceof SetupError) throw err;
    throw new SetupError(
      `cannot keep a console session secret in ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}): set GEMINIFLOW_CONSOLE_SESSION_SECRET, or ${name} to a file the console may write`,
    );
  }
  return { secrets: read(), generated: true };
}
