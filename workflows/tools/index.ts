// The workflow-safe side of the tool registry: specs, policies and schemas, no I/O.
export * from './define-tool';
export * from './catalog';
