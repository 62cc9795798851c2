import type { ActivityOptions } from '@temporalio/workflow';
import { GeminiflowFailure } from '../contract';

/**
 * How long each kind of activity may take and how it is retried, by name, so every call of the same kind behaves the
 * same. Only timeouts and retries live here; changing them does not change what a workflow schedules, so it needs no
 * patch.
 */
export const activityPolicies = {
  /** Creating a Gemini job: idempotent through heartbeat details (activities/create-once.ts). */
  createJob: {
    startToCloseTimeout: '2 minutes',
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
  },
  /** Cancelling a job; one that already ended counts as cancelled, so retrying is harmless. */
  cancelJob: { startToCloseTimeout: '1 minute', retry: { maximumAttempts: 10 } },
  /** Reading a job or its result. */
  readJob: { startToCloseTimeout: '1 minute', retry: { maximumAttempts: 10 } },
  /** The reconciliation backstop's status read: a failure only means "try again after the next quiet period". */
  statusRead: { startToCloseTimeout: '1 minute', retry: { maximumAttempts: 3, initialInterval: '2 seconds' } },
  /** Streaming a batch's input or output through a file: long, heartbeated, with permanent input errors. */
  transferFile: {
    startToCloseTimeout: '1 hour',
    heartbeatTimeout: '2 minutes',
    retry: {
      maximumAttempts: 5,
      nonRetryableErrorTypes: [GeminiflowFailure.badBatchInput, GeminiflowFailure.badBatchOutput],
    },
  },
  /** Cleaning up a file Gemini deletes after 48 h anyway. */
  deleteFile: { startToCloseTimeout: '1 minute', retry: { maximumAttempts: 3 } },
  /** A tool call: heartbeats every second, so a call on a crashed worker is retried within seconds, not minutes. */
  runTool: {
    startToCloseTimeout: '15 minutes',
    heartbeatTimeout: '5 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 5 },
  },
  /**
   * Telling people about a call that waits for them. Bounded (about 30 s in all, by when the workflow records the
   * failure in the approval log); the workflow never waits on it before it waits for the decision.
   */
  notify: {
    startToCloseTimeout: '15 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '8 seconds', maximumAttempts: 4 },
  },
  /** The mailbox's owner lookup: "not found yet" is an answer, so retries are only for Temporal being unreachable. */
  findOwner: {
    startToCloseTimeout: '10 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
  },
  /** A fan-out's plan or results in its store: small local writes and reads, each replacing the same file. */
  fanOutStore: { startToCloseTimeout: '2 minutes', retry: { initialInterval: '1 second', maximumAttempts: 5 } },
  /** Reading a setting of the worker (the price table): local and instant; retried only while no worker answers. */
  workerSetting: { startToCloseTimeout: '10 seconds', retry: { maximumInterval: '30 seconds' } },
  /** Recording a dead letter; idempotent per webhook-id. */
  recordDeadLetter: {
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
  },
} satisfies Record<string, ActivityOptions>;
