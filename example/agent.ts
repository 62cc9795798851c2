import { type AgentInput, type AgentResult, runAgent } from '../workflows';
import { toolCatalog } from './tools';

/** The agent of the example app, with the example tools (count_words, lookup_glossary, publish, send_email). */
export async function agentWorkflow(input: AgentInput): Promise<AgentResult> {
  return runAgent(input, toolCatalog);
}
