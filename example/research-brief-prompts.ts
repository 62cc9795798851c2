import type {
  AgentResult,
  BatchResult,
  DeepResearchResult,
  FanOutResult,
  ReportSource,
  TextResult,
} from '../workflows';

/** Follow-up questions about a report: one per section heading, then general angles if the report has few sections. */
export function followUpQuestions(report: DeepResearchResult, count: number): { key: string; text: string }[] {
  const headings = [...report.markdown.matchAll(/^#{2,3}\s+(.+?)\s*$/gm)]
    .map((m) => m[1]!.replace(/^\d+[.)]\s*/, ''))
    .filter((h) => !/^(sources|references|bibliography)$/i.test(h));
  const angles = [...headings, 'the main risks', 'the costs', 'the recommended next steps'];
  // A short report still yields `count` distinct questions.
  while (angles.length < count) angles.push(`open question ${angles.length + 1}`);
  return angles.slice(0, count).map((angle, i) => ({
    key: `q${i + 1}`,
    text: `About "${report.topic}": in three sentences, what should a decision-maker know about ${angle}?`,
  }));
}

const maxReportChars = 20_000;

/** What the source-notes stage asks about one source of the report. */
export function sourceNotePrompt(report: DeepResearchResult, source: ReportSource): string {
  return `About "${report.topic}": in two sentences, what does the source ${source.title ? `"${source.title}" ` : ''}(${source.url}) add?`;
}

/** The agent's instructions for the final brief, with the research, source notes and follow-up answers to draw on. */
export function briefRequest(
  report: DeepResearchResult,
  followUps: BatchResult,
  sourceNotes?: FanOutResult<TextResult>,
): string {
  const answers =
    followUps.state === 'succeeded'
      ? Object.entries(followUps.results).map(
          ([key, r]) => `- ${key}: ${r.ok ? r.text : `(no answer: ${r.error.message})`}`,
        )
      : [`- (the follow-up batch ${followUps.state}; write the brief from the report alone)`];
  return [
    `Write a one-page brief on "${report.topic}" for the team, from the research report and follow-up answers below.`,
    'Check its length with count_words (at most 400 words), then publish it with publish.',
    '',
    '## Research report',
    report.markdown.slice(0, maxReportChars),
    ...(sourceNotes ? ['', '## Notes on the sources', ...notesOn(report, sourceNotes)] : []),
    '',
    '## Follow-up answers',
    ...answers,
  ].join('\n');
}

function notesOn(report: DeepResearchResult, notes: FanOutResult<TextResult>): string[] {
  return notes.results.map(
    (r, i) =>
      `- ${report.sources[i]?.url ?? `source ${i + 1}`}: ${r.ok ? r.value.text : `(no note: ${r.error.message})`}`,
  );
}

/** The document the agent's approved `publish` call put out, read from its transcript. */
export function publishedDocument(brief: AgentResult): { id: string; title: string } | null {
  for (const entry of brief.transcript.entries) {
    if (entry.kind !== 'tool' || entry.tool !== 'publish' || entry.isError) continue;
    const result = entry.result as { id?: unknown; title?: unknown } | null;
    if (typeof result?.id === 'string' && typeof result.title === 'string') {
      return { id: result.id, title: result.title };
    }
  }
  return null;
}
