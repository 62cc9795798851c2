import type { Request } from 'express';

/**
 * Where a reviewer's groups come from: the console's configuration (`GEMINIFLOW_CONSOLE_GROUPS`, group=members), and,
 * behind an authenticating proxy, the groups header it sets (`GEMINIFLOW_CONSOLE_TRUSTED_GROUPS_HEADER`). The run
 * enforces a tool's approver groups against the groups the console sends with each decision.
 */
export interface ReviewerGroups {
  /** Reviewer name to the groups the configuration puts them in. */
  members: Record<string, string[]>;
  /** Lower-case name of the proxy's groups header (comma-separated groups), when enabled. */
  header?: string;
}

const name = /^[A-Za-z0-9_.@-]{1,64}$/;

/** `finance=ana,ben support=cy`: groups separated by spaces or `;`, members by commas. */
export function parseReviewerGroups(value: string): Record<string, string[]> {
  const members: Record<string, string[]> = {};
  for (const [i, entry] of value
    .split(/[\s;]+/)
    .filter(Boolean)
    .entries()) {
    const eq = entry.indexOf('=');
    const group = eq < 0 ? '' : entry.slice(0, eq);
    const reviewers = entry
      .slice(eq + 1)
      .split(',')
      .filter(Boolean);
    if (!name.test(group) || !reviewers.length || !reviewers.every((r) => name.test(r))) {
      throw new Error(`entry #${i + 1}: expected "group=reviewer[,reviewer...]" of letters, digits, _ . @ -`);
    }
    for (const reviewer of reviewers) (members[reviewer] ??= []).push(group);
  }
  return members;
}

/** The signed-in reviewer's groups: the configured ones, and those the trusted proxy's header names. */
export function groupsOf(groups: ReviewerGroups, req: Request, reviewer: string): string[] {
  const configured = Object.hasOwn(groups.members, reviewer) ? groups.members[reviewer]! : [];
  const fromProxy = groups.header
    ? (req.get(groups.header) ?? '')
        .split(',')
        .map((g) => g.trim())
        .filter(Boolean)
    : [];
  return [...new Set([...configured, ...fromProxy])];
}
