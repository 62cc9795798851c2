import fs from 'node:fs';

export interface GroupMember {
  pid: number;
  command: string;
}

/** The live processes of a process group (Linux: read from /proc; elsewhere none are found). */
export function groupMembers(pgid: number): GroupMember[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const members: GroupMember[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // After "pid (comm) ": state, ppid, pgrp, ...; comm may hold spaces and parentheses, so split after the last ')'.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) !== pgid || state === 'Z') continue;
      const command = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      members.push({ pid: Number(entry), command: command.slice(0, 160) });
    } catch {
      // It ended while we looked.
    }
  }
  return members;
}

export function killGroup(pgid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Nothing left in it.
  }
}

/** Waits up to `ms` for a group to empty (processes a file stopped as it ended may take a moment to go). */
export async function groupLeftovers(pgid: number, ms: number): Promise<GroupMember[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const members = groupMembers(pgid);
    if (!members.length || Date.now() > deadline) return members;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
