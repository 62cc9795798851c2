// The routing workflows for a worker's bundle: the receiver starts them, the worker hosts them.
export { geminiMailbox } from './mailbox';
export { geminiDeadLetter } from './dead-letter';
