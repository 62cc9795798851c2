import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import type { VideoCompletionEvents } from '../emulator';
import { optionsFromEnv } from '../emulator/env-options';
import { emulatorFixture, geminiError, tmpFile } from './helpers/emulator';

const omniModels = ['gemini-omni-1.1-flash', 'gemini-omni-flash-preview', 'gemini-omni-1.2-flash'];
const videoFormat = { type: 'video' as const, aspect_ratio: '9:16', delivery: 'uri' as const };
const expectedEvents: Record<VideoCompletionEvents, string[]> = {
  completed: ['interaction.completed'],
  both: ['interaction.completed', 'video.generated'],
  none: [],
};

describe('emulator: video through Interactions on Omni models', () => {
  for (const pattern of ['completed', 'both', 'none'] as const) {
    it(`videoCompletionEvents '${pattern}': each Omni model makes a downloadable video`, async () => {
      const f = await emulatorFixture({ videoCompletionEvents: pattern, durations: { videoMs: 10_000 } });
      try {
        const { ai, emu, listener } = f;
        await ai.webhooks.create({
          uri: `${listener.url}/registered`,
          subscribed_events: ['interaction.completed', 'video.generated'],
        });
        const dynamic = await Promise.all(
          omniModels.map((model) =>
            ai.interactions.create({
              model,
              input: `a paper boat, by ${model}`,
              response_format: videoFormat,
              background: true,
              webhook_config: { uris: [listener.url], user_metadata: { model } },
            }),
          ),
        );
        const registered = await ai.interactions.create({
          model: omniModels[0],
          input: 'to the registered webhook',
          response_format: [{ type: 'text' }, videoFormat],
          background: true,
        });
        await emu.control.clock.advance(10_000);
        await emu.control.idle();

        for (const created of [...dynamic, registered]) {
          const done = await ai.interactions.get(created.id);
          assert.equal(done.status, 'completed', 'the job completes whatever events it sends');
          assert.equal(done.output_video?.mime_type, 'video/mp4');
          assert.match(done.output_video!.uri!, /^files\/video-[a-z0-9]+$/);
          assert.equal((await ai.files.get({ name: done.output_video!.uri! })).source, 'GENERATED');
          const out = tmpFile('video.mp4');
          await ai.files.download({ file: done.output_video!, downloadPath: out });
          const bytes = fs.readFileSync(out);
          assert.equal(bytes.subarray(4, 8).toString(), 'ftyp');
          assert.match(bytes.toString(), /9:16 720p: .*(paper boat|registered webhook)/);

          const types = emu.control.inspect
            .deliveries({ resourceId: created.id })
            .map((d) => d.eventType)
            .sort();
          assert.deepEqual(types, expectedEvents[pattern], `events of ${created.model}`);
        }
        const generated = emu.control.inspect.deliveries({ eventType: 'video.generated' });
        for (const d of generated) {
          const data = JSON.parse(d.body).data;
          assert.match(data.output_file_uri, /^files\/video-/);
          assert.equal(data.file_name, data.output_file_uri);
          assert.equal(data.video_uri, `${emu.baseUrl}/v1beta/${data.file_name}:download?alt=media`);
        }
        const toListener = pattern === 'none' ? 0 : expectedEvents[pattern].length * 4;
        assert.equal(listener.received.length, toListener);
        assert.equal(emu.control.inspect.deliveries({ status: 'delivered' }).length, toListener);
      } finally {
        await f.close();
      }
    });
  }

  it('switches the completion events by control API and by environment; refuses unknown patterns', async () => {
    const f = await emulatorFixture({ videoCompletionEvents: 'both', durations: { videoMs: 1_000 } });
    try {
      const { ai, emu, listener } = f;
      const put = async (events: string) =>
        fetch(`${emu.baseUrl}/_emulator/model/video-events`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ events }),
        });
      const ok = await put('completed');
      assert.deepEqual(await ok.json(), { events: 'completed' });
      const bad = await put('all');
      assert.equal(bad.status, 400);
      assert.match(((await bad.json()) as { error: { message: string } }).error.message, /completed, both, none/);
      const video = await ai.interactions.create({
        model: 'gemini-omni-flash-preview',
        input: 'switched',
        response_format: videoFormat,
        background: true,
        webhook_config: { uris: [listener.url] },
      });
      await emu.control.clock.advance(1_000);
      await emu.control.idle();
      assert.deepEqual(
        emu.control.inspect.deliveries({ resourceId: video.id }).map((d) => d.eventType),
        ['interaction.completed'],
      );
      assert.equal(emu.control.model.setVideoCompletionEvents('none'), 'none');
    } finally {
      await f.close();
    }
    assert.equal(optionsFromEnv({ GEMINI_EMULATOR_VIDEO_EVENTS: 'none' }).videoCompletionEvents, 'none');
    assert.equal(optionsFromEnv({}).videoCompletionEvents, undefined);
    assert.throws(() => optionsFromEnv({ GEMINI_EMULATOR_VIDEO_EVENTS: 'video' }), /GEMINI_EMULATOR_VIDEO_EVENTS/);
  });

  it('without delivery "uri" the video comes inline; foreground works too', async () => {
    const f = await emulatorFixture();
    try {
      const { ai } = f;
      const inline = await ai.interactions.create({ model: 'gemini-omni-1.1-flash', input: 'inline please' });
      assert.equal(inline.status, 'completed');
      assert.equal(inline.output_video?.uri, undefined);
      const bytes = Buffer.from(inline.output_video!.data!, 'base64');
      assert.equal(bytes.subarray(4, 8).toString(), 'ftyp');
      assert.match(bytes.toString(), /16:9 720p: .*inline please/);
      assert.equal((await ai.files.list()).page.length, 0, 'inline delivery stores no file');
    } finally {
      await f.close();
    }
  });

  it('refuses Veo through Interactions, video formats on other models, and bad video options', async () => {
    const f = await emulatorFixture();
    try {
      const { ai } = f;
      for (const model of ['veo-3.1-generate-preview', 'models/veo-3.0-generate-001']) {
        await assert.rejects(
          ai.interactions.create({ model, input: 'a fox', response_format: videoFormat, background: true }),
          (err: { message?: string }) =>
            geminiError(404, 'NOT_FOUND')(err) &&
            /not supported for interactions/.test(err.message ?? '') &&
            /gemini-omni-1\.1-flash/.test(err.message ?? ''),
        );
      }
      await assert.rejects(
        ai.interactions.create({ model: 'gemini-2.5-flash', input: 'x', response_format: videoFormat }),
        geminiError(400, 'INVALID_ARGUMENT'),
      );
      await assert.rejects(
        ai.interactions.create({
          model: 'gemini-omni-1.2-flash',
          input: 'x',
          response_format: { type: 'video', aspect_ratio: '4:3', delivery: 'uri' },
        }),
        (err: { message?: string }) =>
          geminiError(400)(err) && /aspect_ratio must be one of 16:9, 9:16/.test(err.message ?? ''),
      );
      await assert.rejects(
        ai.interactions.create({
          model: 'gemini-omni-1.2-flash',
          input: 'x',
          response_format: { type: 'video', delivery: 'email' },
        }),
        geminiError(400),
      );
      assert.equal(f.emu.control.inspect.deliveries().length, 0, 'a refused request starts nothing');
    } finally {
      await f.close();
    }
  });
});
