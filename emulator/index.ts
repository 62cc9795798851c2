/**
 * A local Gemini API that the unmodified @google/genai SDK drives through `httpOptions.baseUrl`, with signed webhook
 * deliveries, a controllable clock, fault injection and an inspection API. See docs/emulator.md.
 */

export { type CapturedRequest, type CaptureListener, startCaptureListener } from './capture-listener';
export { retryDelayMs, retryPolicy } from './delivery/retry-policy';
export { optionsFromEnv as emulatorOptionsFromEnv } from './env-options';
export { type EventType, eventTypes, pingEventType } from './events';
export { startEmulator } from './start';
export * from './types';
