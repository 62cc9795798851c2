import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { GeminiflowClient } from '../client';
import { consoleConfigFromEnv, newReviewerToken } from '../console/config';
import { type RunningConsole, startConsole } from '../console/server';
import type { ApprovalRecord, PendingApproval } from '../workflows';
import { launchChromium } from './helpers/browser';
import { Visitor } from './helpers/console-visitor';
import { eventually } from './helpers/eventually';
import { geminiflow, type OperatorStack, startOperatorStack } from './helpers/operator-stack';
import { testLogger } from './helpers/receiver';
import { testTmpDir } from './helpers/temporal';

const aliceToken = 'alice-console-token-0123456789';
const bob = newReviewerToken('bob');

describe('the web console', () => {
  let stack: OperatorStack;
  let g: GeminiflowClient;
  let web: RunningConsole;
  const opened: RunningConsole[] = [];
  const openConsole = async (env: Record<string, string>) => {
    const running = await startConsole({
      config: consoleConfigFromEnv({
        GEMINIFLOW_CONSOLE_PORT: '0',
        GEMINIFLOW_CONSOLE_POLL_MS: '300',
        GEMINIFLOW_CONSOLE_SESSION_SECRET: randomBytes(32).toString('base64url'),
        ...env,
      }),
      geminiflow: g,
      namespace: stack.temporal.namespace,
      logger: testLogger,
    });
    opened.push(running);
    return running;
  };
  const pendingCall = (workflowId: string) =>
    eventually(
      async () => (await g.pendingApprovals(workflowId).catch(() => [] as PendingApproval[]))[0],
      `the call of ${workflowId}`,
      60_000,
    );
  const logOf = async (workflowId: string): Promise<ApprovalRecord> => (await g.approvalLog(workflowId))[0]!;
  const callPath = (workflowId: string, callId: string) => `/approvals/${encodeURIComponent(workflowId)}/${callId}`;

  before(async () => {
    stack = await startOperatorStack();
    g = new GeminiflowClient(stack.client, { taskQueue: stack.taskQueue });
    web = await openConsole({
      GEMINIFLOW_CONSOLE_TOKENS: `alice=${aliceToken}, ${bob.entry}`,
      GEMINIFLOW_TEMPORAL_UI_URL: 'http://127.0.0.1:8233',
    });
  });
  after(async () => {
    for (const running of opened) await running.stop();
    await stack?.stop();
  });

  describe('security, over HTTP', () => {
    it('will not start without an authentication setting, and names the settings', async () => {
      assert.throws(
        () => consoleConfigFromEnv({}),
        /GEMINIFLOW_CONSOLE_TOKENS .*GEMINIFLOW_CONSOLE_TRUSTED_USER_HEADER/,
      );
      const run = await geminiflow(['console', '--port', '0'], {
        ...stack.env,
        GEMINIFLOW_CONSOLE_TOKENS: '',
        GEMINIFLOW_CONSOLE_TRUSTED_USER_HEADER: '',
      });
      assert.equal(run.code, 1);
      assert.match(
        run.stderr,
        /^geminiflow: the console will not start without an authentication setting: set GEMINIFLOW_CONSOLE_TOKENS/,
      );
      assert.throws(
        () => consoleConfigFromEnv({ GEMINIFLOW_CONSOLE_TOKENS: 'alice=short' }),
        /the token of alice must be at least 16 characters/,
      );
      assert.equal(consoleConfigFromEnv({ GEMINIFLOW_CONSOLE_TOKENS: `alice=${aliceToken}` }).host, '127.0.0.1');
    });

    it('keeps tokens hashed, exchanges one for a fresh HttpOnly SameSite=Strict session, and serves a strict CSP', async () => {
      const config = consoleConfigFromEnv({ GEMINIFLOW_CONSOLE_TOKENS: `alice=${aliceToken}` });
      assert.ok(!JSON.stringify(config).includes(aliceToken) && !JSON.stringify(config.auth).includes(aliceToken));

      const visitor = new Visitor(web.url);
      const first = await visitor.request('/approvals');
      assert.equal(first.status, 303);
      assert.equal(first.headers.get('location'), '/login?next=%2Fapprovals');
      const login = await visitor.request('/login');
      const csp = login.headers.get('content-security-policy')!;
      for (const directive of [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
      ]) {
        assert.ok(csp.includes(directive), `${directive} in ${csp}`);
      }
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
      const html = await login.text();
      assert.deepEqual(html.match(/<script\b[^>]*>/g), ['<script src="/static/console.js" defer>'], 'no inline script');
      const before = visitor.cookie;
      assert.match(login.headers.getSetCookie()[0]!, /HttpOnly/i);
      assert.match(login.headers.getSetCookie()[0]!, /SameSite=Strict/i);

      assert.equal((await visitor.signIn('not-the-token-at-all')).status, 401);
      const signedIn = await visitor.signIn(aliceToken);
      assert.equal(signedIn.status, 303);
      assert.notEqual(visitor.cookie, before, 'signing in replaces the session');
      const page = await (await visitor.request('/approvals')).text();
      assert.match(page, /Signed in as <strong data-reviewer>alice<\/strong>/);
      // A tool name no tool can have matches no call; it is not an error page.
      const noSuchTool = await visitor.request(`/approvals?tool=${encodeURIComponent("x' OR 1=1")}`);
      assert.equal(noSuchTool.status, 200);
      assert.match(await noSuchTool.text(), /No call waits for a decision of x&#39; OR 1=1\./);

      const asBob = new Visitor(web.url);
      assert.equal((await asBob.signIn(bob.token)).status, 303);
      assert.match(
        await (await asBob.request('/approvals')).text(),
        /Signed in as <strong data-reviewer>bob<\/strong>/,
      );
    });

    it('refuses a decision without a session or without the CSRF token, and records the signed-in reviewer', async () => {
      await stack.startReview('console-http/guard', { title: 'Guarded', body: 'x' });
      const call = await pendingCall('console-http/guard');
      const target = callPath('console-http/guard', call.callId);

      const stranger = new Visitor(web.url);
      assert.equal((await stranger.request(target, { form: { kind: 'approve', _csrf: 'x' } })).status, 401);
      const alice = new Visitor(web.url);
      await alice.signIn(aliceToken);
      assert.equal((await alice.request(target, { form: { kind: 'approve' } })).status, 403);
      assert.equal((await alice.request(target, { form: { kind: 'approve', _csrf: 'forged-token' } })).status, 403);
      assert.equal((await g.pendingApprovals('console-http/guard')).length, 1, 'nothing was decided');

      const _csrf = await alice.csrf(target);
      const decided = await alice.request(target, {
        form: { kind: 'approve', _csrf, reviewer: 'mallory', reason: 'looks right' },
      });
      assert.equal(decided.status, 303);
      const record = await logOf('console-http/guard');
      assert.deepEqual([record.status, record.reviewer, record.reason], ['approved', 'alice', 'looks right']);
    });

    it('limits failed sign-ins per address', async () => {
      const limited = await openConsole({
        GEMINIFLOW_CONSOLE_TOKENS: `alice=${aliceToken}`,
        GEMINIFLOW_CONSOLE_LOGIN_LIMIT: '3',
      });
      const visitor = new Visitor(limited.url);
      for (let i = 0; i < 3; i++) assert.equal((await visitor.signIn(`wrong-token-number-${i}`)).status, 401);
      const refused = await visitor.signIn('wrong-token-number-4');
      assert.equal(refused.status, 429);
      assert.match(await refused.text(), /Too many failed sign-ins/);
      assert.equal(
        (await visitor.signIn(aliceToken)).status,
        429,
        'a blocked address cannot sign in until the window passes',
      );
    });

    it('behind an authenticating proxy: the trusted header is the reviewer, only when that mode is enabled', async () => {
      const proxied = await openConsole({ GEMINIFLOW_CONSOLE_TRUSTED_USER_HEADER: 'X-Forwarded-User' });
      assert.equal((await new Visitor(proxied.url).request('/approvals')).status, 401);
      await stack.startReview('console-http/proxy', { title: 'Via proxy', body: 'x' });
      const call = await pendingCall('console-http/proxy');
      const carol = new Visitor(proxied.url, { 'x-forwarded-user': 'carol' });
      const target = callPath('console-http/proxy', call.callId);
      const _csrf = await carol.csrf(target);
      assert.equal(
        (await carol.request(target, { form: { kind: 'deny', _csrf, reason: 'not via the proxy' } })).status,
        303,
      );
      const record = await logOf('console-http/proxy');
      assert.deepEqual([record.status, record.reviewer], ['denied', 'carol']);

      // The token console ignores the header: it is no way in there.
      assert.equal((await new Visitor(web.url, { 'x-forwarded-user': 'eve' }).request('/approvals')).status, 303);
    });
  });

  describe('in a real Chromium', () => {
    let browser: BrowserContext;
    let page: Page;
    const shots = process.env.GEMINIFLOW_SCREENSHOTS_DIR ?? testTmpDir();
    const shoot = async (name: string) => {
      const file = path.join(shots, name);
      await page.screenshot({ path: file, fullPage: true });
      assert.ok(fs.statSync(file).size > 10_000, `${name} is an empty screenshot`);
    };
    const dialogs: string[] = [];

    before(async () => {
      browser = await launchChromium();
      page = await browser.newPage();
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
    });
    after(async () => {
      await browser?.close();
    });

    it('signs in, sees a pending call, gets a field error for an invalid edit, approves an edit, and the run completes', async () => {
      await stack.startReview('console-ui/edit', { title: 'Q3 numbers', body: 'Revenue grew.', tags: ['finance'] });
      const call = await pendingCall('console-ui/edit');
      await page.goto(`${web.url}/approvals`);
      assert.match(page.url(), /\/login\?next=%2Fapprovals$/);
      await page.fill('#token', aliceToken);
      await page.click('form[action="/login"] button[type=submit]');
      await page.waitForURL(`${web.url}/approvals`);
      const card = page.locator(`article.call[data-call="${call.callId}"]`);
      await card.waitFor();
      assert.match(await card.innerText(), /publish_post[\s\S]*Q3 numbers[\s\S]*Revenue grew\./);
      await shoot('console-approvals.png');

      await card.locator('a.button').click();
      await page.waitForSelector('#decide-edit');
      await page.fill('#arg-title', 'Q'.repeat(81));
      await page.click('#decide-edit button[type=submit]');
      const error = page.locator('.field[data-field="title"] .field-error');
      await error.waitFor();
      assert.match(await error.innerText(), /80/);
      assert.equal(await page.getAttribute('#arg-title', 'aria-invalid'), 'true');
      assert.equal((await g.pendingApprovals('console-ui/edit')).length, 1, 'an invalid edit decides nothing');
      await shoot('console-call.png');

      await page.fill('#arg-title', 'Q3 numbers, checked');
      await page.fill('#arg-tags', '["finance", "q3"]');
      await page.click('#decide-edit button[type=submit]');
      await page.locator('.flash.ok').waitFor();
      assert.match(await page.locator('.flash.ok').innerText(), /Approved with your edits as alice/);
      assert.equal(await page.locator('h1 .badge').innerText(), 'approved with edits');
      const result = await stack.client.workflow.getHandle('console-ui/edit').result();
      assert.equal(result.endedBy, 'answered');
      assert.deepEqual(stack.published.at(-1), {
        title: 'Q3 numbers, checked',
        body: 'Revenue grew.',
        tags: ['finance', 'q3'],
      });
      assert.equal((await logOf('console-ui/edit')).reviewer, 'alice');
    });

    it("denies a second run with a reason and answers a third in the tool's place", async () => {
      await stack.startReview('console-ui/deny', { title: 'Reorg', body: 'Draft.' });
      await stack.startReview('console-ui/answer', { title: 'Old news', body: 'Already out.' });
      const deny = await pendingCall('console-ui/deny');
      const answer = await pendingCall('console-ui/answer');

      await page.goto(`${web.url}${callPath('console-ui/deny', deny.callId)}`);
      await page.click('#decide-deny button[type=submit]');
      await page.locator('#deny-error').waitFor();
      await page.fill('#deny-reason', 'Not before the all-hands.');
      await page.click('#decide-deny button[type=submit]');
      await page.locator('.flash.ok').waitFor();
      assert.equal(await page.locator('h1 .badge').innerText(), 'denied');

      await page.goto(`${web.url}${callPath('console-ui/answer', answer.callId)}`);
      await page.fill('#answer-result', '{"published": "by hand, yesterday"}');
      await page.click('#decide-answer button[type=submit]');
      await page.locator('.flash.ok').waitFor();
      assert.equal(await page.locator('h1 .badge').innerText(), 'answered');

      for (const id of ['console-ui/deny', 'console-ui/answer']) await stack.client.workflow.getHandle(id).result();
      const denied = await logOf('console-ui/deny');
      assert.deepEqual(
        [denied.status, denied.reviewer, denied.reason],
        ['denied', 'alice', 'Not before the all-hands.'],
      );
      const answered = await logOf('console-ui/answer');
      assert.deepEqual([answered.status, answered.answer], ['answered', { published: 'by hand, yesterday' }]);
      assert.ok(!stack.published.some((p) => p.title === 'Reorg' || p.title === 'Old news'), 'neither ran the tool');
    });

    it('renders an argument holding HTML and script as text', async () => {
      const hostile = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';
      await stack.startReview('console-ui/hostile', { title: 'Hi', body: hostile });
      const call = await pendingCall('console-ui/hostile');
      for (const where of ['/approvals', callPath('console-ui/hostile', call.callId)]) {
        await page.goto(`${web.url}${where}`);
        const args = page
          .locator(where === '/approvals' ? `article.call[data-call="${call.callId}"] .args` : '.args')
          .first();
        await args.waitFor();
        assert.ok((await args.innerText()).includes(hostile), 'the argument shows as written');
        assert.equal(await args.locator('script, img').count(), 0);
        assert.equal(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned), undefined);
      }
      assert.deepEqual(dialogs, []);
      await g.decideApproval('console-ui/hostile', { callId: call.callId, kind: 'deny', reason: 'test over' });
    });

    it('refuses, from the page, a request without the CSRF token and one without a session', async () => {
      await stack.startReview('console-ui/forged', { title: 'Forged', body: 'x' });
      const call = await pendingCall('console-ui/forged');
      const target = callPath('console-ui/forged', call.callId);
      await page.goto(`${web.url}/approvals`);
      const withoutToken = await page.evaluate(
        (url) =>
          fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: 'kind=approve',
          }).then((r) => r.status),
        target,
      );
      assert.equal(withoutToken, 403);
      const withoutSession = await page.evaluate(
        ([url, token]) =>
          fetch(url, {
            method: 'POST',
            credentials: 'omit',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: `kind=approve&_csrf=${encodeURIComponent(token)}`,
          }).then((r) => r.status),
        [target, (await page.getAttribute('input[name="_csrf"]', 'value'))!] as const,
      );
      assert.equal(withoutSession, 401);
      assert.equal((await g.pendingApprovals('console-ui/forged')).length, 1, 'nothing was decided');
      await g.decideApproval('console-ui/forged', { callId: call.callId, kind: 'deny', reason: 'test over' });
    });

    it('shows a decision made through the CLI on the open page, without a reload', async () => {
      await page.goto(`${web.url}/approvals`);
      assert.equal(page.url(), `${web.url}/approvals`, 'still signed in');
      await stack.startReview('console-ui/live', { title: 'Live one', body: 'x' });
      const call = await pendingCall('console-ui/live');
      const card = page.locator(`article.call[data-call="${call.callId}"]`);
      await card.waitFor({ timeout: 30_000 });
      await page.waitForSelector('body[data-live-state="ready"]');
      await page.evaluate(() => ((globalThis as unknown as { __sameDocument: boolean }).__sameDocument = true));

      const approved = await geminiflow(
        ['approve', 'console-ui/live', call.callId, '--reviewer', 'cli-user'],
        stack.env,
      );
      assert.equal(approved.code, 0, approved.stderr);
      await card.waitFor({ state: 'detached', timeout: 30_000 });
      assert.equal(
        await page.evaluate(() => (globalThis as unknown as { __sameDocument?: boolean }).__sameDocument),
        true,
        'no reload',
      );
      assert.ok(Number(await page.getAttribute('body', 'data-refreshed')) >= 1);
    });
  });
});
