import { type ClosedCall, closedCallReason } from '../../contract';
import type { ClosedHow } from './open-call';

/** How a closed call is carried to the next run: `[callId, how, when, tool]` (earlier versions carry the first two). */
export type ClosedCarry = [callId: string, how: ClosedHow, at?: string, tool?: string];

const kept = 200;
const published = 20;

interface Closed {
  how: ClosedHow;
  at?: string;
  tool?: string;
}

/** How earlier calls ended, and when: so a late decision is refused with why, by the run and from its memo. */
export class ClosedCalls {
  private readonly calls: Map<string, Closed>;

  constructor(carried: ClosedCarry[] = []) {
    this.calls = new Map(carried.map(([id, how, at, tool]) => [id, { how, at, tool }]));
  }

  has(callId: string): boolean {
    return this.calls.has(callId);
  }

  /** Why a decision about this call is refused, when the call has closed. */
  reason(callId: string): string | undefined {
    const closed = this.calls.get(callId);
    if (closed?.at) return closedCallReason(callId, { status: closed.how, at: closed.at });
    if (closed?.how === 'timed_out') return `call ${callId} is no longer pending: it timed out`;
    return closed ? `call ${callId} was already ${closed.how}` : undefined;
  }

  close(callId: string, how: ClosedHow, at: string, tool: string): void {
    this.calls.delete(callId);
    this.calls.set(callId, { how, at, tool });
    if (this.calls.size > kept) this.calls.delete(this.calls.keys().next().value!);
  }

  /** The latest ones, for the memo. */
  latest(): ClosedCall[] {
    return [...this.calls.entries()]
      .filter(([, c]) => c.at !== undefined && c.tool !== undefined)
      .slice(-published)
      .map(([callId, c]) => ({ callId, tool: c.tool!, status: c.how, at: c.at! }));
  }

  carryOver(): ClosedCarry[] {
    return [...this.calls.entries()].map(([id, c]) => [id, c.how, c.at, c.tool]);
  }
}
