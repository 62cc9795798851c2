/** One line of an agent's conversation, as the `agentState` query and the result show it. */
export type TranscriptEntry =
  | { kind: 'user'; turn: number; text: string }
  | { kind: 'model'; turn: number; text: string; interactionId: string }
  | {
      kind: 'tool';
      turn: number;
      callId: string;
      tool: string;
      /** What the tool ran with: the model's arguments, or a person's edit of them. */
      arguments: Record<string, unknown>;
      /** When a person edited the arguments: what the model proposed. */
      argumentsProposed?: Record<string, unknown>;
      /**
       * How the call was handled: run automatically; approved, edited, denied or answered by a person; timed out
       * (refused) or approved on timeout; refused by policy; bad input; or the tool failed.
       */
      handling:
        | 'auto'
        | 'approved'
        | 'edited'
        | 'denied'
        | 'answered'
        | 'timed_out'
        | 'approved_on_timeout'
        | 'refused'
        | 'invalid'
        | 'failed';
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
