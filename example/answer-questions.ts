import {
  type Budget,
  type FanOutFailurePolicy,
  type FanOutResult,
  fanOut,
  generateText,
  job,
  type TextResult,
  trackGeminiUsage,
  type WaitSettings,
} from '../workflows';

export interface AnswerQuestionsInput {
  /** The questions, or `count` of them made from a template (`{i}` becomes 0 … count-1). */
  questions: string[] | { template: string; count: number };
  model?: string;
  /** Questions in flight at once (default 50). */
  concurrency?: number;
  onFailure?: FanOutFailurePolicy;
  itemsPerRun?: number;
  inlineResultLimitBytes?: number;
  wait?: WaitSettings;
  /** A budget for all the questions' jobs together. */
  budget?: Budget;
}

/**
 * A fan-out pipeline: every question becomes its own Gemini job (`generateText`, a background interaction waited for
 * by webhook), a window of them at a time, and the answers come back in question order.
 */
export async function answerQuestions(input: AnswerQuestionsInput): Promise<FanOutResult<TextResult>> {
  const { questions, model, wait, concurrency, onFailure, itemsPerRun, inlineResultLimitBytes } = input;
  const usage = trackGeminiUsage(input.budget);
  const list = Array.isArray(questions)
    ? questions
    : Array.from({ length: questions.count }, (_, i) => questions.template.replaceAll('{i}', String(i)));
  return fanOut(
    list,
    (question, i) => ({
      ...job(generateText, { prompt: question, ...(model ? { model } : {}), ...(wait ? { wait } : {}) }),
      label: `q${i + 1}`,
    }),
    { name: 'answers', concurrency, onFailure, itemsPerRun, inlineResultLimitBytes, usage },
  );
}
