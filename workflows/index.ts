// The worker's workflow bundle: every workflow type the worker hosts is exported here.
export { awaitGeminiEvent } from './await-event';
