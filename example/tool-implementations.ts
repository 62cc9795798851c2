import { implementTools, ToolError } from '../worker';
import { publishDir, publishOnce } from './publish-outbox';
import { toolCatalog } from './tools';

const glossary: Record<string, string> = {
  'durable execution': 'Code whose progress survives process crashes because every step is recorded and replayed.',
  webhook: 'An HTTP request a service sends to tell you that something happened, instead of you polling for it.',
  'deep research': 'A Gemini agent that plans, searches and reads for minutes, then writes a sourced report.',
};

/** The I/O half of the example tools; `send_email` is refused by policy and needs none. */
export function exampleTools(options: { publishDir?: string } = {}) {
  const dir = options.publishDir ?? publishDir();
  return implementTools(toolCatalog, {
    async count_words({ text }) {
      return { words: text.split(/\s+/).filter(Boolean).length };
    },
    async lookup_glossary({ term }) {
      const key = term.trim().toLowerCase();
      const definition = Object.hasOwn(glossary, key) ? glossary[key] : undefined;
      if (!definition) throw new ToolError(`no glossary entry for "${term}"`);
      return { term, definition };
    },
    async publish({ title, body }, { idempotencyKey }) {
      const { publication } = publishOnce(dir, idempotencyKey, { title, body });
      return { published: true, id: publication.id, title: publication.title };
    },
  });
}
