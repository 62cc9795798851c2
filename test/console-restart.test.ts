import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { GeminiflowClient } from '../client';
import { projectRoot } from '../common/paths';
import { consoleConfigFromEnv } from '../console/config';
import { type RunningConsole, startConsole } from '../console/server';
import { sessionCookieName } from '../console/session';
import type { PendingApproval } from '../workflows';
import { launchChromium, screenshot } from './helpers/browser';
import { Visitor } from './helpers/console-visitor';
import { eventually } from './helpers/eventually';
import { geminiflow, type OperatorStack, startOperatorStack } from './helpers/operator-stack';
import { killChild } from './helpers/processes';
import { testLogger } from './helpers/receiver';
import { testTmpDir } from './helpers/temporal';

const aliceToken = 'alice-restart-token-0123456789';
const newSecret = () => randomBytes(32).toString('base64url');

/** `geminiflow console` as its own process, as an operator runs it; SIGKILLed to restart it. */
interface ConsoleProcess {
  url: string;
  port: string;
  kill(): Promise<void>;
}

describe('the console survives its own restart', () => {
  let stack: OperatorStack;
  let g: GeminiflowClient;
  const running: RunningConsole[] = [];
  const children: ChildProcess[] = [];

  const openConsole = async (env: Record<string, string>) => {
    const web = await startConsole({
      config: consoleConfigFromEnv({
        GEMINIFLOW_CONSOLE_PORT: '0',
        GEMINIFLOW_CONSOLE_TOKENS: `alice=${aliceToken}`,
        ...env,
      }),
      geminiflow: g,
      namespace: stack.temporal.namespace,
      logger: testLogger,
    });
    running.push(web);
    return web;
  };

  const startConsoleProcess = (env: Record<string, string>, port = '0') =>
    new Promise<ConsoleProcess>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', path.join(projectRoot, 'example', 'cli.ts'), 'console', '--port', port],
        {
          cwd: projectRoot,
          env: {
            ...process.env,
            ...stack.env,
            GEMINIFLOW_CONSOLE_TOKENS: `alice=${aliceToken}`,
            GEMINIFLOW_CONSOLE_POLL_MS: '300',
            // Nothing from the developer's shell: plain http here, and only the secret this test gives.
            GEMINIFLOW_CONSOLE_URL: '',
            GEMINIFLOW_CONSOLE_SESSION_SECRET: '',
            ...env,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      children.push(child);
      let output = '';
      const timer = setTimeout(() => reject(new Error(`the console did not start:\n${output}`)), 90_000);
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        const url = /geminiflow console on (http:\/\/[^\s]+)/.exec(output)?.[1];
        if (!url) return;
        clearTimeout(timer);
        resolve({ url, port: new URL(url).port, kill: () => killChild(child) });
      };
      child.stdout!.on('data', read);
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the console exited (${code}):\n${output}`));
      });
    });

  const pendingCall = (workflowId: string) =>
    eventually(
      async () => (await g.pendingApprovals(workflowId).catch(() => [] as PendingApproval[]))[0],
      `the call of ${workflowId}`,
      60_000,
    );
  const callPath = (workflowId: string, callId: string) => `/approvals/${encodeURIComponent(workflowId)}/${callId}`;

  before(async () => {
    stack = await startOperatorStack();
    g = new GeminiflowClient(stack.client, { taskQueue: stack.taskQueue });
  });
  after(async () => {
    for (const child of children) await killChild(child);
    for (const web of running) await web.stop();
    await stack?.stop();
  });

  describe('sessions, over HTTP', () => {
    it('seals the session into an HttpOnly SameSite=Strict cookie that names nobody; a changed cookie signs nobody in', async () => {
      const web = await openConsole({ GEMINIFLOW_CONSOLE_SESSION_SECRET: newSecret() });
      const alice = new Visitor(web.url);
      const signedIn = await alice.signIn(aliceToken);
      assert.equal(signedIn.status, 303);
      const setCookie = signedIn.headers.getSetCookie().find((c) => c.startsWith(`${sessionCookieName}=`))!;
      assert.match(setCookie, /HttpOnly/i);
      assert.match(setCookie, /SameSite=Strict/i);
      assert.doesNotMatch(setCookie, /Secure/i, 'plain http here');
      const sealed = decodeURIComponent(alice.cookie.split('=').slice(1).join('='));
      assert.match(sealed, /^Fe26\.2\*/, 'an iron seal');
      const parts = sealed.split('*').map((part) => Buffer.from(part, 'base64url').toString('latin1'));
      assert.ok(!sealed.includes('alice') && !parts.some((p) => p.includes('alice')), 'the reviewer is not readable');
      assert.equal(await alice.who(), 'alice');

      // One character changed anywhere in the seal and it is no session at all.
      const forged = new Visitor(web.url);
      const at = sealed.length - 5;
      forged.cookie = `${sessionCookieName}=${encodeURIComponent(`${sealed.slice(0, at)}${sealed[at] === 'A' ? 'B' : 'A'}${sealed.slice(at + 1)}`)}`;
      assert.match(await forged.who(), /^303 \/login\?next=%2Fapprovals&ended=1$/);

      const secure = await openConsole({
        GEMINIFLOW_CONSOLE_SESSION_SECRET: newSecret(),
        GEMINIFLOW_CONSOLE_URL: 'https://approvals.example.com',
      });
      const login = await fetch(`${secure.url}/login`);
      assert.match(login.headers.getSetCookie()[0]!, /; Secure/i);

      // Signing out clears the cookie.
      const _csrf = await alice.csrf('/approvals');
      const out = await alice.request('/logout', { form: { _csrf } });
      assert.equal(out.status, 303);
      assert.match(
        out.headers.getSetCookie().join('\n'),
        new RegExp(`${sessionCookieName}=;.*Expires=Thu, 01 Jan 1970`),
      );
      assert.match(await alice.who(), /^303 \/login/);
    });

    it('outlives a restart with the same secret (a form from before it still posts); another secret signs out; a rotation does not', async () => {
      await stack.startReview('restart-http/decide', { title: 'Across a restart', body: 'x' });
      const call = await pendingCall('restart-http/decide');
      const [s1, s2] = [newSecret(), newSecret()];
      const first = await openConsole({ GEMINIFLOW_CONSOLE_SESSION_SECRET: s1 });
      const alice = new Visitor(first.url);
      await alice.signIn(aliceToken);
      const target = callPath('restart-http/decide', call.callId);
      const _csrf = await alice.csrf(target);
      await first.stop();

      const second = await openConsole({ GEMINIFLOW_CONSOLE_SESSION_SECRET: s1 });
      alice.base = second.url;
      assert.equal(await alice.who(), 'alice', 'still signed in after the restart');
      const decided = await alice.request(target, {
        form: { _csrf, kind: 'deny', reason: 'decided across a restart' },
      });
      assert.equal(decided.status, 303, 'the form rendered before the restart posts after it');
      const [record] = await g.approvalLog('restart-http/decide');
      assert.deepEqual([record!.status, record!.reviewer], ['denied', 'alice']);
      const before = alice.cookie;

      // A secret put first, the old one kept after it: the session holds, and is sealed again with the new one.
      const rotated = await openConsole({ GEMINIFLOW_CONSOLE_SESSION_SECRET: `${s2}, ${s1}` });
      alice.base = rotated.url;
      assert.equal(await alice.who(), 'alice');
      assert.notEqual(alice.cookie, before, 'sealed again with the first secret');
      const onlyNew = await openConsole({ GEMINIFLOW_CONSOLE_SESSION_SECRET: s2 });
      alice.base = onlyNew.url;
      assert.equal(await alice.who(), 'alice', 'the old secret can go once sessions are sealed again');

      const other = await openConsole({ GEMINIFLOW_CONSOLE_SESSION_SECRET: newSecret() });
      alice.base = other.url;
      assert.equal(await alice.who(), '303 /login?next=%2Fapprovals&ended=1');
      assert.match(await (await alice.request('/login?next=%2Fapprovals&ended=1')).text(), /You were signed out/);
    });

    it("ends a reviewer's sessions when the operator changes or removes the reviewer's token", async () => {
      const secret = newSecret();
      const web = await openConsole({ GEMINIFLOW_CONSOLE_SESSION_SECRET: secret });
      const alice = new Visitor(web.url);
      await alice.signIn(aliceToken);
      const changed = await openConsole({
        GEMINIFLOW_CONSOLE_SESSION_SECRET: secret,
        GEMINIFLOW_CONSOLE_TOKENS: `alice=${aliceToken}-rotated`,
      });
      alice.base = changed.url;
      assert.equal(await alice.who(), '303 /login?next=%2Fapprovals&ended=1');

      const again = new Visitor(web.url);
      assert.equal((await again.signIn(aliceToken)).status, 303);
      const without = await openConsole({
        GEMINIFLOW_CONSOLE_SESSION_SECRET: secret,
        GEMINIFLOW_CONSOLE_TOKENS: 'carol=carol-token-0123456789abc',
      });
      again.base = without.url;
      assert.equal((await again.request('/events')).status, 401, 'the live feed does not answer the ended session');
      assert.equal(await again.who(), '303 /login?next=%2Fapprovals');
    });

    it('takes the secret from configuration, or makes one for local use and keeps it (mode 0600); never shows it', () => {
      const base = { GEMINIFLOW_CONSOLE_TOKENS: `alice=${aliceToken}` };
      assert.throws(
        () => consoleConfigFromEnv({ ...base, GEMINIFLOW_CONSOLE_SESSION_SECRET: 'short-s3cr3t' }),
        (err: Error) =>
          /GEMINIFLOW_CONSOLE_SESSION_SECRET: secret #1 is shorter than 32 characters/.test(err.message) &&
          !err.message.includes('s3cr3t'),
      );
      const secret = newSecret();
      const given = consoleConfigFromEnv({ ...base, GEMINIFLOW_CONSOLE_SESSION_SECRET: secret });
      assert.equal(given.session.generated, false);
      assert.ok(!JSON.stringify(given).includes(secret), 'the config as JSON holds no secret');

      const file = path.join(testTmpDir(), 'state', 'console-session-secret');
      const made = consoleConfigFromEnv({ ...base, GEMINIFLOW_CONSOLE_SESSION_SECRET_FILE: file });
      assert.equal(made.session.generated, true);
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      const kept = fs.readFileSync(file, 'utf8').trim();
      assert.ok(kept.length >= 32);
      assert.ok(!JSON.stringify(made).includes(kept));
      const again = consoleConfigFromEnv({ ...base, GEMINIFLOW_CONSOLE_SESSION_SECRET_FILE: file });
      assert.equal(again.session.generated, false);
      assert.deepEqual(again.session.secrets.keys, made.session.secrets.keys, 'the same secret, read back');
    });
  });

  describe('in a real Chromium, restarting the console process', () => {
    let browser: BrowserContext;
    let page: Page;
    const shoot = (name: string) => screenshot(page, name);
    const badge = () => page.locator('h1 .badge').innerText();

    before(async () => {
      browser = await launchChromium();
      page = await browser.newPage();
    });
    after(async () => {
      await browser?.close();
    });

    it('the open page says the connection is lost, comes back by itself and shows the call decided meanwhile; with another secret it takes the reviewer to sign in', async () => {
      await stack.startReview('restart-ui/approve', { title: 'Decided while the console was down', body: 'x' });
      await stack.startReview('restart-ui/deny', { title: 'Denied while the console was down', body: 'y' });
      const approveCall = await pendingCall('restart-ui/approve');
      const denyCall = await pendingCall('restart-ui/deny');
      // No secret given: the console makes one for local use in this file, and its next start reads it back.
      const secretFile = path.join(testTmpDir(), 'console-session-secret');

      let web = await startConsoleProcess({ GEMINIFLOW_CONSOLE_SESSION_SECRET_FILE: secretFile });
      await page.goto(`${web.url}${callPath('restart-ui/approve', approveCall.callId)}`);
      await page.fill('#token', aliceToken);
      await page.click('form[action="/login"] button[type=submit]');
      await page.locator('#decide-approve').waitFor();
      await page.waitForSelector('body[data-live-state="ready"]');
      await page.evaluate(() => ((globalThis as unknown as { __sameDocument: boolean }).__sameDocument = true));
      assert.equal(await badge(), 'waiting for you');

      // The console crashes with the page open: the page says so, and dims what it shows.
      await web.kill();
      const notice = page.locator('#live-status');
      await page.waitForSelector('body[data-live-state="reconnecting"]', { timeout: 30_000 });
      assert.match(await notice.innerText(), /Lost the connection to the console: this page may be out of date/);
      assert.equal(await page.locator('#page.stale').count(), 1);
      assert.equal(await page.locator('#decide-approve button').isDisabled(), true, 'no decision sent into the void');
      await shoot('console-reconnecting.png');

      // Meanwhile a person approves the call from the CLI.
      const approved = await geminiflow(
        ['approve', 'restart-ui/approve', approveCall.callId, '--reviewer', 'cli-user'],
        stack.env,
      );
      assert.equal(approved.code, 0, approved.stderr);
      await stack.client.workflow.getHandle('restart-ui/approve').result();

      // The console comes back on its port with the kept secret: the page reconnects by itself, still signed in,
      // reads the state again and shows the call as decided, not pending.
      web = await startConsoleProcess({ GEMINIFLOW_CONSOLE_SESSION_SECRET_FILE: secretFile }, web.port);
      await page.locator('h1 .badge[data-status="approved"]').waitFor({ timeout: 60_000 });
      await page.waitForSelector('body[data-live-state="ready"]', { timeout: 30_000 });
      assert.equal(await notice.isHidden(), true, 'the notice is gone');
      assert.equal(await page.locator('#page.stale').count(), 0);
      assert.equal(await page.locator('#decide-approve').count(), 0, 'no form to decide it again');
      assert.equal(await page.locator('[data-decided-by]').innerText(), 'cli-user');
      assert.equal(await page.locator('[data-reviewer]').innerText(), 'alice', 'the session survived the restart');
      assert.equal(
        await page.evaluate(() => (globalThis as unknown as { __sameDocument?: boolean }).__sameDocument),
        true,
        'recovered without a reload',
      );

      // Now a page with a half-typed reason, and a restart with another secret: the session cannot be read.
      await page.goto(`${web.url}${callPath('restart-ui/deny', denyCall.callId)}`);
      await page.waitForSelector('body[data-live-state="ready"]');
      await page.fill('#deny-reason', 'Typed before the restart');
      await web.kill();
      await page.waitForSelector('body[data-live-state="reconnecting"]', { timeout: 30_000 });
      const denied = await geminiflow(
        ['deny', 'restart-ui/deny', denyCall.callId, '--reason', 'decided elsewhere', '--reviewer', 'cli-user'],
        stack.env,
      );
      assert.equal(denied.code, 0, denied.stderr);
      web = await startConsoleProcess({ GEMINIFLOW_CONSOLE_SESSION_SECRET: newSecret() }, web.port);
      await page.waitForSelector('body[data-live-state="signed-out"]', { timeout: 60_000 });
      assert.match(await notice.innerText(), /You are signed out: this page is out of date/);
      assert.equal(await page.inputValue('#deny-reason'), 'Typed before the restart', 'what was typed stays');
      assert.equal(await page.locator('#decide-deny button').isDisabled(), true, 'nothing can be decided here');
      assert.equal(await page.locator('#page.stale').count(), 1);
      assert.equal(await page.locator('.who').isVisible(), false, 'the page no longer says who is signed in');
      await shoot('console-signed-out.png');

      // The notice's link signs in again and comes back to the call, decided.
      await notice.locator('a').click();
      await page.waitForURL(/\/login\?next=.*&ended=1$/);
      assert.match(await page.locator('#signed-out').innerText(), /You were signed out/);
      await page.fill('#token', aliceToken);
      await page.click('form[action="/login"] button[type=submit]');
      await page.waitForURL(`${web.url}${callPath('restart-ui/deny', denyCall.callId)}`);
      assert.equal(await badge(), 'denied');
      await web.kill();
    });

    it('a call decided between the page being read and its live connection opening is not left showing as pending', async () => {
      const web = await openConsole({
        GEMINIFLOW_CONSOLE_SESSION_SECRET: newSecret(),
        GEMINIFLOW_CONSOLE_POLL_MS: '300',
      });
      await stack.startReview('restart-ui/race', { title: 'Raced', body: 'r' });
      const call = await pendingCall('restart-ui/race');
      // A second page keeps the live feed polling, and shows when it has seen the decision.
      const watcher = await browser.newPage();
      await watcher.goto(`${web.url}/approvals`);
      await watcher.fill('#token', aliceToken);
      await watcher.click('form[action="/login"] button[type=submit]');
      const watched = watcher.locator(`article.call[data-call="${call.callId}"]`);
      await watched.waitFor();
      await watcher.waitForSelector('body[data-live-state="ready"]');

      // This page is read, but its live connection is held back until the decision has been seen.
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      await page.route('**/events', async (route) => {
        await gate;
        await route.continue();
      });
      await page.goto(`${web.url}/approvals`);
      const card = page.locator(`article.call[data-call="${call.callId}"]`);
      await card.waitFor();
      await g.decideApproval('restart-ui/race', { callId: call.callId, kind: 'deny', reason: 'raced', reviewer: 'x' });
      await watched.waitFor({ state: 'detached', timeout: 30_000 });
      assert.equal(await card.count(), 1, 'still the page as it was read');
      open();
      await card.waitFor({ state: 'detached', timeout: 30_000 });
      await page.unroute('**/events');
      await watcher.close();
    });

    it('with nothing typed, a page whose session ended goes to sign in by itself', async () => {
      await stack.startReview('restart-ui/list', { title: 'Listed', body: 'z' });
      const call = await pendingCall('restart-ui/list');
      let web = await startConsoleProcess({ GEMINIFLOW_CONSOLE_SESSION_SECRET: newSecret() });
      await page.goto(`${web.url}/approvals`);
      await page.fill('#token', aliceToken);
      await page.click('form[action="/login"] button[type=submit]');
      await page.locator(`article.call[data-call="${call.callId}"]`).waitFor();
      await page.waitForSelector('body[data-live-state="ready"]');
      await web.kill();
      await g.decideApproval('restart-ui/list', { callId: call.callId, kind: 'deny', reason: 'test over' });
      web = await startConsoleProcess({ GEMINIFLOW_CONSOLE_SESSION_SECRET: newSecret() }, web.port);
      await page.waitForURL(/\/login\?next=%2Fapprovals&ended=1$/, { timeout: 60_000 });
      assert.match(await page.locator('#signed-out').innerText(), /You were signed out/);
      await page.fill('#token', aliceToken);
      await page.click('form[action="/login"] button[type=submit]');
      await page.waitForURL(`${web.url}/approvals`);
      await page.waitForSelector('body[data-live-state="ready"]');
      assert.equal(await page.locator(`article.call[data-call="${call.callId}"]`).count(), 0, 'not shown as pending');
      await web.kill();
    });
  });
});
