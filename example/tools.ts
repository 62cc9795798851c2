import { z } from 'zod';
import { defineTool, toolRegistry } from '../workflows';

// The example app's tools, workflow-safe half; their implementations are in example/tool-implementations.ts.

export const countWords = defineTool({
  name: 'count_words',
  description: 'Counts the words in a text. Use it to check a draft against a length limit.',
  schema: z.object({ text: z.string().describe('The text to count') }),
  policy: 'auto',
});

export const lookupGlossary = defineTool({
  name: 'lookup_glossary',
  description: 'Looks up the house definition of a term, so the brief uses terms consistently.',
  schema: z.object({ term: z.string().min(1).describe('The term to define') }),
  policy: 'auto',
});

export const publish = defineTool({
  name: 'publish',
  description: 'Publishes a finished document to the team channel. A person must approve every publication.',
  schema: z.object({
    title: z.string().min(1).max(200).describe('Headline of the document'),
    body: z.string().min(1).describe('The document, in markdown'),
  }),
  policy: 'approval',
  note: 'Publishing is visible to the whole team and cannot be undone.',
  // An editor may fix the headline or the text rather than send the model back; nobody answers in its place.
  decisions: ['approve', 'edit', 'deny'],
  // Half-way to the agent's approval timeout, the approvers are reminded once.
  remindAfter: 0.5,
});

export const sendEmail = defineTool({
  name: 'send_email',
  description: 'Sends an email to an address outside the company.',
  schema: z.object({ to: z.string().email(), subject: z.string(), body: z.string() }),
  policy: 'refuse',
  note: 'Outbound email is disabled for agents in this deployment; publish to the team channel instead.',
});

/** Every tool the worker can run, by the name the model calls it with. */
export const toolCatalog = toolRegistry(countWords, lookupGlossary, publish, sendEmail);

export type ToolName = keyof typeof toolCatalog;
