import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../common/paths';
import { exitOf, startProcess } from './helpers/processes';
import { testTmpDir } from './helpers/temporal';

const demo = path.join(projectRoot, 'example', 'cli.ts');

/** The demo reuses the test run's Temporal server through TEMPORAL_ADDRESS, on its own task queue. */
const demoEnv = (queue: string) => ({
  ...process.env,
  TEMPORAL_TASK_QUEUE: `${queue}-${process.pid}`,
  GEMINIFLOW_PUBLISH_DIR: testTmpDir(),
  GEMINIFLOW_TEMPORAL_UI_URL: 'http://127.0.0.1:8233',
  GEMINIFLOW_CONSOLE_TOKENS: '',
});

/** A demo run may take up to four minutes (`exitOf` below); its test waits a little longer, so that bound reports. */
const demoTimeout = { timeout: 5 * 60_000 };

/** `npm run demo` without a terminal: stdout and stderr are pipes. */
async function runDemo(args: string[]): Promise<{ status: number | string; out: string }> {
  const demoProcess = startProcess(process.execPath, ['--import', 'tsx', demo, 'demo', ...args], {
    env: demoEnv('demo'),
  });
  return { status: await exitOf(demoProcess, 240_000), out: demoProcess.output() };
}

/**
 * The same demo at a terminal: Python's pty module gives it a pseudo-terminal (isatty is true, as for a person) and
 * answers each prompt once it appears: `steps` are [what the screen must show, what to type].
 */
async function runDemoAtTerminal(
  args: string[],
  steps: [RegExp, string][],
): Promise<{ status: number | string; screen: string }> {
  const driver = `
import os, pty, re, select, sys, json
steps = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
seen, step = b'', 0
while True:
    ready, _, _ = select.select([fd], [], [], 0.5)
    if ready:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        seen += data
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    if step < len(steps) and re.search(steps[step][0].encode(), seen):
        seen = b''
        os.write(fd, steps[step][1].encode())
        step += 1
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
`;
  const script = JSON.stringify(steps.map(([pattern, keys]) => [pattern.source, keys]));
  const terminal = startProcess(
    'python3',
    ['-c', driver, script, process.execPath, '--import', 'tsx', demo, 'demo', ...args],
    {
      env: demoEnv('demo-tty'),
    },
  );
  return { status: await exitOf(terminal, 240_000), screen: terminal.output() };
}

describe('npm run demo (the main job)', () => {
  it(
    "without a terminal: shows each stage, its waits and events, approves on the person's behalf, and publishes",
    demoTimeout,
    async () => {
      const { status, out } = await runDemo(['--topic', 'tidal energy', '--follow-ups', '2']);
      assert.equal(status, 0, out);
      assert.match(out, /stage: research \(run research-brief-\d+\/research\)/);
      assert.match(out, /research {3}event interaction\.completed reached the run by webhook after \d+ ms/);
      assert.match(out, /follow-ups event batch\.succeeded reached the run by webhook/);
      assert.match(out, /brief {6}the agent asks to call publish and waits for a person/);
      assert.match(out, /no terminal to ask at: the demo approves on the person's behalf/);
      assert.match(out, /decision sent as a Temporal Update: approved/);
      assert.match(out, /approval record: publish approved by demo, then the tool ran/);
      assert.match(out, /research report: # Research report: tidal energy \(\d+ sources\)/);
      assert.match(out, /sources +done \d+, running \d+, failed 0, left \d+ of 3/);
      assert.match(out, /sources +done 3, running 0, failed 0, left 0 of 3\n/, 'the fan-out stage shows its end');
      assert.match(out, /source notes: 3\/3 done, 0 failed/);
      assert.match(out, /follow-up batch: 2\/2 answered, 0 failed/);
      assert.match(out, /published: Brief: tidal energy \(/);
      assert.match(out, /research\s+interaction\.completed\s+by webhook/);
      assert.match(
        out,
        /the run in Temporal's Web UI: http:\/\/127\.0\.0\.1:8233\/namespaces\/\S+\/workflows\/research-brief-\d+\n/,
      );
    },
  );

  it('with --yes --deny, publishes nothing', demoTimeout, async () => {
    const { status, out } = await runDemo(['--topic', 'kelp farming', '--follow-ups', '1', '--yes', '--deny']);
    assert.equal(status, 0, out);
    assert.match(out, /--yes: the demo denies on the person's behalf/);
    assert.match(out, /decision sent as a Temporal Update: denied/);
    assert.match(out, /approval record: publish denied by demo \(denied in the demo\), and the tool did not run/);
    assert.match(out, /published: nothing/);
  });

  it(
    'at a terminal: asks the person, prints the console URL, takes a denial with its reason, and exits 0 on Enter',
    demoTimeout,
    async () => {
      const { status, screen } = await runDemoAtTerminal(
        ['--topic', 'salt marshes', '--follow-ups', '1'],
        [
          [/your decision: approve \(a\), edit \(e\), deny \(d\)\? /, 'x\r'],
          [/please answer a, e, d/, 'd\r'],
          [/reason \(the model reads it\): /, 'not before the review\r'],
          [/press Enter to stop the demo/, '\r'],
        ],
      );
      assert.equal(status, 0, screen);
      assert.match(screen, /console http:\/\/127\.0\.0\.1:\d+ \(sign in with gfc_\S+\)/);
      assert.match(
        screen,
        /decide here, or in the console: http:\/\/127\.0\.0\.1:\d+\/approvals\/research-brief-\d+%2Fbrief\/call_\w+/,
      );
      assert.match(screen, /decision sent as a Temporal Update: denied/);
      assert.match(
        screen,
        /approval record: publish denied by \S+ \(not before the review\), and the tool did not run/,
      );
      assert.match(screen, /published: nothing/);
      assert.match(
        screen,
        /its audit record in the console: http:\/\/127\.0\.0\.1:\d+\/runs\/research-brief-\d+%2Fbrief/,
      );
    },
  );
});
