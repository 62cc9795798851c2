/**
 * geminiflow/testing: run geminiflow locally and in your own tests: the Gemini emulator (the unmodified SDK talks to it
 * through its base URL), a Temporal dev server, and the whole stack in one call. Its exports are listed one by one and
 * recorded in docs/api/testing.api.md.
 *
 * @packageDocumentation
 */

export { type CapturedRequest, type CaptureListener, startCaptureListener } from '../emulator/capture-listener';
export { optionsFromEnv as emulatorOptionsFromEnv } from '../emulator/env-options';
export { startEmulator } from '../emulator/start';
export type {
  ActiveFault,
  ApiFault,
  AttemptOutcome,
  BatchRule,
  BatchRuleMatch,
  CallCount,
  ClockState,
  DeliveryAttempt,
  DeliveryFault,
  DeliveryFaultMatch,
  DeliveryFilter,
  DeliveryRecord,
  DeliveryStatus,
  DynamicSigning,
  EmittedEvent,
  EmulatorControl,
  EmulatorOptions,
  InteractionRule,
  InteractionRuleMatch,
  JobDurations,
  RateLimit,
  RateLimitState,
  RunningEmulator,
  ScriptedFunctionCall,
  ScriptedTurn,
  SigningScheme,
  StatusEvents,
  StatusPhase,
  UserMetadataPlacement,
  VideoCompletionEvents,
  WebhookTimestampClock,
} from '../emulator/types';
export { connectOrStartDevServer, type DevServer, type DevServerOptions, startDevServer } from './dev-server';
export { type LocalStack, type LocalStackOptions, type LocalWorkerOptions, startLocalStack } from './local-stack';
export { resolveTemporalCli, type TemporalCli, type TemporalCliSource, temporalCliHome } from './temporal-cli';
