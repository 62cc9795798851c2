// What every part of geminiflow shares (workflows, activities, receiver, client). Workflow-safe: no Node APIs, no I/O.
export * from './job-kinds';
export * from './events';
export * from './resources';
export * from './search-attributes';
export * from './ids';
export * from './jobs';
export * from './failures';
export * from './tools';
export * from './approvals';
export * from './models';
export * from './fan-out';
export * from './dead-letters';
export * from './mailbox';
