/** One line of an agent's conversation, as the `agentState` query and the result show it. */
export type TranscriptEntry =
  | { kind: 'user'; turn: number; text: string }
  | { kind: 'model'; turn: number; text: string; interactionId: string }
  | {
      kind: 'tool';
      turn: number;
      callId: string;
      tool: string;
      arguments: Record<string, unknown>;
      /** How the call was handled: run automatically, approved, denied, timed out, refused by policy, or bad input. */
      handling: 'auto' | 'approved' | 'denied' | 'timed_out' | 'refused' | 'invalid' | 'failed';
      result: unknown;
      isError: boolean;
    };

export interface TranscriptCarryOver {
  entries: TranscriptEntry[];
  /** Entries dropped to keep the transcript (and the continue-as-new input) bounded. */
  dropped: number;
}

/** The last `limit` entries of the conversation, plus a count of what was dropped before them. */
export class Transcript {
  private readonly entries: TranscriptEntry[];
  private dropped: number;

  constructor(
    private readonly limit: number,
    carried?: TranscriptCarryOver,
  ) {
    this.entries = [...(carried?.entries ?? [])];
    this.dropped = carried?.dropped ?? 0;
    this.trim();
  }

  add(entry: TranscriptEntry): void {
    this.entries.push(entry);
    this.trim();
  }

  view(): TranscriptCarryOver {
    return { entries: [...this.entries], dropped: this.dropped };
  }

  private trim(): void {
    const excess = this.entries.length - this.limit;
    if (excess > 0) {
      this.entries.splice(0, excess);
      this.dropped += excess;
    }
  }
}
