import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { describe, it } from 'node:test';
import { GoogleGenAI } from '@google/genai';
import { listen } from '../common/listen';
import { projectRoot, toolsDir } from '../common/paths';
import { startEmulator } from '../emulator';
import { optionsFromEnv } from '../emulator/env-options';
import {
  type EmulatorFixture,
  emulatorFixture,
  fetchJwks,
  startEmulatorProcess,
  tmpFile,
  verifyJwt,
} from './helpers/emulator';

interface MountProxy {
  url: string;
  /** Paths of the requests it forwarded, as the client sent them. */
  forwarded: string[];
  close(): Promise<void>;
}

/**
 * A reverse proxy that serves the emulator under `mount` only (anything else is a 404), forwarding the path as it came
 * (`keep`) or without the mount, as nginx `location /gemini/ { proxy_pass http://emu; }` and `.../ proxy_pass
 * http://emu/;` do.
 */
async function startMountProxy(mount: string, how: 'keep' | 'strip', target: () => string): Promise<MountProxy> {
  const forwarded: string[] = [];
  const { url, close } = await listen(
    (req, res) => {
      const url = req.url ?? '/';
      if (!url.startsWith(`${mount}/`)) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end(`nothing mounted at ${url}`);
        return;
      }
      forwarded.push(url);
      const upstream = new URL(how === 'keep' ? url : url.slice(mount.length), target());
      const out = http.request(upstream, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.on('error', () => res.writeHead(502).end());
      req.pipe(out);
    },
    { what: 'mount proxy' },
  );
  return { url, forwarded, close: () => close() };
}

/** A small upload and a download through `ai`: the resumable upload's second request is the one a mount can lose. */
async function uploadAndDownload(ai: GoogleGenAI): Promise<void> {
  const file = await ai.files.upload({ file: new Blob(['{"a":1}\n']), config: { mimeType: 'application/jsonl' } });
  assert.equal(file.sizeBytes, '8');
  const out = tmpFile('copy.jsonl');
  await ai.files.download({ file: file.name!, downloadPath: out });
  assert.equal(fs.readFileSync(out, 'utf8'), '{"a":1}\n');
}

describe('emulator URLs behind a proxy mount', () => {
  it('a path-keeping mount: the upload URL keeps the prefix, so every request goes through the mount', async () => {
    const f = await emulatorFixture();
    let proxy: MountProxy | undefined;
    try {
      proxy = await startMountProxy('/gemini', 'keep', () => f.emu.baseUrl);
      const ai = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: `${proxy.url}/gemini/` } });
      await uploadAndDownload(ai);
      assert.ok(
        proxy.forwarded.some((p) => p.startsWith('/gemini/upload/v1/files?upload_id=')),
        `the chunk went through the mount: ${proxy.forwarded.join(' ')}`,
      );
      const reply = await ai.interactions.create({ model: 'm', input: 'mounted' });
      assert.equal(reply.output_text, 'Emulated m reply to: mounted');
    } finally {
      await proxy?.close();
      await f.close();
    }
  });

  it('a mount-stripping proxy: the public URL carries the mount', async () => {
    let emulatorUrl = '';
    const proxy = await startMountProxy('/strip', 'strip', () => emulatorUrl);
    let f: EmulatorFixture | undefined;
    try {
      f = await emulatorFixture({ publicUrl: `${proxy.url}/strip/` });
      emulatorUrl = f.emu.listenUrl;
      assert.equal(f.emu.baseUrl, `${proxy.url}/strip`);
      const ai = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: f.emu.baseUrl } });
      await uploadAndDownload(ai);
      const [file] = (await ai.files.list()).page;
      assert.equal(file.uri, `${proxy.url}/strip/v1beta/${file.name}`);
      assert.equal((await fetch(file.downloadUri!, { headers: { 'x-goog-api-key': 'k' } })).status, 200);
    } finally {
      await f?.close();
      await proxy.close();
    }
  });
});

describe('emulator advertised URLs', () => {
  it('advertises the public URL everywhere: base URL, file uri/downloadUri, video_uri, JWT iss', async () => {
    const publicUrl = 'http://gemini-emulator:8790';
    const f = await emulatorFixture({ publicUrl, dynamicSigning: 'jwt', durations: { videoMs: 1_000 } });
    try {
      const { emu, listener } = f;
      assert.equal(emu.baseUrl, publicUrl);
      assert.equal(emu.jwksUrl, `${publicUrl}/.well-known/jwks.json`);
      // The test reaches it where it listens; compose containers would use the public name.
      const ai = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: emu.listenUrl } });
      const file = await ai.files.upload({ file: new Blob(['x']), config: { mimeType: 'text/plain' } });
      assert.equal(file.uri, `${publicUrl}/v1beta/${file.name}`);
      assert.equal(file.downloadUri, `${publicUrl}/v1beta/${file.name}:download?alt=media`);
      await ai.interactions.create({
        model: 'gemini-omni-1.1-flash',
        input: 'a harbour',
        response_format: { type: 'video', delivery: 'uri' },
        background: true,
        webhook_config: { uris: [listener.url] },
      });
      await emu.control.clock.advance(1_000);
      await emu.control.idle();
      const generated = listener.received.find((r) => JSON.parse(r.body).type === 'video.generated')!;
      const data = JSON.parse(generated.body).data as { video_uri: string; file_name: string };
      assert.equal(data.video_uri, `${publicUrl}/v1beta/${data.file_name}:download?alt=media`);
      const jwks = await fetchJwks(`${emu.listenUrl}/.well-known/jwks.json`);
      await verifyJwt(jwks, generated, { issuer: publicUrl, audience: listener.url, nowMs: f.now() });
    } finally {
      await f.close();
    }
  });

  it('bound to 0.0.0.0 it advertises 127.0.0.1; a bad public URL is refused before listening', async () => {
    const emu = await startEmulator({ host: '0.0.0.0' });
    try {
      const port = new URL(emu.listenUrl).port;
      assert.equal(emu.listenUrl, `http://0.0.0.0:${port}`);
      assert.equal(emu.baseUrl, `http://127.0.0.1:${port}`);
      assert.equal((await fetch(emu.jwksUrl)).status, 200);
    } finally {
      await emu.stop();
    }
    await assert.rejects(startEmulator({ publicUrl: 'gemini-emulator:8790' }), /not a URL|http or https/);
    await assert.rejects(startEmulator({ publicUrl: 'ftp://gemini-emulator' }), /http or https/);
    assert.equal(
      optionsFromEnv({ GEMINI_EMULATOR_PUBLIC_URL: 'http://gemini-emulator:8790/' }).publicUrl,
      'http://gemini-emulator:8790',
    );
    assert.throws(() => optionsFromEnv({ GEMINI_EMULATOR_PUBLIC_URL: 'http://h/?q=1' }), /GEMINI_EMULATOR_PUBLIC_URL/);
  });
});

describe('emulator compiled to JavaScript', () => {
  it('runs from tsc output without tsx: the entry point and the library', async () => {
    // Inside the project, so that the compiled files resolve node_modules as a package install would.
    fs.mkdirSync(path.join(toolsDir, 'cache'), { recursive: true });
    const outDir = fs.mkdtempSync(path.join(toolsDir, 'cache', 'emulator-js-'));
    try {
      const config = path.join(outDir, 'tsconfig.json');
      fs.writeFileSync(
        config,
        JSON.stringify({
          extends: path.join(projectRoot, 'tsconfig.json'),
          compilerOptions: {
            noEmit: false,
            outDir,
            rootDir: projectRoot,
            module: 'commonjs',
            moduleResolution: 'node10',
          },
          include: [],
          files: [path.join(projectRoot, 'emulator', 'main.ts'), path.join(projectRoot, 'emulator', 'index.ts')],
        }),
      );
      const tscBin = path.join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc');
      const tsc = spawnSync(process.execPath, [tscBin, '-p', config], { encoding: 'utf8' });
      assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);

      const emulator = await startEmulatorProcess([path.join(outDir, 'emulator', 'main.js')], {
        NODE_OPTIONS: '',
        GEMINI_EMULATOR_PORT: '0',
        GEMINI_EMULATOR_HOST: '0.0.0.0',
      });
      try {
        assert.match(emulator.output(), /listening on http:\/\/0\.0\.0\.0:\d+, advertised as http:\/\/127\.0\.0\.1:/);
        const ai = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: emulator.baseUrl } });
        await uploadAndDownload(ai);
      } finally {
        await emulator.stop();
      }

      // The library as `geminiflow/testing` would load it.
      const compiled = require(path.join(outDir, 'emulator', 'index.js')) as typeof import('../emulator');
      const emu = await compiled.startEmulator({ publicUrl: 'http://emulator.internal:8790' });
      try {
        assert.equal(emu.baseUrl, 'http://emulator.internal:8790');
        const ai = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: emu.listenUrl } });
        const reply = await ai.interactions.create({ model: 'm', input: 'compiled' });
        assert.equal(reply.output_text, 'Emulated m reply to: compiled');
      } finally {
        await emu.stop();
      }
    } finally {
      fs.rmSync(outDir, { recursive: true, force: true });
    }
  });
});
