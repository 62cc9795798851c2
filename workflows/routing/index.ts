// The routing workflows for a worker's bundle: the receiver starts them, the worker hosts them.

export { geminiDeadLetter } from './dead-letter';
export { geminiMailbox } from './mailbox';
