import type { GoogleGenAI } from '@google/genai';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { RunningEmulator } from '../../emulator';

/** What a scenario gets: the whole stack, running for real (Temporal dev server, emulator, receiver, worker). */
export interface RecordingContext {
  client: Client;
  /** The worker's (and the receiver's) task queue. */
  taskQueue: string;
  emulator: RunningEmulator;
  /** An SDK client on the emulator, for driving jobs from outside. */
  ai: GoogleGenAI;
  /** The receiver's webhook URL (events the emulator sends there reach the workflows). */
  receiverUrl: string;
  /** A fresh workflow id for this scenario. */
  workflowId: string;
}

/**
 * One recorded run of a workflow. `run` starts it, drives it (signals, updates, cancellation) and waits until it is
 * closed; the recorder then saves the history of every returned handle as test/histories/<name>[-<n>].json.
 */
export interface HistoryScenario {
  /** Also the file name: lowercase words joined by dashes, e.g. `deep-research-webhook`. */
  name: string;
  run(ctx: RecordingContext): Promise<WorkflowHandle | WorkflowHandle[]>;
}
