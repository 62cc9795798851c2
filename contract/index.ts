// What every part of geminiflow shares (workflows, activities, receiver, client). Workflow-safe: no Node APIs, no I/O.

export * from './approval-rules';
export * from './approvals';
export * from './budget';
export * from './dead-letters';
export * from './decision-checks';
export * from './events';
export * from './failures';
export * from './fan-out';
export * from './ids';
export * from './interaction-status';
export * from './job-kinds';
export * from './jobs';
export * from './mailbox';
export * from './models';
export * from './prices';
export * from './published-approvals';
export * from './resources';
export * from './search-attributes';
export * from './tools';
export * from './usage';
