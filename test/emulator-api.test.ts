import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { GoogleGenAI } from '@google/genai';
import { emulatorFixture, geminiError, hour, tmpFile, verifyV1 } from './helpers/emulator';

const weatherTool = {
  type: 'function' as const,
  name: 'get_weather',
  parameters: {
    type: 'object',
    properties: { location: { type: 'string' }, days: { type: 'integer' }, unit: { type: 'string', enum: ['c', 'f'] } },
    required: ['location', 'days', 'unit'],
  },
};

describe('emulator API: webhooks resource', () => {
  it('create, list with paging, get, update with update_mask, delete; errors in Gemini format', async () => {
    const f = await emulatorFixture();
    try {
      const { ai } = f;
      const made = [];
      for (let i = 0; i < 3; i++) {
        made.push(
          await ai.webhooks.create({
            name: `hook ${i}`,
            uri: `${f.listener.url}/${i}`,
            subscribed_events: ['batch.succeeded'],
          }),
        );
      }
      for (const w of made) assert.match(w.id!, /^[a-z0-9]{36}$/);
      const page1 = await ai.webhooks.list({ page_size: 2 });
      assert.equal(page1.webhooks?.length, 2);
      assert.ok(page1.next_page_token);
      const page2 = await ai.webhooks.list({ page_size: 2, page_token: page1.next_page_token });
      assert.equal(page2.webhooks?.length, 1);
      assert.equal(page2.next_page_token, undefined);
      assert.deepEqual(
        [...page1.webhooks!, ...page2.webhooks!].map((w) => w.id),
        made.map((w) => w.id),
      );

      const updated = await ai.webhooks.update(made[0].id!, {
        state: 'disabled',
        uri: 'http://127.0.0.1:1/ignored',
        update_mask: 'state',
      });
      assert.equal(updated.state, 'disabled');
      assert.equal(updated.uri, `${f.listener.url}/0`, 'fields outside update_mask are untouched');
      const events = await ai.webhooks.update(made[1].id!, {
        subscribed_events: ['batch.cancelled', 'interaction.cancelled'],
      });
      assert.deepEqual(events.subscribed_events, ['batch.cancelled', 'interaction.cancelled']);

      assert.deepEqual(
        Object.keys(await ai.webhooks.delete(made[2].id!)).filter((k) => k !== 'sdkHttpResponse'),
        [],
      );
      await assert.rejects(ai.webhooks.get(made[2].id!), geminiError(404, 'NOT_FOUND'));
      await assert.rejects(
        ai.webhooks.create({ uri: f.listener.url, subscribed_events: ['batch.completed'] as never }),
        geminiError(400, 'INVALID_ARGUMENT'),
      );
      await assert.rejects(
        ai.webhooks.create({ uri: 'not a url', subscribed_events: ['batch.succeeded'] }),
        geminiError(400),
      );
      await assert.rejects(ai.webhooks.update(made[0].id!, { state: 'paused' as never }), geminiError(400));
    } finally {
      await f.close();
    }
  });

  it('accepts every API version prefix and enforces a configured API key', async () => {
    const f = await emulatorFixture({ apiKey: 'right-key' });
    try {
      const beta = new GoogleGenAI({
        apiKey: 'right-key',
        apiVersion: 'v1beta',
        httpOptions: { baseUrl: f.emu.baseUrl },
      });
      const created = await beta.interactions.create({ model: 'm', input: 'versions' });
      const viaAlpha = await beta.interactions.get(created.id, { api_version: 'v1alpha' });
      assert.equal(viaAlpha.id, created.id);
      const v1 = new GoogleGenAI({ apiKey: 'right-key', httpOptions: { baseUrl: f.emu.baseUrl } });
      assert.equal((await v1.interactions.get(created.id)).status, 'completed');

      const wrong = new GoogleGenAI({ apiKey: 'wrong-key', httpOptions: { baseUrl: f.emu.baseUrl } });
      await assert.rejects(wrong.webhooks.list(), geminiError(400, 'INVALID_ARGUMENT'));
      await assert.rejects(wrong.batches.get({ name: 'batches/x' }), geminiError(400));
    } finally {
      await f.close();
    }
  });
});

describe('emulator API: interactions', () => {
  it('answers deterministically from the input; get shows the whole timeline', async () => {
    const f = await emulatorFixture();
    try {
      const r = await f.ai.interactions.create({ model: 'gemini-2.5-flash', input: 'What is 2+2?' });
      assert.equal(r.status, 'completed');
      assert.equal(r.output_text, 'Emulated gemini-2.5-flash reply to: What is 2+2?');
      assert.deepEqual(
        r.steps?.map((s) => s.type),
        ['model_output'],
      );
      const again = await f.ai.interactions.create({ model: 'gemini-2.5-flash', input: 'What is 2+2?' });
      assert.equal(again.output_text, r.output_text);
      assert.notEqual(again.id, r.id);
      const got = await f.ai.interactions.get(r.id, { include_input: true });
      assert.deepEqual(
        got.steps?.map((s) => s.type),
        ['user_input', 'model_output'],
      );
      assert.equal((got as { input?: unknown }).input, 'What is 2+2?');
      assert.ok(r.usage?.total_tokens && r.usage.total_tokens > 0);
    } finally {
      await f.close();
    }
  });

  it('background: in_progress until its duration passes on the emulator clock; cancel and delete', async () => {
    const f = await emulatorFixture({ durations: { interactionMs: 30_000 } });
    try {
      const { ai, emu } = f;
      const bg = await ai.interactions.create({ model: 'm', input: 'slow', background: true });
      assert.equal(bg.status, 'in_progress');
      await emu.control.clock.advance(25_000);
      assert.equal((await ai.interactions.get(bg.id)).status, 'in_progress');
      await emu.control.clock.advance(5_000);
      const done = await ai.interactions.get(bg.id);
      assert.equal(done.status, 'completed');
      assert.equal(done.output_text, 'Emulated m reply to: slow');

      const tocancel = await ai.interactions.create({ model: 'm', input: 'x', background: true });
      assert.equal((await ai.interactions.cancel(tocancel.id)).status, 'cancelled');
      await emu.control.clock.advance(60_000);
      assert.equal((await ai.interactions.get(tocancel.id)).status, 'cancelled', 'a cancelled job never completes');
      await assert.rejects(ai.interactions.cancel(bg.id), geminiError(400, 'FAILED_PRECONDITION'));

      await ai.interactions.delete(bg.id);
      await assert.rejects(ai.interactions.get(bg.id), geminiError(404));
      await assert.rejects(ai.interactions.create({ input: 'no model' } as never), geminiError(400));
    } finally {
      await f.close();
    }
  });

  it('function calling: schema-derived call, requires_action, then text after function_result', async () => {
    const f = await emulatorFixture();
    try {
      const { ai } = f;
      const first = await ai.interactions.create({ model: 'm', input: 'Boston', tools: [weatherTool] });
      assert.equal(first.status, 'requires_action');
      const calls = first.steps!.filter((s) => s.type === 'function_call') as {
        id: string;
        name: string;
        arguments: unknown;
      }[];
      assert.equal(calls.length, 1);
      assert.equal(calls[0].name, 'get_weather');
      assert.deepEqual(calls[0].arguments, { location: 'Boston', days: 1, unit: 'c' });
      assert.ok(calls[0].id);

      await assert.rejects(
        ai.interactions.create({
          model: 'm',
          previous_interaction_id: first.id,
          input: [{ type: 'function_result', call_id: 'nope', name: 'get_weather', result: 'x' }],
        }),
        geminiError(400),
      );
      const second = await ai.interactions.create({
        model: 'm',
        previous_interaction_id: first.id,
        input: [{ type: 'function_result', call_id: calls[0].id, name: 'get_weather', result: { temp: 21 } }],
      });
      assert.equal(second.status, 'completed');
      assert.equal(second.output_text, 'Emulated m reply after tools: get_weather={"temp":21}');

      const directed = await ai.interactions.create({
        model: 'm',
        input: 'do two things [[call get_weather {"location":"Paris"}]] [[call get_time]]',
        tools: [weatherTool, { type: 'function', name: 'get_time' }],
      });
      const directedCalls = directed.steps!.filter((s) => s.type === 'function_call') as {
        name: string;
        arguments: unknown;
      }[];
      assert.deepEqual(
        directedCalls.map((c) => [c.name, c.arguments]),
        [
          ['get_weather', { location: 'Paris' }],
          ['get_time', {}],
        ],
      );
    } finally {
      await f.close();
    }
  });

  it('scripted rules: a chain of turns with calls, then text; failures and durations', async () => {
    const f = await emulatorFixture();
    try {
      const { ai, emu } = f;
      emu.control.model.addInteractionRule({
        match: { toolName: 'search' },
        turns: [
          {
            functionCalls: [
              { name: 'search', arguments: { q: 'a' } },
              { name: 'search', arguments: { q: 'b' } },
            ],
          },
          { functionCalls: [{ name: 'search', arguments: { q: 'c' } }] },
          { text: 'final answer', durationMs: 10_000 },
        ],
      });
      emu.control.model.addInteractionRule({
        match: { inputIncludes: 'explode' },
        turns: [{ fail: { code: 'INTERNAL', message: 'boom' } }],
      });
      const searchTool = { type: 'function' as const, name: 'search', parameters: { type: 'object' } };
      let it = await ai.interactions.create({ model: 'm', input: 'research', tools: [searchTool] });
      const seen: unknown[] = [];
      for (let turn = 0; it.status === 'requires_action'; turn++) {
        const calls = it.steps!.filter((s) => s.type === 'function_call') as unknown as {
          id: string;
          name: string;
          arguments: { q: string };
        }[];
        seen.push(calls.map((c) => c.arguments.q));
        it = await ai.interactions.create({
          model: 'm',
          previous_interaction_id: it.id,
          background: turn === 1,
          input: calls.map((c) => ({
            type: 'function_result' as const,
            call_id: c.id,
            name: c.name,
            result: `r-${c.arguments.q}`,
          })),
        });
      }
      assert.deepEqual(seen, [['a', 'b'], ['c']]);
      assert.equal(it.status, 'in_progress');
      await emu.control.clock.advance(5_000);
      assert.equal((await ai.interactions.get(it.id)).status, 'in_progress');
      await emu.control.clock.advance(5_000);
      assert.equal((await ai.interactions.get(it.id)).output_text, 'final answer');

      const failed = await ai.interactions.create({ model: 'm', input: 'explode now' });
      assert.equal(failed.status, 'failed');
    } finally {
      await f.close();
    }
  });

  it('Deep Research: needs background, then a markdown report with Sources', async () => {
    const f = await emulatorFixture();
    try {
      const { ai, emu } = f;
      const agent = 'deep-research-preview-04-2026';
      await assert.rejects(ai.interactions.create({ agent, input: 'x' }), geminiError(400));
      const dr = await ai.interactions.create({
        agent,
        input: 'solar panel recycling',
        background: true,
        agent_config: { type: 'deep-research', thinking_summaries: 'auto' },
      });
      assert.equal(dr.status, 'in_progress');
      await emu.control.clock.advance(25_000);
      assert.equal((await ai.interactions.get(dr.id)).status, 'in_progress');
      await emu.control.clock.advance(5_000);
      const done = await ai.interactions.get(dr.id);
      assert.equal(done.status, 'completed');
      assert.match(done.output_text!, /^# Research report: solar panel recycling/);
      assert.match(done.output_text!, /## Sources\n\n1\. \[.+\]\(https:\/\/.+\)/);
      assert.equal(done.agent, agent);
    } finally {
      await f.close();
    }
  });

  it('video generation produces a file downloadable with files.download', async () => {
    const f = await emulatorFixture({ durations: { videoMs: 5_000 } });
    try {
      const { ai, emu } = f;
      const v = await ai.interactions.create({
        model: 'gemini-omni-1.1-flash',
        input: 'a red fox',
        response_format: { type: 'video', delivery: 'uri' },
        background: true,
      });
      await emu.control.clock.advance(5_000);
      const done = await ai.interactions.get(v.id);
      assert.equal(done.status, 'completed');
      const block = (done.steps!.at(-1) as { content: { type: string; uri: string; mime_type: string }[] }).content[0];
      assert.equal(block.type, 'video');
      assert.equal(block.mime_type, 'video/mp4');
      const meta = await ai.files.get({ name: block.uri });
      assert.equal(meta.source, 'GENERATED');
      const out = tmpFile('video.mp4');
      await ai.files.download({ file: block.uri, downloadPath: out });
      const bytes = fs.readFileSync(out);
      assert.equal(bytes.subarray(4, 8).toString(), 'ftyp');
      assert.match(bytes.toString(), /a red fox/);
    } finally {
      await f.close();
    }
  });
});

describe('emulator API: streaming and base URL variants', () => {
  it('streams interactions (SSE) and generateContent, and serves a base URL with a path prefix', async () => {
    const f = await emulatorFixture();
    try {
      const stream = await f.ai.interactions.create({ model: 'm', input: 'stream this', stream: true });
      const types: string[] = [];
      let text = '';
      let finalId: string | undefined;
      for await (const event of stream) {
        types.push(event.event_type);
        if (event.event_type === 'step.delta' && event.delta.type === 'text') text += event.delta.text;
        if (event.event_type === 'interaction.completed') finalId = event.interaction.id;
      }
      assert.deepEqual(types, [
        'interaction.created',
        'step.start',
        'step.delta',
        'step.stop',
        'interaction.completed',
      ]);
      assert.equal(text, 'Emulated m reply to: stream this');
      assert.equal((await f.ai.interactions.get(finalId!)).output_text, text);

      let streamed = '';
      for await (const chunk of await f.ai.models.generateContentStream({
        model: 'gemini-2.5-flash',
        contents: 'chunky',
      })) {
        streamed += chunk.text ?? '';
      }
      assert.equal(streamed, 'Emulated gemini-2.5-flash reply to: chunky');
      const unary = await f.ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'plain' });
      assert.equal(unary.text, 'Emulated gemini-2.5-flash reply to: plain');

      const prefixed = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: `${f.emu.baseUrl}/gemini/` } });
      const viaPrefix = await prefixed.interactions.create({ model: 'm', input: 'prefixed' });
      assert.equal(viaPrefix.output_text, 'Emulated m reply to: prefixed');
      const file = await prefixed.files.upload({ file: new Blob(['{}']), config: { mimeType: 'application/json' } });
      assert.equal((await prefixed.files.get({ name: file.name! })).sizeBytes, '2');
    } finally {
      await f.close();
    }
  });
});

describe('emulator API: batches and files', () => {
  it('file input: resumable upload, states, output JSONL with scripted and directed failures', async () => {
    const f = await emulatorFixture({ durations: { batchMs: 10 * 60_000 } });
    try {
      const { ai, emu } = f;
      emu.control.model.addBatchRule({ match: { displayName: 'nightly' }, failKeys: ['k2'] });
      const lines = ['one', 'two', 'three [[fail bad prompt]]'].map((text, i) =>
        JSON.stringify({
          key: `k${i + 1}`,
          request: { contents: [{ parts: [{ text }] }], generation_config: { temperature: 0 } },
        }),
      );
      const input = tmpFile('requests.jsonl');
      fs.writeFileSync(input, `${lines.join('\n')}\n`);
      const uploaded = await ai.files.upload({ file: input, config: { mimeType: 'jsonl', displayName: 'requests' } });
      assert.match(uploaded.name!, /^files\/[a-z0-9-]+$/);
      assert.equal(uploaded.sizeBytes, String(fs.statSync(input).size));
      assert.equal(uploaded.state, 'ACTIVE');

      const batch = await ai.batches.create({
        model: 'gemini-2.5-flash',
        src: uploaded.name!,
        config: { displayName: 'nightly' },
      });
      assert.match(batch.name!, /^batches\/[a-z0-9]+$/);
      assert.equal(batch.state, 'JOB_STATE_PENDING');
      await emu.control.clock.advance(1_000);
      assert.equal((await ai.batches.get({ name: batch.name! })).state, 'JOB_STATE_RUNNING');
      await emu.control.clock.advance(10 * 60_000);
      const done = await ai.batches.get({ name: batch.name! });
      assert.equal(done.state, 'JOB_STATE_SUCCEEDED');
      assert.equal(done.model, 'models/gemini-2.5-flash');
      assert.equal(done.displayName, 'nightly');
      const out = tmpFile('out.jsonl');
      await ai.files.download({ file: done.dest!.fileName!, downloadPath: out });
      const results = fs
        .readFileSync(out, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.deepEqual(
        results.map((r) => r.key),
        ['k1', 'k2', 'k3'],
      );
      assert.equal(results[0].response.candidates[0].content.parts[0].text, 'Emulated gemini-2.5-flash reply to: one');
      assert.equal(results[1].error.code, 500);
      assert.equal(results[2].error.message, 'bad prompt');
      const listed = await ai.files.list();
      const names: string[] = [];
      for await (const file of listed) names.push(file.name!);
      assert.ok(names.includes(uploaded.name!) && names.includes(done.dest!.fileName!));
      await ai.files.delete({ name: uploaded.name! });
      await assert.rejects(ai.files.get({ name: uploaded.name! }), geminiError(404));
    } finally {
      await f.close();
    }
  });

  it('inline input: inlined responses; list, cancel, delete, expiry at 48 h', async () => {
    const f = await emulatorFixture();
    try {
      const { ai, emu } = f;
      const src = ['alpha', 'beta'].map((text, i) => ({
        contents: [{ parts: [{ text }], role: 'user' }],
        metadata: { key: `r${i}` },
      }));
      const ok = await ai.batches.create({
        model: 'gemini-2.5-flash',
        src: src as never,
        config: { displayName: 'inline' },
      });
      emu.control.model.addBatchRule({ match: { displayName: 'forever' }, durationMs: 72 * hour });
      const forever = await ai.batches.create({
        model: 'gemini-2.5-flash',
        src: src as never,
        config: { displayName: 'forever' },
      });
      const stop = await ai.batches.create({
        model: 'gemini-2.5-flash',
        src: src as never,
        config: { displayName: 'stop' },
      });
      await ai.batches.cancel({ name: stop.name! });
      assert.equal((await ai.batches.get({ name: stop.name! })).state, 'JOB_STATE_CANCELLED');

      await emu.control.clock.advance(60_000);
      const done = await ai.batches.get({ name: ok.name! });
      assert.equal(done.state, 'JOB_STATE_SUCCEEDED');
      const inlined = done.dest!.inlinedResponses!;
      assert.deepEqual(
        inlined.map((r) => r.metadata),
        [{ key: 'r0' }, { key: 'r1' }],
      );
      assert.equal(
        inlined[1].response?.candidates?.[0].content?.parts?.[0].text,
        'Emulated gemini-2.5-flash reply to: beta',
      );

      const states = new Map<string, string>();
      for await (const b of await ai.batches.list({ config: { pageSize: 1 } })) states.set(b.name!, b.state!);
      assert.equal(states.size, 3);
      assert.equal(states.get(forever.name!), 'JOB_STATE_RUNNING');

      await emu.control.clock.advance(48 * hour);
      assert.equal((await ai.batches.get({ name: forever.name! })).state, 'JOB_STATE_EXPIRED');
      await ai.batches.delete({ name: ok.name! });
      await assert.rejects(ai.batches.get({ name: ok.name! }), geminiError(404));
      await assert.rejects(ai.batches.cancel({ name: forever.name! }), geminiError(400));
      await assert.rejects(ai.batches.create({ model: 'm', src: 'files/missing' }), geminiError(400));
    } finally {
      await f.close();
    }
  });
});

describe('emulator API: faults and call counts', () => {
  it('429/5xx faults: the NextGen client retries through them; the legacy client surfaces them', async () => {
    const f = await emulatorFixture();
    try {
      const { ai, emu } = f;
      const it1 = await ai.interactions.create({ model: 'm', input: 'x' });
      emu.control.inspect.resetCalls();
      emu.control.faults.addApiFault({ sdkMethod: 'interactions.get', status: 503, count: 2 });
      assert.equal((await ai.interactions.get(it1.id)).status, 'completed');
      assert.equal(
        emu.control.inspect.calls().bySdkMethod['interactions.get'],
        3,
        'two faulted attempts + one success',
      );

      emu.control.faults.addApiFault({ method: 'GET', pathIncludes: '/batches', status: 429, message: 'slow down' });
      await assert.rejects(ai.batches.list(), geminiError(429, 'RESOURCE_EXHAUSTED'));
      await ai.batches.list();
      assert.deepEqual(emu.control.faults.list(), []);
    } finally {
      await f.close();
    }
  });

  it('counts API calls by SDK method: polling costs calls, webhooks cost none', async () => {
    const f = await emulatorFixture({ durations: { interactionMs: 10_000 } });
    try {
      const { ai, emu } = f;
      const wh = await ai.webhooks.create({ uri: f.listener.url, subscribed_events: ['interaction.completed'] });
      emu.control.inspect.resetCalls();
      const polled = await ai.interactions.create({ model: 'm', input: 'poll me', background: true });
      let polls = 0;
      while ((await ai.interactions.get(polled.id)).status === 'in_progress') {
        polls++;
        await emu.control.clock.advance(1_000);
      }
      const viaWebhook = await ai.interactions.create({ model: 'm', input: 'tell me', background: true });
      await emu.control.clock.advance(10_000);
      await emu.control.waitForDeliveries({ resourceId: viaWebhook.id });
      const ids = f.listener.received.map(
        (req) => (verifyV1(wh.new_signing_secret!, req, f.now()) as { data: { id: string } }).data.id,
      );
      assert.deepEqual(ids, [polled.id, viaWebhook.id]);
      const calls = emu.control.inspect.calls();
      assert.equal(calls.bySdkMethod['interactions.create'], 2);
      assert.equal(calls.bySdkMethod['interactions.get'], polls + 1);
      assert.ok(polls >= 5, `polled ${polls} times`);
      assert.equal(calls.total, 2 + polls + 1);
    } finally {
      await f.close();
    }
  });
});
