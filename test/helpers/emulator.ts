import assert from 'node:assert/strict';
import { createHash, createPublicKey, verify as cryptoVerify } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GoogleGenAI } from '@google/genai';
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import { Webhook } from 'standardwebhooks';
import {
  type CapturedRequest,
  type CaptureListener,
  type EmulatorOptions,
  type RunningEmulator,
  startCaptureListener,
  startEmulator,
} from '../../emulator';
import { startProcess } from './processes';

export interface EmulatorFixture {
  emu: RunningEmulator;
  ai: GoogleGenAI;
  listener: CaptureListener;
  /** Emulator time, unix ms. */
  now(): number;
  close(): Promise<void>;
}

/** An emulator, the real SDK pointed at it, and a capture listener (optionally a verifying one via `respond`). */
export async function emulatorFixture(
  opts: EmulatorOptions = {},
  listenerOpts: Parameters<typeof startCaptureListener>[0] = {},
): Promise<EmulatorFixture> {
  // Pinned so that GEMINI_EMULATOR_* variables in the environment cannot change what these tests expect.
  const emu = await startEmulator({
    dynamicSigning: 'v1a',
    timeScale: 1,
    userMetadataPlacement: 'both',
    webhookTimestampClock: 'emulator',
    deliveryTimeoutMs: 5_000,
    disableWebhookAfterFailedAttempts: 30,
    ...opts,
    durations: { interactionMs: 1_000, deepResearchMs: 30_000, batchMs: 60_000, videoMs: 20_000, ...opts.durations },
  });
  const listener = await startCaptureListener(listenerOpts);
  const ai = new GoogleGenAI({ apiKey: 'test-key', httpOptions: { baseUrl: emu.baseUrl } });
  return {
    emu,
    ai,
    listener,
    now: () => emu.control.clock.now().now,
    async close() {
      await listener.close();
      await emu.stop();
    },
  };
}

export const hour = 3_600_000;

/** A rejection carrying Gemini's error: the HTTP status and, for the NextGen stack, the parsed `{code, status}`. */
export const geminiError = (status: number, statusName?: string) => (err: unknown) => {
  const e = err as { status?: number; error?: { code?: number; status?: string }; message?: string };
  assert.equal(e.status, status, `expected HTTP ${status}, got ${String(e.status)}: ${e.message}`);
  if (statusName)
    assert.ok(JSON.stringify(e.error ?? {}).includes(statusName) || e.message?.includes(statusName), e.message);
  return true;
};

export interface EmulatorProcess {
  /** The URL it prints as advertised. */
  baseUrl: string;
  /** Everything it printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** Runs an emulator entry point (`node <args>`) and waits for the line that tells where it listens. */
export async function startEmulatorProcess(args: string[], env: NodeJS.ProcessEnv): Promise<EmulatorProcess> {
  const emulator = startProcess(process.execPath, args, { env: { ...process.env, ...env } });
  try {
    const [, baseUrl] = await emulator.waitFor(/listening on \S+, advertised as (http\S+)\s/, 'its base URL', 20_000);
    return { baseUrl: baseUrl!, output: emulator.output, stop: () => emulator.kill('SIGTERM') };
  } catch (err) {
    await emulator.kill();
    throw err;
  }
}

/** A fresh path in a new temporary directory. */
export function tmpFile(name: string): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gf-emu-')), name);
}

/**
 * Independent verifiers for emulator deliveries: the standardwebhooks package for v1, node:crypto with JWKs imported by
 * createPublicKey for v1a, and jose for RS256 JWTs. None shares code with the emulator's signer.
 */

/** Runs `fn` with Date.now() reading `ms`, so a verifier's 5-minute tolerance is checked against emulator time. */
export function atTime<T>(ms: number, fn: () => T): T {
  const realNow = Date.now;
  Date.now = () => ms;
  try {
    return fn();
  } finally {
    Date.now = realNow;
  }
}

/** Standard Webhooks v1 (HMAC); throws unless one `v1,` entry matches `secret` within ±300 s of `nowMs`. */
export function verifyV1(secret: string, req: CapturedRequest, nowMs: number): unknown {
  return atTime(nowMs, () => new Webhook(secret).verify(req.body, req.headers));
}

export async function fetchJwks(jwksUrl: string): Promise<JSONWebKeySet> {
  const res = await fetch(jwksUrl);
  if (!res.ok) throw new Error(`JWKS answered ${res.status}`);
  return (await res.json()) as JSONWebKeySet;
}

/** v1a: Ed25519 over `${id}.${timestamp}.${body}`, tried against every OKP key (they carry no kid). */
export function verifyV1a(jwks: JSONWebKeySet, req: CapturedRequest, nowMs: number): unknown {
  const id = req.headers['webhook-id'];
  const ts = req.headers['webhook-timestamp'];
  const sigHeader = req.headers['webhook-signature'];
  if (!id || !ts || !sigHeader) throw new Error('missing webhook headers');
  if (Math.abs(Number(ts) - nowMs / 1000) > 300) throw new Error(`timestamp ${ts} outside tolerance`);
  const message = Buffer.from(`${id}.${ts}.${req.body}`);
  const okp = jwks.keys.filter((k) => k.kty === 'OKP' && k.crv === 'Ed25519');
  for (const entry of sigHeader.split(' ')) {
    const [version, sig] = entry.split(',');
    if (version !== 'v1a' || !sig) continue;
    for (const jwk of okp) {
      const key = createPublicKey({ key: jwk as never, format: 'jwk' });
      if (cryptoVerify(null, message, key, Buffer.from(sig, 'base64'))) return JSON.parse(req.body);
    }
  }
  throw new Error('no v1a signature verified with any OKP key');
}

/** RS256 JWT: kid-selected key from the JWKS, issuer, audience = delivery URI, expiry, and a body hash claim. */
export async function verifyJwt(
  jwks: JSONWebKeySet,
  req: CapturedRequest,
  o: { issuer: string; audience: string; nowMs: number },
): Promise<{ event: unknown; sub?: string; jti?: string }> {
  const token = req.headers['webhook-signature'];
  if (!token) throw new Error('missing webhook-signature');
  const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), {
    issuer: o.issuer,
    audience: o.audience,
    algorithms: ['RS256'],
    currentDate: new Date(o.nowMs),
  });
  if (!protectedHeader.kid) throw new Error('JWT header has no kid');
  const bodyHash = createHash('sha256').update(req.body).digest('hex');
  if (payload.body_sha256 !== bodyHash) throw new Error('body_sha256 claim does not match the raw body');
  return { event: payload.event, sub: payload.sub, jti: payload.jti };
}
