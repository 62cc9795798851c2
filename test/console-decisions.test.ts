import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { GeminiflowClient } from '../client';
import { consoleConfigFromEnv, newReviewerToken } from '../console/config';
import { type RunningConsole, startConsole } from '../console/server';
import { refundAgent } from './fixtures/refund-agent';
import type { Refund } from './fixtures/refund-tools';
import { pendingOf, startRefundStack } from './helpers/approvals';
import { launchChromium } from './helpers/browser';
import { call, model } from './helpers/emulated-model';
import { eventually } from './helpers/eventually';
import type { GeminiStack } from './helpers/gemini-stack';
import { testLogger } from './helpers/receiver';

const reviewers = { sam: newReviewerToken('sam'), cy: newReviewerToken('cy'), ana: newReviewerToken('ana') };

describe('the console shows who still has to decide, and the run enforces it (Chromium)', () => {
  let stack: GeminiStack;
  let web: RunningConsole;
  let browser: BrowserContext;
  let page: Page;
  let refunds: Refund[];
  let taskQueue: string;
  const amounts = () => refunds.map((r) => r.amount);

  before(async () => {
    ({ stack, refunds, taskQueue } = await startRefundStack());
    web = await startConsole({
      config: consoleConfigFromEnv({
        GEMINIFLOW_CONSOLE_PORT: '0',
        GEMINIFLOW_CONSOLE_POLL_MS: '300',
        GEMINIFLOW_CONSOLE_TOKENS: Object.values(reviewers)
          .map((r) => r.entry)
          .join(','),
        GEMINIFLOW_CONSOLE_GROUPS: 'finance=sam,ana support=cy',
      }),
      geminiflow: new GeminiflowClient(stack.client, { taskQueue }),
      namespace: stack.temporal.namespace,
      logger: testLogger,
    });
    browser = await launchChromium();
    page = await browser.newPage();
  });
  after(async () => {
    await browser?.close();
    await web?.stop();
    await stack?.stop();
  });

  const signInAs = async (name: keyof typeof reviewers, next: string) => {
    await browser.clearCookies();
    await page.goto(`${web.url}${next}`);
    await page.fill('#token', reviewers[name].token);
    await page.click('form[action="/login"] button[type=submit]');
    await page.waitForURL(`${web.url}${next}`);
  };

  /** Approves on the open page; what the server answered: the page after the redirect (its flash) or the refusal. */
  const decide = async () => {
    const navigation = page.waitForNavigation();
    await page.click('#decide-approve button[type=submit]');
    const response = (await navigation)!;
    const html = await response.text();
    return {
      status: response.status(),
      flash: /<p class="flash ok" role="status">([^<]*)<\/p>/.exec(html)?.[1],
      error: /id="form-error">([^<]*)<\/p>/.exec(html)?.[1],
    };
  };
  const reloaded = async () => {
    await page.reload();
    return undefined;
  };

  it('a quorum of two from finance: one approval counts, the wrong group and a repeat are refused, the second runs it', async () => {
    const workflowId = `console-quorum-${randomUUID()}`;
    const handle = await stack.client.workflow.start(refundAgent, {
      taskQueue,
      workflowId,
      args: [
        {
          model,
          conversation: false,
          tools: ['issue_refund'],
          startedBy: 'sam',
          message: `Refund. ${call('issue_refund', { orderId: 'Q-1', amount: 700 })}`,
        },
      ],
    });
    const [pending] = await pendingOf(handle);
    const callPage = `/approvals/${encodeURIComponent(workflowId)}/${encodeURIComponent(pending!.callId)}`;

    await signInAs('sam', callPage);
    const stillNeeded = page.locator('#who-decides [data-still-needed]');
    assert.equal(await stillNeeded.innerText(), '2 more approvals, from finance');
    assert.equal(await page.locator('#who-decides [data-groups]').innerText(), 'finance');
    assert.match(
      await page.locator('#who-decides').innerText(),
      /rule refund-threshold: \$700 is \$500 or more: two people/,
    );
    const bySam = await decide();
    // Told at once; with a worker this busy it may be recorded for the worker rather than applied, and then applies.
    assert.match(
      bySam.flash ?? '',
      /^(Your approval counts \(as sam\)\. Still needed: 1 more approval, from finance, by someone other than sam \(1 so far: sam\)\.|Recorded, waiting for the run&#39;s worker: .*)$/,
    );
    await eventually(
      async () => ((await page.locator('#who-decides [data-approved-by]').count()) ? true : await reloaded()),
      'the approval on the page',
    );
    assert.equal(await page.locator('#who-decides [data-approved-by]').innerText(), 'sam');
    assert.match(
      await page.locator('#not-yours').innerText(),
      /You approved this call at .*; it needs someone else now/,
    );
    // The page warns; the run is what refuses.
    assert.match((await decide()).error ?? '', /^sam already approved this call at .*: it needs another person$/);

    await signInAs('cy', callPage);
    assert.equal(
      await page.locator('#not-yours').innerText(),
      'issue_refund is decided by finance; cy is in support The run refuses a decision from you.',
    );
    const byCy = await decide();
    assert.deepEqual([byCy.status, byCy.error], [409, 'issue_refund is decided by finance; cy is in support']);
    assert.deepEqual(amounts(), [], 'nothing ran');

    await signInAs('ana', callPage);
    assert.equal(
      await stillNeeded.innerText(),
      '1 more approval, from finance, by someone other than sam (1 so far: sam)',
    );
    assert.match((await decide()).flash ?? '', /^(Approved as ana\.|Recorded, waiting for the run&#39;s worker: .*)$/);
    await handle.result();
    assert.deepEqual(amounts(), [700]);
    await page.reload();
    assert.equal(await page.locator('h1 .badge').innerText(), 'approved');
    assert.match(await page.locator('ul.votes').innerText(), /sam \(approve, .*\)\nana \(approve, .*\)/);
  });
});
