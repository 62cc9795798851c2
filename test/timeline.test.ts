import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  buildTimeline,
  flattenTimeline,
  type RunTimeline,
  TimelineNotFoundError,
  type TimelineRow,
  timelineMoments,
} from '../client/timeline';
import { decodePayload, excerpt } from '../client/timeline/payloads';
import { projectRoot } from '../common/paths';
import { timelineView } from '../console/timeline-view';
import { defaultPriceTable, estimateCost, geminiUsageMemoKey, readGeminiUsage } from '../contract';
import { savedHistories, savedHistory } from './helpers/saved-histories';

/** The timeline of the first file's run, read from these saved histories only. */
async function timelineOf(files: string[], limits = {}): Promise<RunTimeline> {
  return buildTimeline(savedHistories(files), savedHistory(files[0]!).workflowId, limits);
}

const rows = (t: RunTimeline) => flattenTimeline(t).map((f) => f.row);
const only = (t: RunTimeline, kind: TimelineRow['kind']) => rows(t).filter((r) => r.kind === kind);

/** An event's time (ms) in a saved history, read straight from its JSON (`text`: its payloads, decoded). */
function eventTime(file: string, match: (e: Record<string, unknown>, text: string) => boolean): number {
  const saved = JSON.parse(fs.readFileSync(path.join(projectRoot, 'test', 'histories', file), 'utf8')) as {
    events: (Record<string, unknown> & { eventTime: { seconds: string; nanos?: number } })[];
  };
  const decoded = (e: unknown) =>
    JSON.stringify(e, (key, value) => (key === 'data' ? Buffer.from(value as string, 'base64').toString() : value));
  const e = saved.events.find((event) => match(event, decoded(event)));
  assert.ok(e, `no such event in ${file}`);
  return Number(e.eventTime.seconds) * 1000 + Math.floor((e.eventTime.nanos ?? 0) / 1e6);
}

const pipeline = [1, 2, 3, 4, 5].map((i) => `research-brief-fan-out-${i}.json`);

describe("a run's timeline from its recorded history", () => {
  it('a Deep Research job: created, the webhook that ended the wait, the report read, its tokens', async () => {
    const file = 'deep-research-webhook.json';
    const t = await timelineOf([file]);
    assert.equal(t.state, 'completed');
    const [job] = only(t, 'job');
    assert.equal(job!.label, 'Deep Research job');
    assert.equal(job!.job?.model, 'deep-research-preview-04-2026');
    assert.deepEqual(
      job!.segments.map((s) => [s.kind, s.label]),
      [
        ['call', 'startBackgroundInteraction'],
        ['gemini', `Gemini works on interaction ${job!.job!.id}`],
        ['read', 'fetchDeepResearchReport'],
      ],
    );
    const created = eventTime(file, (e) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_COMPLETED');
    const arrived = eventTime(file, (e) => e.eventType === 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED');
    assert.equal(job!.job!.endedBy?.via, 'webhook');
    assert.equal(job!.job!.endedBy?.type, 'interaction.completed');
    assert.match(job!.job!.endedBy!.webhookId!, /^msg_/);
    assert.equal(job!.job!.waitedMs, arrived - created);
    assert.equal(Date.parse(job!.job!.endedBy!.at), arrived);
    assert.match(job!.summary, /^interaction\.completed by webhook after \d/);
    assert.deepEqual(
      job!.marks.map((m) => m.kind),
      ['webhook'],
    );
    assert.ok((job!.usage?.total.totalTokens ?? 0) > 0, "the report's tokens");
    assert.deepEqual(Object.keys(job!.usage!.byModel), ['deep-research-preview-04-2026']);
    assert.ok(job!.usage!.cost.usd > 0, 'priced by the default table');
    assert.deepEqual(t.root.usage, job!.usage, "the run's usage is its job's");
  });

  it('a wait ended by reconciliation: the status reads that found nothing, then the one that did', async () => {
    const t = await timelineOf(['deep-research-reconciled.json']);
    const [job] = only(t, 'job');
    assert.equal(job!.job?.endedBy?.via, 'reconciliation');
    assert.deepEqual(
      job!.marks.map((m) => m.kind),
      ['status-read', 'reconciliation'],
    );
    assert.match(job!.summary, /by reconciliation \(a status read\) after/);
  });

  it('a job started elsewhere, whose event came through the receiver’s mailbox', async () => {
    const t = await timelineOf(['mailbox-forwarded-1.json']);
    const [job] = only(t, 'job');
    assert.deepEqual(job!.details.slice(1), ['started outside this run']);
    assert.equal(job!.job?.endedBy?.via, 'mailbox');
    assert.match(job!.summary, /by webhook, through the mailbox/);
  });

  it('tool calls: who decided each, how and how long they took; reminders; a timeout; what the tool did', async () => {
    const file = 'agent-approval-rules.json';
    const t = await timelineOf([file]);
    const calls = only(t, 'tool');
    assert.deepEqual(
      calls.map((c) => [c.label, c.state, c.tool?.approval?.decision, c.tool?.approval?.reviewer]),
      [
        ['publish', 'completed', 'edited', 'recorder'],
        ['publish', 'denied', 'denied', 'recorder'],
        ['publish', 'timed_out', 'timed_out', undefined],
      ],
    );
    const [edited, denied, timedOut] = calls;
    const deniedAt = eventTime(
      file,
      (e, text) => e.eventType === 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED' && text.includes('not this one'),
    );
    assert.equal(denied!.tool!.approval!.decidedAt, new Date(deniedAt).toISOString());
    assert.equal(denied!.tool!.approval!.tookMs, deniedAt - Date.parse(denied!.tool!.approval!.requestedAt));
    assert.equal(denied!.tool!.approval!.reason, 'not this one');
    assert.match(denied!.summary, /^denied by recorder after \d+ ms; not run; reason: not this one$/);
    assert.match(edited!.summary, /^edited by recorder after [\d.]+ s; ran in \d+ ms$/);
    assert.deepEqual(
      edited!.segments.map((s) => s.kind),
      ['person', 'tool'],
    );
    assert.ok(edited!.details.includes('arguments {"title":"Edited later","body":"Edited later."}'));
    assert.ok(edited!.details.includes('arguments used {"title":"Edited after the reminder","body":"Edited."}'));
    assert.equal(edited!.tool?.outcome, 'ok');
    assert.deepEqual(
      edited!.marks.map((m) => m.kind),
      ['requested', 'reminder', 'decision'],
    );
    assert.match(timedOut!.summary, /^nobody decided within [\d.]+ s; not run$/);
    const moments = timelineMoments(t).map((m) => m.what);
    assert.ok(moments.includes(`publish ${denied!.tool!.callId}: denied by recorder`));
  });

  it('decisions recorded while no worker answered count once, and none after the call was decided', async () => {
    const file = 'agent-durable-decisions.json';
    const t = await timelineOf([file]);
    const [edited, denied] = only(t, 'tool');
    // The edit applied as an update; its record, sent again with the same decisionId, is not a second decision.
    assert.deepEqual(
      edited!.marks.map((m) => m.label),
      ['approval requested', 'edited by recorder'],
    );
    // The denial was recorded while the worker was down; a later approval of the decided call is ignored, as the run did.
    const deniedAt = eventTime(
      file,
      (e, text) => e.eventType === 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED' && text.includes('d-deny'),
    );
    assert.equal(denied!.state, 'denied');
    assert.deepEqual(
      [denied!.tool?.approval?.decision, denied!.tool?.approval?.reviewer, denied!.tool?.approval?.decidedAt],
      ['denied', 'recorder', new Date(deniedAt).toISOString()],
    );
    assert.ok(!denied!.marks.some((m) => m.label.includes('late')));
  });

  it('a quorum: each approval shows, and the call is decided by the one that completed it', async () => {
    const t = await timelineOf(['agent-rules-quorum.json']);
    const [first] = only(t, 'tool');
    assert.equal(first!.tool?.approval?.reviewer, 'fin');
    assert.deepEqual(
      first!.marks.map((m) => m.label.replace(/;.*/, '')),
      ['approval requested', 'approved by sam', 'approved by fin'],
    );
    assert.match(first!.marks[1]!.label, /waits for 1 more approval, from finance/);
  });

  it('a pipeline: its stages nested under it in order, a fan-out with its progress, the approval in its agent', async () => {
    const t = await timelineOf(pipeline);
    assert.equal(t.type, 'researchBriefPipeline');
    assert.equal(t.historiesRead, 5);
    const stages = t.root.children.filter((r) => r.kind === 'run');
    assert.deepEqual(
      stages.map((s) => [s.label, s.state, s.run?.expanded]),
      [
        ['research · deepResearch', 'completed', true],
        ['sources · fanOutJobs', 'completed', true],
        ['follow-ups · batchPrompts', 'completed', true],
        ['brief · agentWorkflow', 'completed', true],
      ],
    );
    const [research, sources, followUps, brief] = stages;
    assert.deepEqual(
      research!.children.map((r) => r.label),
      ['Deep Research job'],
    );
    assert.deepEqual(
      sources!.marks.filter((m) => m.kind === 'progress').map((m) => m.label),
      ['done 0, failed 0, running 0, left 3 of 3', 'done 3, failed 0, running 0, left 0 of 3'],
    );
    assert.match(sources!.summary, /^completed in [\d.]+ s; done 3, failed 0, running 0, left 0 of 3$/);
    // The items' own histories are not among the saved ones: their rows are what the fan-out's history says.
    const items = sources!.children.filter((r) => r.kind === 'run');
    assert.deepEqual(
      items.map((r) => [r.label, r.state, r.run?.expanded]),
      [0, 1, 2].map((i) => [`${i} · generateText`, 'completed', false]),
    );
    assert.ok(items.every((r) => r.details.includes('its history is no longer kept')));
    const batch = followUps!.children.find((r) => r.kind === 'job');
    assert.equal(batch?.job?.kind, 'batch');
    assert.equal(batch?.job?.endedBy?.type, 'batch.succeeded');
    const publish = brief!.children.find((r) => r.label === 'publish');
    assert.equal(publish?.tool?.approval?.decision, 'approved');
    assert.equal(publish?.tool?.approval?.reviewer, 'recorder');
    assert.equal(brief!.children.filter((r) => r.label === 'Agent turn job').length, 3);
    // Each row lies within its run's, and ends after it starts.
    for (const { row } of flattenTimeline(t)) {
      assert.ok(row.end && row.end >= row.start, `${row.label} ends after it starts`);
      for (const child of row.children) assert.ok(child.start >= row.start && child.end! <= row.end!, child.label);
    }
    assert.equal(
      t.root.usage?.total.totalTokens,
      research!.usage?.total.totalTokens,
      "the pipeline's usage sums its stages'",
    );
  });

  it("usage: each job's tokens priced by its model (a batch at the batch price), each run's as it published it", async () => {
    const files = [1, 2, 3, 4, 5, 6].map((i) => `usage-research-brief-${i}.json`);
    const t = await timelineOf(files, { prices: defaultPriceTable });
    assert.equal(t.pricesOf, defaultPriceTable.date);
    // The pipeline's last published usage, read straight from its history.
    const memos = savedHistory(files[0]!).history.events.filter(
      (e) => e.workflowPropertiesModifiedEventAttributes?.upsertedMemo?.fields?.[geminiUsageMemoKey],
    );
    const published = readGeminiUsage(
      decodePayload(memos.at(-1)!.workflowPropertiesModifiedEventAttributes!.upsertedMemo!.fields![geminiUsageMemoKey]),
    )!;
    assert.deepEqual(t.root.usage?.total, published.total);
    assert.deepEqual(t.root.usage?.cost, estimateCost(published.byModel, defaultPriceTable));
    assert.ok(t.root.usage!.cost.usd > 0);
    const batch = rows(t).find((r) => r.job?.kind === 'batch')!;
    assert.deepEqual(Object.keys(batch.usage!.byModel), [`batch:${batch.job!.model}`]);
    assert.ok(batch.details.some((d) => /^tokens in \d+, out \d+/.test(d)));
    // Every job's tokens add up to what the pipeline published.
    const jobs = rows(t).filter((r) => r.kind === 'job' && r.usage);
    const jobTokens = jobs.reduce((n, r) => n + r.usage!.total.totalTokens, 0);
    assert.ok(jobTokens <= published.total.totalTokens, 'a job whose child history is not saved is not counted');
  });

  it('shows sizes and short excerpts, never whole prompts', async () => {
    const t = await timelineOf(pipeline);
    const json = JSON.stringify(t);
    const prompt = savedHistory(pipeline[4]!).history.events.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'createAgentInteraction',
    );
    const data = Buffer.from(prompt!.activityTaskScheduledEventAttributes!.input!.payloads![0]!.data!).toString();
    assert.ok(data.length > 2000, 'the brief request is a long prompt');
    assert.ok(!json.includes(data.slice(200, 260)), 'no part of the prompt beyond an excerpt');
    assert.ok(rows(t).some((r) => r.details.some((d) => /^request \d+\.\d kB$/.test(d))));
  });

  it('a continue-as-new chain is one row with each run; too many children share one row', async () => {
    const t = await timelineOf(
      [1, 2, 3, 4, 5].map((i) => `fan-out-continued-${i}.json`),
      { maxChildRuns: 4 },
    );
    const fanOut = t.root.children.find((r) => r.label === 'answers · fanOutJobs')!;
    assert.equal(fanOut.run?.runIds.length, 3);
    assert.ok(fanOut.details.includes('3 runs: it continued as new 2 time(s)'));
    assert.equal(fanOut.marks.filter((m) => m.kind === 'continued').length, 2);
    const children = fanOut.children.filter((r) => r.kind === 'run' || r.kind === 'more');
    assert.deepEqual(
      children.map((r) => r.label),
      ['0 · generateText', '1 · generateText', '2 · generateText', '3 · generateText', '3 more child runs'],
    );
    assert.equal(children.at(-1)!.summary, '1 failed, 2 completed');
    // The first item's history is saved: its job is under it.
    assert.equal(children[0]!.children[0]?.job?.endedBy?.via, 'webhook');
  });

  it('reads at most maxHistories histories, and says which child runs it left out', async () => {
    const t = await timelineOf(pipeline, { maxHistories: 3 });
    assert.equal(t.historiesRead, 3);
    // Breadth first: the pipeline, then its first two stages; the other two and the fan-out's three items are not.
    assert.equal(t.runsNotRead, 5);
    const unread = rows(t).filter((r) => r.kind === 'run' && !r.run?.expanded);
    assert.deepEqual(
      unread.map((r) => r.label),
      [
        '0 · generateText',
        '1 · generateText',
        '2 · generateText',
        'follow-ups · batchPrompts',
        'brief · agentWorkflow',
      ],
    );
    assert.ok(unread.every((r) => r.details.includes('not read: the timeline reads at most 3 run histories')));
  });

  it('cancelled, failed and extra events: a cancelled job, a failed batch, video.generated after the wait', async () => {
    const cancelled = await timelineOf(['deep-research-cancelled.json']);
    assert.equal(cancelled.state, 'cancelled');
    assert.equal(only(cancelled, 'job')[0]!.state, 'cancelled');
    assert.ok(cancelled.root.marks.some((m) => m.kind === 'cancel-requested'));
    const failed = await timelineOf(['batch-failed.json']);
    assert.equal(only(failed, 'job')[0]!.state, 'failed');
    const video = await timelineOf(['video-omni-both.json']);
    const [job] = only(video, 'job');
    assert.equal(job!.label, 'Video job');
    assert.deepEqual(
      job!.marks.map((m) => [m.kind, m.label]),
      [
        ['webhook', 'interaction.completed by webhook'],
        ['event', 'video.generated by webhook'],
      ],
    );
  });

  it('every saved history makes a timeline whose rows end after they start', async () => {
    const files = fs.readdirSync(path.join(projectRoot, 'test', 'histories')).filter((f) => f.endsWith('.json'));
    for (const file of files) {
      const t = await timelineOf([file]);
      for (const { row } of flattenTimeline(t)) {
        if (row.end) assert.ok(row.end >= row.start, `${file}: ${row.label}`);
        for (const s of row.segments) if (s.end) assert.ok(s.end >= s.start, `${file}: ${row.label} ${s.kind}`);
      }
      const moments = timelineMoments(t);
      assert.deepEqual(
        moments.map((m) => m.at),
        [...moments.map((m) => m.at)].sort(),
        `${file}: moments in time order`,
      );
    }
  });

  it('excerpts hide secret-looking fields and stay short', () => {
    const line = excerpt({ title: 'ok', apiKey: 'AIza-secret-1', nested: { password: 'hunter2', token: 't0k' } }, 200);
    assert.equal(line, '{"title":"ok","apiKey":"[hidden]","nested":{"password":"[hidden]","token":"[hidden]"}}');
    assert.equal(excerpt('x'.repeat(500), 100).length, 100);
  });

  it('an id with no history is TimelineNotFoundError', async () => {
    await assert.rejects(buildTimeline(savedHistories([]), 'nobody'), TimelineNotFoundError);
  });

  it("the console's view: round ticks, every bar and mark on the axis", async () => {
    const view = timelineView(await timelineOf(pipeline));
    assert.ok(view.ticks.length >= 1 && view.ticks.length <= 6);
    assert.equal(view.ticks[0], '0');
    for (const row of view.rows) {
      for (const b of row.bars) assert.ok(b.x >= 0 && b.x + b.w <= 100.5, `${row.label} ${b.kind}`);
      for (const m of row.marks) assert.ok(m.x >= 0 && m.x <= 100, `${row.label} ${m.kind}`);
    }
    assert.equal(view.rows[0]!.depth, 0);
    assert.ok(view.rows.some((r) => r.depth === 2));
  });
});
