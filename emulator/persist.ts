import fs from 'node:fs';
import path from 'node:path';
import type { EmulatorCore } from './core';
import type { Interaction } from './interaction-record';

interface SavedState {
  version: 1;
  /** Emulator time at the save: a running job's remaining time is kept across the restart. */
  savedAt: number;
  interactions: Omit<Interaction, 'cancelTimer'>[];
}

/**
 * Writes what a restart must keep (`stateFile`, as `geminiflow dev` uses): every interaction, so a run that waits on
 * one, or continues a conversation from one (`previous_interaction_id`), carries on after the emulator restarts. A
 * job still running finishes after the restart, its remaining time unchanged. Batches, files and registered webhooks
 * are not kept. Written to a temporary file, then renamed, so a crash mid-write leaves the previous state.
 */
export function saveEmulatorState(core: EmulatorCore, file: string): void {
  const state: SavedState = {
    version: 1,
    savedAt: core.clock.now(),
    interactions: core.interactions.all().map(({ cancelTimer: _, ...it }) => it),
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify(state), { mode: 0o600 });
  fs.renameSync(temporary, file);
}

/** Takes back a saved state, if there is one; returns how many interactions it held. */
export function loadEmulatorState(core: EmulatorCore, file: string): number {
  if (!fs.existsSync(file)) return 0;
  const state = JSON.parse(fs.readFileSync(file, 'utf8')) as SavedState;
  if (state.version !== 1) return 0;
  const shift = core.clock.now() - state.savedAt;
  for (const it of state.interactions) {
    core.interactions.adopt({
      ...it,
      ...(it.pending ? { pending: { ...it.pending, due: it.pending.due + shift } } : {}),
    });
  }
  return state.interactions.length;
}
