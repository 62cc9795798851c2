import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValueError } from '@temporalio/common';
import { Admission } from '../receiver/admission';
import { bodyExcerpt, boundedCopy } from '../receiver/bounded-copy';
import { WebhookIdDedupe } from '../receiver/dedupe';
import { isPermanentTemporalError } from '../receiver/temporal-errors';
import { parseSignatureHeader } from '../receiver/verify/signature-header';
import { normaliseEventType, parseJsonBody, toGeminiEvent } from '../routing/envelope';
import { OwnerCache } from '../routing/owner-cache';
import { routeFor } from '../routing/route';
import { mintRoutingToken, parseRoutingKeys } from '../routing/token';

describe('receiver cores', () => {
  it('normalises event names leniently and refuses to guess the rest', () => {
    const cases: [string, string | undefined][] = [
      ['batch.succeeded', 'batch.succeeded'],
      ['batch.completed', 'batch.succeeded'],
      ['BATCH_SUCCEEDED', 'batch.succeeded'],
      ['batch.canceled', 'batch.cancelled'],
      ['interaction.canceled', 'interaction.cancelled'],
      ['interaction.requires-action', 'interaction.requires_action'],
      [' Interaction.Completed ', 'interaction.completed'],
      ['video.generated', 'video.generated'],
      ['batch.exploded', undefined],
      ['completed', undefined],
      ['webhook.ping', undefined],
    ];
    for (const [raw, expected] of cases) assert.equal(normaliseEventType(raw), expected, raw);
  });

  it('maps the envelope to the signal contract: data without user_metadata, metadata from data or top level', () => {
    const inData = toGeminiEvent('msg_1', {
      type: 'batch.completed',
      timestamp: '2026-01-22T12:00:00Z',
      data: { id: 'batches/1', output_file_uri: 'files/x', user_metadata: { temporal_workflow_id: 'wf-1' } },
    });
    assert.equal(inData.kind, 'event');
    if (inData.kind !== 'event') return;
    assert.deepEqual(inData.event, {
      webhookId: 'msg_1',
      type: 'batch.succeeded',
      resourceId: 'batches/1',
      timestamp: '2026-01-22T12:00:00Z',
      data: { id: 'batches/1', output_file_uri: 'files/x' },
      via: 'webhook',
    });
    assert.deepEqual(inData.target, { workflowId: 'wf-1', token: undefined });

    const atTop = toGeminiEvent('msg_2', {
      type: 'interaction.completed',
      data: { id: 'i' },
      user_metadata: { temporal_workflow_id: 'wf-2' },
    });
    assert.equal(atTop.kind === 'event' && atTop.target?.workflowId, 'wf-2');
    const unknown = toGeminiEvent('msg_3', { type: 'interaction.exploded', data: { id: 'i' } });
    assert.deepEqual(
      [unknown.kind, unknown.kind === 'unknown-type' && unknown.rawType],
      ['unknown-type', 'interaction.exploded'],
    );
    assert.equal(toGeminiEvent('msg_4', { type: 'interaction.completed', data: {} }).kind, 'invalid');
    assert.equal(toGeminiEvent('msg_5', null).kind, 'invalid');
  });

  it('detects the scheme of each signature entry', () => {
    const v1 = Buffer.alloc(32, 1).toString('base64');
    const v1a = Buffer.alloc(64, 2).toString('base64');
    const parsed = parseSignatureHeader(`v1,${v1}  v1a,${v1a} v2,zzz eyJh.eyJi.c2ln v1,short`);
    assert.deepEqual(
      parsed.entries.map((e) => e.scheme.name),
      ['v1', 'v1a', 'jwt'],
    );
    assert.deepEqual([parsed.unknown, parsed.malformed], [1, 1]);
  });

  it('routes by user_metadata, else by owner lookup, and refuses ids Temporal would reject', () => {
    assert.deepEqual(routeFor('batches/1', 'wf'), { kind: 'workflow', workflowId: 'wf', trusted: true });
    assert.deepEqual(routeFor('batches/1'), {
      kind: 'owner-lookup',
      resourceId: 'batches/1',
      trusted: true,
      note: undefined,
    });
    assert.equal(routeFor("batches/1' OR 'x'='x").kind, 'unroutable');
    assert.equal(routeFor('batches/1', 'x'.repeat(256)).kind, 'unroutable');
    assert.equal(routeFor('batches/1', 'gemini-deadletter:msg_1').kind, 'unroutable');
    assert.equal(routeFor('batches/1', 'wf-\uD800-lone').kind, 'unroutable', 'a lone surrogate');
    assert.equal(routeFor('batches/1', 'wf-\uD83D\uDE00-pair').kind, 'workflow', 'a surrogate pair is fine');
  });

  it('deduplicates: concurrent copies share one attempt, a failed attempt can be retried, old ids are forgotten', async () => {
    let now = 0;
    const dedupe = new WebhookIdDedupe<string>(2, 1000, () => now);
    let runs = 0;
    const work = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 10));
      return 'ok';
    };
    const [a, b] = await Promise.all([dedupe.once('m1', work), dedupe.once('m1', work)]);
    assert.deepEqual([runs, a.shared, b.shared], [1, false, true]);
    assert.equal(dedupe.seen('m1'), true);

    await assert.rejects(dedupe.once('m2', async () => Promise.reject(new Error('temporal down'))));
    assert.equal(dedupe.seen('m2'), false, 'a failure is not remembered');

    await dedupe.once('m3', work);
    await dedupe.once('m4', work);
    assert.equal(dedupe.seen('m1'), false, 'capacity 2: the oldest id is evicted');
    now = 5000;
    assert.equal(dedupe.seen('m4'), false, 'past the ttl');
  });

  it('deduplicates a delivery under either of its two identities', async () => {
    const dedupe = new WebhookIdDedupe<string>();
    await dedupe.once('jti-1', async () => 'ok', 'msg-1');
    assert.deepEqual([dedupe.seen('jti-1'), dedupe.seen('msg-1'), dedupe.seen('other', 'msg-1')], [true, true, true]);
    assert.equal(dedupe.seen('other', 'unknown'), false);
  });

  it('admission: places in arrival order, no room refused at once, refusals told to come back spread out', async () => {
    let now = 0;
    const admission = new Admission(
      { maxInFlight: 2, maxQueued: 2, maxWaitMs: 1000 },
      () => now,
      () => 1,
    );
    assert.equal(admission.enter(), undefined);
    assert.equal(admission.enter(), undefined);
    const order: string[] = [];
    const queued = ['q1', 'q2'].map((name) =>
      (admission.enter() as Promise<string>).then((wait) => order.push(`${name}:${wait}`)),
    );
    assert.equal(admission.depth, 2);
    const refusals = [admission.enter(), admission.enter(), admission.enter()] as {
      reason: string;
      retryAfterSec: number;
    }[];
    assert.deepEqual(
      refusals.map((r) => r.reason),
      ['queue full', 'queue full', 'queue full'],
    );
    assert.ok(
      refusals.every((r) => Number.isInteger(r.retryAfterSec) && r.retryAfterSec >= 1 && r.retryAfterSec <= 60),
    );
    // Refused one after another, each finds a longer backlog of refusals before it to spread across.
    assert.ok(refusals[2]!.retryAfterSec >= refusals[0]!.retryAfterSec);
    const burst = Array.from({ length: 500 }, () => (admission.enter() as { retryAfterSec: number }).retryAfterSec);
    assert.ok(
      burst.at(-1)! >= 5,
      `500 refused at once at the assumed 100/s come back over seconds, not at once: ${burst.at(-1)}`,
    );
    now = 10;
    admission.leave(10);
    admission.leave(10);
    await Promise.all(queued);
    assert.deepEqual(order, ['q1:in time', 'q2:in time'], 'a place goes to the first waiter');
    assert.deepEqual([admission.active, admission.depth], [2, 0]);
    // Places free every 10 ms now: 200/s for two places, so 200 may wait within the bound (the queue holds 2).
    assert.equal(admission.ratePerSec, 200);
    admission.leave(10);
    admission.leave(10);
    assert.deepEqual([admission.active, admission.depth], [0, 0]);
    // At the door: let in while a place or a place in the queue is left for it behind those let in before.
    const door = new Admission({ maxInFlight: 2, maxQueued: 1, maxWaitMs: 1000 }, () => now);
    assert.deepEqual([door.atDoor(), door.atDoor(), door.atDoor()], [undefined, undefined, undefined]);
    assert.equal(door.atDoor()?.reason, 'queue full', 'two places and one in the queue are spoken for');
    door.leftDoor();
    assert.equal(door.atDoor(), undefined, 'one answered: room for one more');
    // A slow Temporal: one place freed per 2 s. Nobody is queued for a wait the queue cannot promise.
    const slow = new Admission({ maxInFlight: 1, maxQueued: 10, maxWaitMs: 1000 }, () => now);
    void slow.enter();
    slow.leave(2000);
    void slow.enter();
    assert.equal((slow.enter() as { reason: string }).reason, 'queue full', 'a place 2 s away is not promised');
  });

  it('owner cache: bounded, least recently used first out, forgets on request', () => {
    const cache = new OwnerCache(2);
    cache.remember('r1', 'w1');
    cache.remember('r2', 'w2');
    assert.equal(cache.get('r1'), 'w1');
    cache.remember('r3', 'w3');
    assert.deepEqual([cache.get('r1'), cache.get('r2'), cache.get('r3'), cache.size], ['w1', undefined, 'w3', 2]);
    cache.forget('r1');
    assert.equal(cache.get('r1'), undefined);
  });

  it('classifies errors on the way to Temporal: only unavailability is worth a retry', () => {
    const grpc = (code: number) => Object.assign(new Error(`code ${code}`), { code });
    const wrapped = (code: number) => Object.assign(new Error('signal failed'), { cause: grpc(code) });
    for (const code of [3, 9, 11]) assert.equal(isPermanentTemporalError(wrapped(code)), true, `code ${code}`);
    for (const code of [1, 4, 8, 13, 14]) assert.equal(isPermanentTemporalError(wrapped(code)), false, `code ${code}`);
    assert.equal(isPermanentTemporalError(new ValueError('cannot encode')), true);
    assert.equal(isPermanentTemporalError(new Error('who knows')), false, 'unknown errors are retried, never dropped');
    assert.equal(isPermanentTemporalError(new TypeError('a bug')), false, 'a bug of ours is not taken for a refusal');
  });

  it('bounds JSON depth without parsing, and copies hostile values into something storable', () => {
    const deep = Buffer.from(`${'['.repeat(10_000)}${']'.repeat(10_000)}`);
    assert.deepEqual(parseJsonBody(deep), { ok: false, reason: 'body nests deeper than 32 levels', tooDeep: true });
    assert.deepEqual(parseJsonBody(Buffer.from('{"a":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}')), {
      ok: true,
      value: { a: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[' },
    });
    const copy = boundedCopy({
      id: 'wf-\uD800',
      nested: { a: { b: { c: { d: { e: { f: 1 } } } } } },
      long: 'x'.repeat(5000),
    });
    assert.deepEqual(copy, {
      id: 'wf-\uFFFD',
      nested: { a: { b: { c: { d: { e: '[cut: too deep]' } } } } },
      long: `${'x'.repeat(2000)}…`,
    });
    const [key] = parseRoutingKeys(`k:${Buffer.alloc(32, 1).toString('base64')}`);
    const token = mintRoutingToken(key, 'wf', 'interaction');
    const excerpt = bodyExcerpt(Buffer.from(`{"geminiflow_token":"${token}","x":[[[`));
    assert.equal(excerpt, '{"geminiflow_token":"[routing token]","x":[[[', 'tokens never reach a dead letter');
  });
});
