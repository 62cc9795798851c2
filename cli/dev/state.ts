import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DevPorts } from './ports';

/** What `geminiflow dev` remembers between its runs (in `.geminiflow/dev.json`, readable by its owner only). */
export interface Remembered {
  /** The routing key the worker mints with and the receiver checks: jobs of runs made before a restart still route. */
  routingKeys: string;
  /** The ports chosen last time by `--ports auto`, taken again while they are free. */
  ports?: Partial<DevPorts>;
}

/** The project's `.geminiflow/` folder: the dev server's database, the emulator's state, what dev chose last time. */
export interface DevState {
  dir: string;
  temporalDb: string;
  temporalLog: string;
  emulatorState: string;
  remembered: Remembered;
  remember(update: Partial<Remembered>): void;
}

const ignoreEverything =
  '# geminiflow dev: the local Temporal database, the emulator state and a routing key. Never commit it.\n*\n';

export function openDevState(dir: string): DevState {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const gitignore = path.join(dir, '.gitignore');
  if (!fs.existsSync(gitignore)) fs.writeFileSync(gitignore, ignoreEverything);
  const file = path.join(dir, 'dev.json');
  let remembered: Remembered | undefined;
  try {
    remembered = JSON.parse(fs.readFileSync(file, 'utf8')) as Remembered;
  } catch {
    // First run, or a file someone broke: start afresh (runs keep their data in the database).
  }
  if (!remembered?.routingKeys) remembered = { routingKeys: `dev:${randomBytes(32).toString('base64')}` };
  const write = (r: Remembered) => fs.writeFileSync(file, `${JSON.stringify(r, null, 2)}\n`, { mode: 0o600 });
  write(remembered);
  const state: DevState = {
    dir,
    temporalDb: path.join(dir, 'temporal.db'),
    temporalLog: path.join(dir, 'temporal.log'),
    emulatorState: path.join(dir, 'emulator.json'),
    remembered,
    remember(update) {
      state.remembered = { ...state.remembered, ...update };
      write(state.remembered);
    },
  };
  return state;
}
