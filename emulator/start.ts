import type { EmulatorOptions, RunningEmulator } from './types';

export async function startEmulator(_opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  throw new Error('emulator: startEmulator is being built');
}
