import { importJWK, type JWK } from 'jose';
import { googleJwksUrl } from '../../receiver';
import type { ReceiverStatus } from '../../receiver/ops-status';
import { type RoutingKey, routingKeyFingerprint, routingKeysFromVariable } from '../../routing/token';
import { type CheckResult, type DoctorSettings, fail, fetchJson, ok, reasonOf, skip } from './check';

/** The receiver's `/status` (key ids and fingerprints, never secrets), or why it could not be read. */
export async function readReceiverStatus(s: DoctorSettings): Promise<ReceiverStatus | { error: string } | undefined> {
  if (!s.receiverOps) return undefined;
  const headers: Record<string, string> = s.receiverOpsToken ? { authorization: `Bearer ${s.receiverOpsToken}` } : {};
  try {
    return (await fetchJson(new URL('/status', s.receiverOps).href, 5000, headers)) as ReceiverStatus;
  } catch (err) {
    return { error: `${s.receiverOps}/status: ${reasonOf(err)}` };
  }
}

const noOps =
  "set GEMINIFLOW_RECEIVER_OPS_URL (or --receiver-ops) to the receiver's operations listener, e.g. http://127.0.0.1:8788";

/** The worker mints routing tokens with its first key; the receiver must hold that key, with the same secret. */
export function checkRoutingKeys(
  env: NodeJS.ProcessEnv,
  receiver: Awaited<ReturnType<typeof readReceiverStatus>>,
): CheckResult {
  const name = 'routing keys';
  let worker: RoutingKey[] = [];
  try {
    // Unset is the worker's own refusal to report (it does not start); here it reads as no keys, like `none`.
    worker = env.GEMINIFLOW_ROUTING_KEYS?.trim() ? routingKeysFromVariable(env.GEMINIFLOW_ROUTING_KEYS) : [];
  } catch (err) {
    return fail(
      name,
      `GEMINIFLOW_ROUTING_KEYS is invalid: ${(err as Error).message}`,
      'give "id:base64secret" entries of 16+ random bytes',
    );
  }
  if (!receiver) return skip(name, "the receiver's keys are unknown", noOps);
  if ('error' in receiver) return fail(name, `cannot read the receiver's status (${receiver.error})`, noOps);
  const held = new Map(receiver.routingKeys.map((k) => [k.id, k.fingerprint]));
  const minting = worker[0];
  if (!minting) {
    return receiver.routingKeys.length
      ? fail(
          name,
          'the worker has no GEMINIFLOW_ROUTING_KEYS, the receiver has some: per-request deliveries lose their routing',
          "give the worker the receiver's GEMINIFLOW_ROUTING_KEYS",
        )
      : ok(name, 'none on either side: per-request deliveries are routed by resource id only');
  }
  const mine = routingKeyFingerprint(minting);
  const theirs = held.get(minting.id);
  if (!theirs) {
    return fail(
      name,
      `the worker mints with key "${minting.id}", which the receiver does not hold (it holds: ${[...held.keys()].join(', ') || 'none'})`,
      'give the worker and the receiver the same GEMINIFLOW_ROUTING_KEYS (during a rotation, the new key goes to the receiver first)',
    );
  }
  if (theirs !== mine) {
    return fail(
      name,
      `key "${minting.id}" differs between the worker (fingerprint ${mine}) and the receiver (fingerprint ${theirs})`,
      'give the worker and the receiver the same GEMINIFLOW_ROUTING_KEYS',
    );
  }
  return ok(name, `the worker's key "${minting.id}" is the receiver's (fingerprint ${mine})`);
}

/** A key a verifier can use: public, of a kind the receiver checks (Ed25519 for v1a, RSA for RS256 JWTs). */
async function usable(jwk: JWK): Promise<boolean> {
  if (jwk.d !== undefined) return false;
  const alg = jwk.kty === 'OKP' && jwk.crv === 'Ed25519' ? 'EdDSA' : jwk.kty === 'RSA' ? 'RS256' : undefined;
  if (!alg) return false;
  try {
    await importJWK(jwk, alg);
    return true;
  } catch {
    return false;
  }
}

/** Per-request deliveries (v1a, JWT) verify against the key set: it must answer, with keys that can be used. */
export async function checkKeySet(
  env: NodeJS.ProcessEnv,
  receiver: Awaited<ReturnType<typeof readReceiverStatus>>,
): Promise<CheckResult> {
  const url = (receiver && !('error' in receiver) && receiver.jwksUrl) || env.GEMINI_JWKS_URL || googleJwksUrl;
  const fix = "check GEMINI_JWKS_URL and that the receiver's host can reach it";
  let body: unknown;
  try {
    body = await fetchJson(url, 5000);
  } catch (err) {
    return fail('key set', `${url} is unreachable (${reasonOf(err)}): per-request deliveries cannot be verified`, fix);
  }
  const keys = (body as { keys?: unknown })?.keys;
  if (!Array.isArray(keys)) return fail('key set', `${url} answers without a "keys" list`, fix);
  const good = (await Promise.all(keys.map((k) => usable(k as JWK)))).filter(Boolean).length;
  if (!good) return fail('key set', `${url} has ${keys.length} key(s), none a public Ed25519 or RSA key`, fix);
  return ok('key set', `${url} answers with ${good} usable key(s)`);
}
