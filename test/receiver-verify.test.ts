import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { exportJWK, type JWK } from 'jose';
import { listen } from '../common/listen';
import {
  mintRoutingToken,
  parseRoutingKeys,
  ReceiverOptionsError,
  routingTokenField,
  verifyGeminiWebhook,
  type WebhookKeys,
} from '../receiver';
import { WebhookVerifier } from '../receiver/verify';
import { JwksKeys } from '../receiver/verify/jwks';
import { v1aScheme } from '../receiver/verify/v1a';
import { verifyRoutingToken } from '../routing/token';
import {
  envelope,
  makeKeys,
  newSecret,
  nowSec,
  sha256Hex,
  signJwt,
  signV1,
  signV1a,
  testIssuer,
} from './helpers/receiver';

const AUDIENCE = 'https://receiver.example/webhooks/gemini';

describe('verifyGeminiWebhook, framework-free', async () => {
  const keys = makeKeys();
  const jwks: { keys: JWK[] } = { keys: [] };
  for (const { publicKey } of keys.ed25519) jwks.keys.push(await exportJWK(publicKey));
  jwks.keys.push({ ...(await exportJWK(keys.rsa.publicKey)), kid: keys.rsa.kid, alg: 'RS256' });
  const secret = newSecret();
  const webhookKeys: WebhookKeys = { secrets: [secret], jwks, issuer: testIssuer, audience: AUDIENCE };
  const body = JSON.stringify(envelope('interaction.completed', 'interactions/abc'));

  it('verifies v1 with headers as a plain object in any case, and says the sender is this deployment', async () => {
    const id = `msg_${randomUUID()}`;
    const ts = nowSec();
    const headers = {
      'Webhook-Id': id,
      'WEBHOOK-TIMESTAMP': String(ts),
      'webhook-signature': signV1(secret, id, ts, body),
    };
    const result = await verifyGeminiWebhook(body, headers, webhookKeys);
    assert.equal(result.ok, true, JSON.stringify(result));
    if (!result.ok) return;
    assert.deepEqual(
      [result.scheme, result.key, result.webhookId, result.sender],
      ['v1', 'secret#1', id, 'deployment'],
    );
    assert.deepEqual(result.envelope, JSON.parse(body));
  });

  it('v1a: picks the key a delivery names by kid, and tries the key that verified last first', async () => {
    // A key set whose Ed25519 keys carry kids, as Google's might; Node's rawHeaders list is read as it comes.
    const named: { keys: JWK[] } = { keys: [] };
    for (const [i, { publicKey }] of keys.ed25519.entries())
      named.keys.push({ ...(await exportJWK(publicKey)), kid: `ed-${i}` });
    const keySet = new JwksKeys(named);
    const verifier = new WebhookVerifier({ jwks: named }, [v1aScheme]);
    const deliver = (signer: number, kid?: string) => {
      const id = `msg_${randomUUID()}`;
      const ts = nowSec();
      const raw = [
        'Webhook-Id',
        id,
        'Webhook-Timestamp',
        String(ts),
        'Webhook-Signature',
        signV1a(keys.ed25519[signer]!.privateKey, id, ts, body),
      ];
      return verifier.verifySignature(Buffer.from(body), kid ? [...raw, 'Webhook-Key-Id', kid] : raw);
    };
    const named2 = await deliver(2, 'ed-2');
    assert.equal('scheme' in named2 && named2.key, 'ed-2', JSON.stringify(named2));
    const wrongKid = await deliver(2, 'ed-0');
    assert.deepEqual(
      wrongKid,
      { ok: false, status: 401, reason: 'no signature entry verified' },
      'only the named key is tried',
    );
    const unknownKid = await deliver(1, 'ed-9');
    assert.equal('scheme' in unknownKid && unknownKid.key, 'ed-1', 'a kid the set lacks: every key is a candidate');
    const unnamed = await deliver(0);
    assert.equal('scheme' in unnamed && unnamed.key, 'ed-0');

    // The order the candidates are tried in: the last key that verified first, the rest as published.
    assert.deepEqual(
      (await keySet.ed25519Candidates()).map((k) => k.kid),
      ['ed-0', 'ed-1', 'ed-2'],
    );
    const v1a = v1aScheme.verifier({
      keySet,
      secrets: [],
      issuers: [],
      audience: false,
      toleranceSec: 300,
      now: Date.now,
    });
    assert.ok(typeof v1a !== 'string');
    const id = `msg_${randomUUID()}`;
    const ts = nowSec();
    const entry = signV1a(keys.ed25519[2]!.privateKey, id, ts, body);
    const verdict = await v1a.verify([entry], { webhookId: id, timestamp: ts, body: Buffer.from(body) });
    assert.deepEqual(verdict, { ok: true, key: 'ed-2' });
    assert.deepEqual(
      (await keySet.ed25519Candidates()).map((k) => k.kid),
      ['ed-2', 'ed-0', 'ed-1'],
    );
    assert.deepEqual(
      (await keySet.ed25519Candidates('ed-1')).map((k) => k.kid),
      ['ed-1'],
    );
  });

  it('verifies v1a with a fetch Headers object, and says the sender is Google (for anyone)', async () => {
    const id = `msg_${randomUUID()}`;
    const ts = nowSec();
    const headers = new Headers({
      'webhook-id': id,
      'webhook-timestamp': String(ts),
      'webhook-signature': signV1a(keys.ed25519[2].privateKey, id, ts, body),
    });
    const result = await verifyGeminiWebhook(Buffer.from(body), headers, webhookKeys);
    assert.equal(result.ok && result.scheme, 'v1a', JSON.stringify(result));
    assert.equal(result.ok && result.sender, 'google');
  });

  it('verifies a JWT and deduplicates on its signed jti, not on the header', async () => {
    const jti = `msg_${randomUUID()}`;
    const token = await signJwt(
      keys.rsa.privateKey,
      { event: JSON.parse(body), body_sha256: sha256Hex(body) },
      {
        kid: keys.rsa.kid,
        audience: AUDIENCE,
        jti,
      },
    );
    const headers = {
      'webhook-id': `msg_${randomUUID()}`,
      'webhook-timestamp': String(nowSec()),
      'webhook-signature': token,
    };
    const result = await verifyGeminiWebhook(new Uint8Array(Buffer.from(body)), headers, webhookKeys);
    assert.equal(result.ok && result.webhookId, jti, JSON.stringify(result));
  });

  it('refuses with a status and a short reason, and never reaches cryptography past the entry bound', async () => {
    const id = `msg_${randomUUID()}`;
    const ts = nowSec();
    const forged = {
      'webhook-id': id,
      'webhook-timestamp': String(ts),
      'webhook-signature': `v1,${randomBytes(32).toString('base64')}`,
    };
    assert.deepEqual(await verifyGeminiWebhook(body, forged, webhookKeys), {
      ok: false,
      status: 401,
      reason: 'no signature entry verified',
    });
    // The key set is served by a listener that counts fetches: a v1a check must fetch it first, so a refusal that
    // fetched nothing was decided before any Ed25519 work.
    let fetches = 0;
    const server = await listen(
      (_req, res) => {
        fetches++;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
      },
      { what: 'key set' },
    );
    const served: WebhookKeys = { jwksUrl: `${server.url}/jwks.json` };
    try {
      const many = Array.from({ length: 170 }, () => `v1a,${randomBytes(64).toString('base64')}`).join(' ');
      const refused = await verifyGeminiWebhook(body, { ...forged, 'webhook-signature': many }, served);
      assert.deepEqual(refused, { ok: false, status: 400, reason: 'too many webhook-signature entries' });
      assert.equal(fetches, 0, 'refused before any key was needed');
      const one = await verifyGeminiWebhook(body, { ...forged, 'webhook-signature': many.split(' ')[0]! }, served);
      assert.equal(one.ok, false);
      assert.ok(fetches > 0, 'a single entry within the bound does reach the Ed25519 check');
    } finally {
      await server.close();
    }
    const twice = await verifyGeminiWebhook(body, { ...forged, 'webhook-id': [id, id] }, webhookKeys);
    assert.deepEqual(twice, { ok: false, status: 400, reason: 'duplicated webhook-id header' });
  });

  it('answers 422 with the verified sender for a body too deep to read', async () => {
    const id = `msg_${randomUUID()}`;
    const ts = nowSec();
    const deep = `{"type":"x","data":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(ts),
      'webhook-signature': signV1(secret, id, ts, deep),
    };
    const result = await verifyGeminiWebhook(deep, headers, webhookKeys);
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.deepEqual([result.status, result.verified?.webhookId], [422, id]);
    assert.match(result.reason, /deeper than 32/);
  });

  it('throws a typed error naming the bad key option, without echoing the secret', async () => {
    const bad = 'whsec_@@@not-base64-secret@@@';
    await assert.rejects(verifyGeminiWebhook(body, {}, { secrets: [bad] }), (err: Error) => {
      return (
        err instanceof ReceiverOptionsError && /secret #1/.test(err.message) && !err.message.includes('not-base64')
      );
    });
    await assert.rejects(verifyGeminiWebhook(body, {}, { jwksUrl: 'ftp://x' }), /jwksUrl/);
    await assert.rejects(verifyGeminiWebhook(body, {}, { maxSignatureEntries: 0 }), /maxSignatureEntries/);
  });
});

describe('routing tokens', () => {
  const [current, previous] = parseRoutingKeys(
    `k2:${randomBytes(32).toString('base64')}\nk1:${randomBytes(32).toString('base64url')}`,
  );

  it('mints v1.<keyId>.<mac> tokens that verify for that workflow and purpose only', () => {
    const token = mintRoutingToken(current, 'wf-1', 'interaction');
    assert.match(token, /^v1\.k2\.[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(verifyRoutingToken([current], 'wf-1', 'interaction', token), { ok: true, keyId: 'k2' });
    assert.equal(verifyRoutingToken([current], 'wf-2', 'interaction', token).ok, false, 'another workflow');
    assert.equal(verifyRoutingToken([current], 'wf-1', 'batch', token).ok, false, 'another purpose');
    const tampered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'AB' : 'AA'}`;
    assert.equal(verifyRoutingToken([current], 'wf-1', 'interaction', tampered).ok, false, 'tampered');
    for (const junk of [undefined, 42, '', 'v1.k2', 'v2.k2.abc', `${token}.x`]) {
      assert.equal(verifyRoutingToken([current], 'wf-1', 'interaction', junk).ok, false, String(junk));
    }
  });

  it('accepts tokens of a previous key during a rotation, and none of a retired one', () => {
    const old = mintRoutingToken(previous, 'wf-1', 'batch');
    assert.deepEqual(verifyRoutingToken([current, previous], 'wf-1', 'batch', old), { ok: true, keyId: 'k1' });
    assert.deepEqual(verifyRoutingToken([current], 'wf-1', 'batch', old), {
      ok: false,
      reason: 'routing token of an unknown key',
    });
  });

  it('refuses bad key lists clearly, without echoing a secret', () => {
    const secret = randomBytes(8).toString('base64');
    assert.throws(
      () => parseRoutingKeys(`k:${secret}`),
      (err: Error) => /at least 16 bytes/.test(err.message) && !err.message.includes(secret),
    );
    assert.throws(() => parseRoutingKeys(''), /no routing keys/);
    assert.throws(() => parseRoutingKeys('k:***'), /not base64/);
    const ok = randomBytes(32).toString('base64');
    assert.throws(() => parseRoutingKeys(`k:${ok} k:${ok}`), /listed twice/);
    assert.equal(routingTokenField, 'geminiflow_token');
  });
});
