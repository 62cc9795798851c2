import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type FanOutSummary, GeminiflowClient } from '../client';
import { consoleConfigFromEnv } from '../console/config';
import { type RunningConsole, startConsole } from '../console/server';
import { answerQuestions } from '../example/answer-questions';
import { itemWorkflowId } from '../workflows';
import { consoleInChromium } from './helpers/browser';
import { eventually } from './helpers/eventually';
import { geminiflow, type OperatorStack, startOperatorStack } from './helpers/operator-stack';
import { testLogger } from './helpers/receiver';

const token = 'watcher-console-token-0123456789';
const pipelineId = 'progress/answers-1';
const fanOutId = `${pipelineId}/answers`;
// Window 3: the quick items finish (one fails), then the three slow ones fill the window and three are left.
const questions = [
  'slow a',
  'quick 1',
  'quick 2 [[fail the model refused]]',
  'quick 3',
  'slow b',
  'quick 4',
  'slow c',
  'later 1',
  'later 2',
  'later 3',
];
const held = { total: 10, done: 3, failed: 1, running: 3, left: 3 };

describe('fan-out progress for people: client, CLI and console on the real stack', () => {
  let stack: OperatorStack;
  let g: GeminiflowClient;
  let web: RunningConsole;
  const published = async (): Promise<FanOutSummary | undefined> =>
    (await g.listRuns({ fanOuts: true, running: true })).find((r) => r.workflowId === fanOutId)?.fanOut;

  before(async () => {
    stack = await startOperatorStack({ worker: 'example' });
    g = new GeminiflowClient(stack.client, { taskQueue: stack.taskQueue });
    const model = stack.emulator!.control.model;
    model.setDurations({ interactionMs: 300 });
    model.addInteractionRule({ match: { inputIncludes: 'slow' }, turns: [{ durationMs: 36_000_000 }] });
    web = await startConsole({
      config: consoleConfigFromEnv({
        GEMINIFLOW_CONSOLE_PORT: '0',
        GEMINIFLOW_CONSOLE_POLL_MS: '300',
        GEMINIFLOW_CONSOLE_TOKENS: `watcher=${token}`,
      }),
      geminiflow: g,
      namespace: stack.temporal.namespace,
      logger: testLogger,
    });
    await stack.client.workflow.start(answerQuestions, {
      taskQueue: stack.taskQueue,
      workflowId: pipelineId,
      args: [{ questions, model: 'gemini-2.5-flash', concurrency: 3 }],
    });
  });
  after(async () => {
    await stack?.client.workflow
      .getHandle(pipelineId)
      .cancel()
      .catch(() => undefined);
    await web?.stop();
    await stack?.stop();
  });

  it('publishes the counts the 5 s limit held back without another item finishing (the catch-up)', async () => {
    // After the last quick item, only slow ones run: nothing finishes for minutes, so only the catch-up can publish.
    const memo = await eventually(
      async () => {
        const p = await published();
        return p && p.done + p.failed === held.done + held.failed && p.running === held.running ? p : undefined;
      },
      'the published counts of the quick items',
      60_000,
    );
    assert.deepEqual(memo, { ...held, state: 'running', window: 3 });
    const described = await stack.client.workflow.getHandle(fanOutId).describe();
    assert.deepEqual(described.searchAttributes.GeminiFanOutProgress, ['done 3, failed 1, running 3, left 3 of 10']);

    // The catch-up's own events: a timer fired, and the workflow task it woke published the counts.
    const events = (await stack.client.workflow.getHandle(fanOutId).fetchHistory()).events ?? [];
    const publishedAfterTimer = events.some((e, i) => {
      if (!e.timerFiredEventAttributes) return false;
      const task = events.findIndex((t, j) => j > i && t.workflowTaskCompletedEventAttributes);
      const commands = events.slice(task + 1).findIndex((t) => t.workflowTaskScheduledEventAttributes);
      const ofTask = events.slice(task + 1, commands < 0 ? undefined : task + 1 + commands);
      return (
        task > 0 &&
        ofTask.some(
          (t) => t.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.GeminiFanOutProgress,
        )
      );
    });
    assert.ok(publishedAfterTimer, 'a catch-up timer fired and its workflow task published the counts');
  });

  it('the client: listRuns carries the published counts and filters fan-outs; runStatus has live progress', async () => {
    const all = await g.listRuns({});
    assert.equal(
      all.find((r) => r.workflowId === pipelineId)?.fanOut,
      undefined,
      'the pipeline publishes no counts of its own',
    );
    assert.deepEqual(all.find((r) => r.workflowId === fanOutId)?.fanOut, { ...held, state: 'running', window: 3 });
    const fanOuts = await g.listRuns({ fanOuts: true });
    assert.deepEqual(
      fanOuts.map((r) => r.workflowId),
      [fanOutId],
    );
    assert.deepEqual(await g.listRuns({ fanOuts: true, type: 'deepResearch' }), []);

    const status = await g.runStatus(pipelineId);
    assert.equal(status.fanOuts?.length, 1);
    const [live] = status.fanOuts!;
    assert.deepEqual([live!.name, live!.workflowId, live!.state], ['answers', fanOutId, 'running']);
    assert.deepEqual([live!.total, live!.done, live!.failed, live!.running, live!.left], [10, 3, 1, 3, 3]);
    assert.deepEqual(
      live!.recentFailures.map((f) => [f.index, f.label, f.error.type]),
      [[2, 'q3', 'GeminiFailed']],
    );
    assert.equal(
      (await g.runStatus(fanOutId)).fanOuts?.[0]?.workflowId,
      fanOutId,
      "a fan-out's status is its own progress",
    );
  });

  it('the CLI: status shows each fan-out, list a FAN-OUT column and --fan-outs / --running, --json carries both', async () => {
    const status = await geminiflow(['status', pipelineId], stack.env);
    assert.equal(status.code, 0, status.stderr);
    assert.match(
      status.stdout,
      new RegExp(`^fan-out +answers \\(${fanOutId}\\), running: done 3, failed 1, running 3, left 3 of 10$`, 'm'),
    );
    assert.match(status.stdout, /^ +window 3 \(max 3, lowest 3\); run 1, started /m);
    assert.match(status.stdout, /^failed +item 2 \(q3\): GeminiFailed: .*the model refused/m);
    assert.match(status.stdout, new RegExp(`^stage +child ${fanOutId} \\(fanOutJobs\\) is running$`, 'm'));

    const own = await geminiflow(['status', fanOutId], stack.env);
    assert.equal(own.code, 0, own.stderr);
    assert.match(own.stdout, /^stage +3 item run\(s\) running$/m);
    assert.doesNotMatch(own.stdout, /child .*\/answers\/\d/, 'no line per item');

    const list = await geminiflow(['list', '--fan-outs', '--running'], stack.env);
    assert.equal(list.code, 0, list.stderr);
    const [header, ...rows] = list.stdout.trim().split('\n');
    assert.match(header!, /WAITING FOR +SINCE +FAN-OUT +USAGE$/);
    // The usage its three answered items reported, published with the counts: 2 words in, 6 out each.
    assert.deepEqual(
      rows.map((r) => r.split(/ {2,}/)),
      [
        [
          fanOutId,
          'fanOutJobs',
          'RUNNING',
          '-',
          '-',
          'done 3, failed 1, running 3, left 3 of 10',
          '24 tok, ~$0.000047 est.',
        ],
        ['1 run(s)'],
      ],
    );

    const everything = await geminiflow(['list'], stack.env);
    assert.match(everything.stdout, new RegExp(`^${pipelineId} +answerQuestions +RUNNING +- +- +- +-$`, 'm'));

    const json = await geminiflow(['list', '--fan-outs', '--json'], stack.env);
    assert.deepEqual(
      (JSON.parse(json.stdout) as { fanOut?: FanOutSummary }[]).map((r) => r.fanOut),
      [{ ...held, state: 'running', window: 3 }],
    );
    const statusJson = JSON.parse((await geminiflow(['status', pipelineId, '--json'], stack.env)).stdout) as {
      fanOuts: { done: number }[];
    };
    assert.equal(statusJson.fanOuts[0]?.done, 3);
  });

  describe('the console, in a real Chromium', () => {
    const chromium = consoleInChromium(() => web.url, token);

    it('the Runs page shows the fan-out with a bar and its counts', async () => {
      const page = chromium.page();
      await page.goto(`${web.url}/runs?fanOuts=on&status=running`);
      assert.equal(await page.locator('h1').innerText(), 'Running fan-outs');
      const row = page.locator(`tr[data-run="${fanOutId}"]`);
      await row.waitFor();
      assert.equal(await page.locator('tbody tr').count(), 1, 'only the fan-out');
      assert.equal(
        await row.locator('[data-fan-out-counts]').getAttribute('data-fan-out-counts'),
        'done 3, failed 1, running 3, left 3 of 10',
      );
      assert.match(await row.locator('td.progress').innerText(), /3 done, 1 failed, 3 running, 3 left of 10/);
      // The bar: a rect per kind, as wide as its count in items.
      const widths = await row
        .locator('svg.bar rect')
        .evaluateAll((rects) => rects.map((r) => [r.getAttribute('class'), r.getAttribute('width')]));
      assert.deepEqual(widths, [
        ['left', '10'],
        ['done', '3'],
        ['failed', '1'],
        ['running', '3'],
      ]);
    });

    it("the run page shows the live progress of the run's fan-outs, and it moves without a reload", async () => {
      const page = chromium.page();
      await page.goto(`${web.url}/runs/${encodeURIComponent(pipelineId)}`);
      const section = page.locator(`section.fan-out[data-fan-out="${fanOutId}"]`);
      await section.waitFor();
      const counts = section.locator('[data-fan-out-counts]');
      assert.equal(await counts.getAttribute('data-fan-out-counts'), 'done 3, failed 1, running 3, left 3 of 10');
      assert.match(
        await section.innerText(),
        /answers\s+running[\s\S]*3 in flight at most \(max 3, lowest 3\)[\s\S]*item 2 q3: GeminiFailed .*the model refused/,
      );
      await page.waitForSelector('body[data-live-state="ready"]');
      await page.screenshot({ path: chromium.screenshot('console-fan-out.png'), fullPage: true });
      await page.evaluate(() => ((globalThis as unknown as { __sameDocument: boolean }).__sameDocument = true));

      // A slow item is cancelled: it counts as failed, the three left run and finish, and the open page follows.
      await stack.client.workflow.getHandle(itemWorkflowId(fanOutId, 4)).cancel();
      await page.waitForSelector(`section.fan-out [data-fan-out-counts="done 6, failed 2, running 2, left 0 of 10"]`, {
        timeout: 60_000,
      });
      assert.equal(
        await page.evaluate(() => (globalThis as unknown as { __sameDocument?: boolean }).__sameDocument),
        true,
        'no reload',
      );
    });
  });
});
