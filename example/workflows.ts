// The example app's workflow bundle: its own workflows; GeminiflowPlugin adds geminiflow's.
export { agentWorkflow } from './agent';
export { answerQuestions } from './answer-questions';
export { researchBriefPipeline } from './research-brief-pipeline';
