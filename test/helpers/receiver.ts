// Test support for the receiver suites: independent signers for all three schemes, a local JWKS server, and raw HTTP.
import { createHash, sign as edSign, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import http from 'node:http';
import { exportJWK, type JWK, SignJWT } from 'jose';
import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { listen } from '../../common/listen';
import type { GeminiResourceKind } from '../../contract';
import { mintRoutingToken, parseRoutingKeys, routingTokenField } from '../../routing/token';

/** Receivers in tests log only refusals worth a warning, unless LOG_LEVEL asks for more. */
export const testLogger = pino({ level: process.env.LOG_LEVEL ?? 'warn' });

export const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;
export const nowSec = () => Math.floor(Date.now() / 1000);

export function signV1(secret: string, id: string, ts: number, body: string | Buffer): string {
  return new Webhook(secret).sign(id, new Date(ts * 1000), Buffer.isBuffer(body) ? body : Buffer.from(body));
}

export function signV1a(key: KeyObject, id: string, ts: number, body: string | Buffer): string {
  const message = Buffer.concat([Buffer.from(`${id}.${ts}.`), Buffer.isBuffer(body) ? body : Buffer.from(body)]);
  return `v1a,${edSign(null, message, key).toString('base64')}`;
}

export const sha256Hex = (body: string | Buffer) => createHash('sha256').update(body).digest('hex');

export interface TestKeys {
  ed25519: { privateKey: KeyObject; publicKey: KeyObject }[];
  /** An Ed25519 key that is not in the JWKS. */
  strayEd25519: KeyObject;
  rsa: { privateKey: KeyObject; publicKey: KeyObject; kid: string };
  /** An RSA key that is not in the JWKS (signs with the published kid, to impersonate it). */
  strayRsa: KeyObject;
}

export function makeKeys(): TestKeys {
  const ed = () => generateKeyPairSync('ed25519');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    ed25519: [ed(), ed(), ed()],
    strayEd25519: ed().privateKey,
    rsa: { ...rsa, kid: 'test-rsa-1' },
    strayRsa: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
  };
}

/** Serves the public half of the keys like Gemini does: OKP keys without kid, the RSA key with kid and alg. */
export async function serveJwks(
  keys: TestKeys,
): Promise<{ url: string; fetches: () => number; close(): Promise<void> }> {
  const jwks: { keys: JWK[] } = { keys: [] };
  for (const { publicKey } of keys.ed25519) jwks.keys.push(await exportJWK(publicKey));
  jwks.keys.push({ ...(await exportJWK(keys.rsa.publicKey)), kid: keys.rsa.kid, alg: 'RS256', use: 'sig' });
  let fetches = 0;
  const { url, close } = await listen(
    (_req, res) => {
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
    },
    { what: 'JWKS server' },
  );
  return { url: `${url}/.well-known/jwks.json`, fetches: () => fetches, close: () => close() };
}

/** The issuer test JWTs carry unless told otherwise; receivers in tests are configured to accept it. */
export const testIssuer = 'https://issuer.example';

export async function signJwt(
  key: KeyObject,
  claims: Record<string, unknown>,
  opts: {
    kid?: string;
    alg?: string;
    audience?: string;
    expiresIn?: string | number | null;
    iat?: number;
    /** null: no iss claim. */
    issuer?: string | null;
    /** null: no jti claim; default a fresh msg_ id. */
    jti?: string | null;
  } = {},
): Promise<string> {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: opts.alg ?? 'RS256', kid: opts.kid, typ: 'JWT' });
  jwt = opts.iat !== undefined ? jwt.setIssuedAt(opts.iat) : jwt.setIssuedAt();
  if (opts.issuer !== null) jwt = jwt.setIssuer(opts.issuer ?? testIssuer);
  if (opts.jti !== null) jwt = jwt.setJti(opts.jti ?? `msg_${randomBytes(12).toString('hex')}`);
  if (opts.audience) jwt = jwt.setAudience(opts.audience);
  if (opts.expiresIn !== null) jwt = jwt.setExpirationTime(opts.expiresIn ?? '5m');
  return jwt.sign(key);
}

/** A compact JWT with any header, unsigned or signed by hand (for alg:none and HS256-with-the-public-key forgeries). */
export function craftJwt(header: object, claims: object, signature = ''): { signingInput: string; token: string } {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const signingInput = `${b64(header)}.${b64(claims)}`;
  return { signingInput, token: `${signingInput}.${signature}` };
}

export interface RawResponse {
  status: number;
  body: string;
}

/**
 * POSTs with exact control over headers: an array value sends that header several times, which fetch cannot do.
 */
export function post(
  url: string,
  headers: Record<string, string | string[]>,
  body: string | Buffer,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', (err) => {
      // The server may answer 413 and close before the whole body is written.
      if ((err as NodeJS.ErrnoException).code === 'EPIPE' || (err as NodeJS.ErrnoException).code === 'ECONNRESET')
        return;
      reject(err);
    });
    req.end(body);
  });
}

export function envelope(
  type: string,
  id: string,
  metadata?: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) {
  return {
    type,
    version: 'v1',
    timestamp: new Date().toISOString(),
    data: { id, ...extra, ...(metadata ? { user_metadata: metadata } : {}) },
  };
}

/** Routing keys of the tests' deployment: `current` mints, `previous` is still accepted (a rotation's grace period). */
export const routingKeys = parseRoutingKeys(
  `current:${randomBytes(32).toString('base64')}, previous:${randomBytes(32).toString('base64')}`,
);
export const [currentRoutingKey, previousRoutingKey] = routingKeys;

/** user_metadata as this deployment's workflows write it: the workflow id and a routing token for it. */
export function ownMetadata(workflowId: string, kind: GeminiResourceKind = 'interaction', key = currentRoutingKey) {
  return { temporal_workflow_id: workflowId, [routingTokenField]: mintRoutingToken(key, workflowId, kind) };
}

/** How many workflows a task queue has (running or closed): what deliveries have made Temporal store. */
export async function workflowsOn(
  client: { workflow: { count(query: string): Promise<{ count: number }> } },
  taskQueue: string,
): Promise<number> {
  return (await client.workflow.count(`TaskQueue = '${taskQueue}'`)).count;
}
