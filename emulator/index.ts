/**
 * A local Gemini API that the unmodified @google/genai SDK drives through `httpOptions.baseUrl`, with signed webhook
 * deliveries, a controllable clock, fault injection and an inspection API. See docs/emulator.md.
 */
export * from './types';
export { startEmulator } from './start';
export { startCaptureListener, type CaptureListener, type CapturedRequest } from './capture-listener';
export { retryDelayMs, retryPolicy } from './delivery/retry-policy';
export { eventTypes, pingEventType, type EventType } from './events';
