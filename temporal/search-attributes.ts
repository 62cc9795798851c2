import { setTimeout as sleep } from 'node:timers/promises';
import { Connection, type ConnectionLike, isGrpcServiceError } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { declareEnvNames } from '../common/env-names';
import { SetupError } from '../common/errors';
import { searchAttributeKeys } from '../contract';
import type { TemporalSettings } from './settings';

type SearchAttributeKey = (typeof searchAttributeKeys)[number];

/**
 * `register`: add missing attributes where the server allows it (self-hosted operator API).
 * `check`: only verify, and refuse to start when one is missing (Temporal Cloud, or a cluster managed by others).
 */
export type SearchAttributeSetupMode = 'register' | 'check';

export interface SearchAttributeSetupOptions {
  connection: Pick<ConnectionLike, 'operatorService' | 'workflowService'>;
  namespace: string;
  mode: SearchAttributeSetupMode;
  /** Only used in messages (the commands name it). */
  address?: string;
  logger?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

export interface SearchAttributeSetupResult {
  /** Names this call added to the namespace. */
  registered: string[];
  /** False when the server would not list attributes (types then unverified; existence checked by a query). */
  typesVerified: boolean;
}

const { IndexedValueType } = temporal.api.enums.v1;
const grpcStatus = { INVALID_ARGUMENT: 3, PERMISSION_DENIED: 7, UNIMPLEMENTED: 12 } as const;

/** The names the Temporal CLI and tcld use (`Keyword`, `KeywordList`, ...). */
const cliTypeNames: Record<SearchAttributeType, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

export function cliTypeName(type: SearchAttributeType): string {
  return cliTypeNames[type];
}

function indexedValueType(type: SearchAttributeType): temporal.api.enums.v1.IndexedValueType {
  return IndexedValueType[`INDEXED_VALUE_TYPE_${type}`];
}

function typeNameOf(value: temporal.api.enums.v1.IndexedValueType): string {
  const key = Object.entries(SearchAttributeType).find(([, t]) => indexedValueType(t) === value)?.[1];
  return key ? cliTypeNames[key] : `type #${value}`;
}

const [registerVariable] = declareEnvNames(['GEMINIFLOW_REGISTER_SEARCH_ATTRIBUTES'] as const);

/** GEMINIFLOW_REGISTER_SEARCH_ATTRIBUTES=false turns registration off (default: on). */
export function searchAttributeModeFromEnv(env: NodeJS.ProcessEnv = process.env): SearchAttributeSetupMode {
  const value = env[registerVariable]?.trim().toLowerCase();
  if (!value || ['true', '1', 'yes'].includes(value)) return 'register';
  if (['false', '0', 'no'].includes(value)) return 'check';
  throw new SetupError(`GEMINIFLOW_REGISTER_SEARCH_ATTRIBUTES must be true or false, not "${value}"`);
}

/** Exactly what a person runs to create the attributes: the Temporal CLI (self-hosted) and tcld (Temporal Cloud). */
export function searchAttributeCommands(keys: SearchAttributeKey[], namespace: string, address?: string): string {
  const where = `--namespace ${namespace}${address ? ` --address ${address}` : ''}`;
  const cli = keys.map(
    (k) => `  temporal operator search-attribute create ${where} --name ${k.name} --type ${cliTypeNames[k.type]}`,
  );
  const cloud = `  tcld namespace search-attributes add --namespace ${namespace} ${keys
    .map((k) => `--search-attribute "${k.name}=${cliTypeNames[k.type]}"`)
    .join(' ')}`;
  return [
    'Self-hosted Temporal (the Temporal CLI; add --api-key/--tls-* flags as for any command against your cluster):',
    ...cli,
    'Temporal Cloud (namespace as <name>.<account-id>; or in the Cloud UI: Namespace > Search Attributes):',
    cloud,
  ].join('\n');
}

function code(err: unknown): number | undefined {
  return isGrpcServiceError(err) ? err.code : (err as { code?: number } | undefined)?.code;
}

function refusedByServer(err: unknown): boolean {
  const c = code(err);
  return c === grpcStatus.PERMISSION_DENIED || c === grpcStatus.UNIMPLEMENTED;
}

type Listed = { types: Map<string, temporal.api.enums.v1.IndexedValueType>; verified: boolean };

/**
 * What the namespace has. Servers that refuse the operator API (Temporal Cloud with a namespace API key) still answer
 * visibility queries, and a query naming an unknown attribute fails with INVALID_ARGUMENT: that proves existence,
 * though not the type.
 */
async function listAttributes(opts: SearchAttributeSetupOptions): Promise<Listed> {
  try {
    const { customAttributes } = await opts.connection.operatorService.listSearchAttributes({
      namespace: opts.namespace,
    });
    return { types: new Map(Object.entries(customAttributes ?? {})), verified: true };
  } catch (err) {
    if (!refusedByServer(err)) throw err;
  }
  const types = new Map<string, temporal.api.enums.v1.IndexedValueType>();
  for (const key of searchAttributeKeys) {
    try {
      await opts.connection.workflowService.countWorkflowExecutions({
        namespace: opts.namespace,
        query: `${key.name} IS NOT NULL`,
      });
      types.set(key.name, indexedValueType(key.type));
    } catch (err) {
      if (code(err) !== grpcStatus.INVALID_ARGUMENT) throw err;
    }
  }
  return { types, verified: false };
}

function wrongTypes(listed: Listed): string[] {
  return searchAttributeKeys
    .filter((k) => listed.types.has(k.name) && listed.types.get(k.name) !== indexedValueType(k.type))
    .map((k) => `${k.name} is ${typeNameOf(listed.types.get(k.name)!)}, geminiflow needs ${cliTypeNames[k.type]}`);
}

function assertRightTypes(opts: SearchAttributeSetupOptions, listed: Listed): void {
  const wrong = wrongTypes(listed);
  if (wrong.length === 0) return;
  throw new SetupError(
    `namespace ${opts.namespace} has search attribute(s) of the wrong type: ${wrong.join('; ')}. A type cannot be ` +
      `changed in place: remove the attribute (temporal operator search-attribute remove --namespace ` +
      `${opts.namespace} --name <name>) and create it with the right type, or use another namespace.`,
  );
}

function missingKeys(listed: Listed): SearchAttributeKey[] {
  return searchAttributeKeys.filter((k) => !listed.types.has(k.name));
}

function missingError(opts: SearchAttributeSetupOptions, missing: SearchAttributeKey[], why: string): SetupError {
  return new SetupError(
    `namespace ${opts.namespace} lacks the search attribute(s) ${missing.map((k) => k.name).join(', ')} (${why}). ` +
      `Workflows cannot run without them, so this process will not start. Create them, then start again:\n` +
      searchAttributeCommands(missing, opts.namespace, opts.address),
  );
}

/** What the namespace lacks or has of the wrong type, changing nothing (for `geminiflow doctor`). */
export async function inspectSearchAttributes(
  opts: Pick<SearchAttributeSetupOptions, 'connection' | 'namespace'>,
): Promise<{ missing: SearchAttributeKey[]; wrongTypes: string[]; typesVerified: boolean }> {
  const listed = await listAttributes({ ...opts, mode: 'check' });
  return { missing: missingKeys(listed), wrongTypes: wrongTypes(listed), typesVerified: listed.verified };
}

/** Temporal Cloud manages search attributes through its control plane (tcld, UI), never the operator API. */
export function isTemporalCloudAddress(address: string | undefined): boolean {
  const host = address?.replace(/:\d+$/, '').toLowerCase() ?? '';
  return host.endsWith('.tmprl.cloud') || host.endsWith('.api.temporal.io');
}

/**
 * Checks at start that the namespace has geminiflow's search attributes with the right types, registering missing
 * ones when allowed. Without this a workflow that sets an unknown attribute sits in a failing workflow task forever
 * (BadSearchAttributes), which looks like a hang; refusing to start says what is wrong instead.
 */
export async function setupSearchAttributes(opts: SearchAttributeSetupOptions): Promise<SearchAttributeSetupResult> {
  const listed = await listAttributes(opts);
  assertRightTypes(opts, listed);
  if (!listed.verified) {
    opts.logger?.warn(
      { namespace: opts.namespace },
      'the server does not list search attributes; their types are unverified',
    );
  }
  const missing = missingKeys(listed);
  if (missing.length === 0) return { registered: [], typesVerified: listed.verified };
  if (opts.mode === 'check') {
    throw missingError(opts, missing, 'registration is off: GEMINIFLOW_REGISTER_SEARCH_ATTRIBUTES=false');
  }
  if (isTemporalCloudAddress(opts.address)) {
    throw missingError(opts, missing, 'Temporal Cloud adds search attributes only through tcld or its UI');
  }
  try {
    await opts.connection.operatorService.addSearchAttributes({
      namespace: opts.namespace,
      searchAttributes: Object.fromEntries(missing.map((k) => [k.name, indexedValueType(k.type)])),
    });
  } catch (err) {
    // Another worker or receiver starting at the same moment may have added them first.
    const again = await listAttributes(opts);
    assertRightTypes(opts, again);
    const stillMissing = missingKeys(again);
    if (stillMissing.length === 0) return { registered: [], typesVerified: again.verified };
    throw missingError(opts, stillMissing, `the server refused to add them: ${(err as Error).message}`);
  }
  const registered = missing.map((k) => k.name);
  opts.logger?.info({ namespace: opts.namespace, registered }, 'registered missing search attributes');
  return { registered, typesVerified: true };
}

export interface EnsureSearchAttributesOptions {
  mode?: SearchAttributeSetupMode;
  logger?: SearchAttributeSetupOptions['logger'];
  /** Keep trying to reach Temporal this long (default: forever, warning once), for processes that start first. */
  reachTimeoutMs?: number;
}

/**
 * For a process without a connection of its own yet (the receiver, scripts): connects with the shared settings
 * (retrying while Temporal is unreachable), sets the attributes up, and closes.
 */
export async function ensureSearchAttributes(
  settings: Pick<TemporalSettings, 'connectionOptions' | 'namespace' | 'address'>,
  opts: EnsureSearchAttributesOptions = {},
): Promise<SearchAttributeSetupResult> {
  const deadline = Date.now() + (opts.reachTimeoutMs ?? Number.POSITIVE_INFINITY);
  let warned = false;
  for (let delayMs = 200; ; delayMs = Math.min(delayMs * 2, 5000)) {
    let connection: Connection | undefined;
    try {
      const connectTimeout = Math.max(500, Math.min(5000, deadline - Date.now()));
      connection = await Connection.connect({ ...settings.connectionOptions, connectTimeout });
    } catch (err) {
      if (Date.now() + delayMs > deadline) {
        throw new SetupError(`cannot reach Temporal at ${settings.address}: ${(err as Error).message}`);
      }
      if (!warned)
        opts.logger?.warn(
          { temporal: settings.address },
          'Temporal unreachable; will check search attributes once it answers',
        );
      warned = true;
      await sleep(delayMs);
      continue;
    }
    try {
      return await setupSearchAttributes({
        connection,
        namespace: settings.namespace,
        mode: opts.mode ?? searchAttributeModeFromEnv(),
        address: settings.address,
        logger: opts.logger,
      });
    } finally {
      await connection.close();
    }
  }
}
