// What a handler runs with: its environment, the unit's config, SDK clients and a clock, built once per environment.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SESClient } from '@aws-sdk/client-ses';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { createMetrics, traced, withMetrics, withTracing } from './observability';
import { readUnitConfig, type BusinessUnitConfig } from '../../core/unit';

/** The environment every function gets (see core/functions.ts, which fills it for CDK and the local runtime). */
export interface HandlerEnv {
  TABLE_NAME: string;
  /** The links table (link secrets, task tokens); only functions whose catalogue entry may touch it get it. */
  LINKS_TABLE_NAME?: string;
  /** The unit's validated config as JSON, so handlers need no extra read at cold start. */
  BU_CONFIG: string;
  /** Base of decision links, e.g. https://abc.execute-api.eu-west-1.amazonaws.com or http://127.0.0.1:3000. */
  DECISION_BASE_URL?: string;
  POWERTOOLS_SERVICE_NAME?: string;
  POWERTOOLS_LOG_LEVEL?: string;
  /** Local runtime only: endpoint overrides; on AWS these are unset and the SDK uses the regional endpoints. */
  AWS_ENDPOINT_URL_DYNAMODB?: string;
  AWS_ENDPOINT_URL_SES?: string;
  AWS_ENDPOINT_URL_SFN?: string;
  AWS_REGION?: string;
  /** The sealer only (lambdas/evidence-seal.ts): its bucket, key, interval, lag metric and local endpoints. */
  SEAL_BUCKET?: string;
  SEAL_KEY_ID?: string;
  SEAL_INTERVAL_SECONDS?: string;
  SEAL_LAG_METRIC?: string;
  AWS_ENDPOINT_URL_S3?: string;
  AWS_ENDPOINT_URL_KMS?: string;
}

export interface Runtime {
  env: HandlerEnv;
  config: BusinessUnitConfig;
  tableName: string;
  /** Undefined for a function the catalogue gives no access to links or task tokens. */
  linksTableName?: string;
  ddb: DynamoDBDocumentClient;
  /**
   * Created on first use by the adapter that sends with it (sesClient in email.ts, sfnClient in resume.ts), so that a
   * function bundles and loads only the clients it calls; tests and the local runtime may pass their own.
   */
  ses?: SESClient;
  sfn?: SFNClient;
  logger: Logger;
  /** Business counts (core/metrics.ts), published as EMF when each invocation ends (lambdas/shared/observability.ts). */
  metrics: Metrics;
  now: () => Date;
}

const cache = new Map<string, Runtime>();
/** Everything a Runtime is built from: locally many functions of many units share one process and this cache. */
const ENV_KEYS: readonly (keyof HandlerEnv)[] = [
  'TABLE_NAME',
  'LINKS_TABLE_NAME',
  'BU_CONFIG',
  'DECISION_BASE_URL',
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_LOG_LEVEL',
  'AWS_ENDPOINT_URL_DYNAMODB',
  'AWS_ENDPOINT_URL_SES',
  'AWS_ENDPOINT_URL_SFN',
  'AWS_REGION',
  // The sealer's (lambdas/shared/seal-store.ts): two local runtimes in one process must not share a sealer's target.
  'SEAL_BUCKET',
  'SEAL_KEY_ID',
  'SEAL_INTERVAL_SECONDS',
  'AWS_ENDPOINT_URL_S3',
  'AWS_ENDPOINT_URL_KMS',
];

export function runtimeFrom(env: Record<string, string | undefined>, overrides: Partial<Runtime> = {}): Runtime {
  const key = JSON.stringify(ENV_KEYS.map((k) => env[k]));
  const cached = cache.get(key);
  if (cached && Object.keys(overrides).length === 0) return cached;
  if (!env.TABLE_NAME || !env.BU_CONFIG) throw new Error('TABLE_NAME and BU_CONFIG must be set in the function environment');
  // Validated in full where it was written (synth, the local runtime, the CLI): docs/architecture.md#the-config-is-validated-where-it-is-written.
  const config = readUnitConfig(env.BU_CONFIG);
  const rt: Runtime = {
    env: env as unknown as HandlerEnv,
    config,
    tableName: env.TABLE_NAME,
    linksTableName: env.LINKS_TABLE_NAME,
    // Every function reads or writes the tables, so this client is made here; SES and SFN by their adapters.
    ddb: DynamoDBDocumentClient.from(traced(new DynamoDBClient(clientConfig(env, env.AWS_ENDPOINT_URL_DYNAMODB))), {
      marshallOptions: { removeUndefinedValues: true },
    }),
    logger: new Logger({
      serviceName: env.POWERTOOLS_SERVICE_NAME ?? 'isms-leadership',
      // Powertools reads process.env by itself; locally many units share one process, so pass the level explicitly.
      logLevel: (env.POWERTOOLS_LOG_LEVEL ?? 'INFO') as 'INFO',
      persistentKeys: { bu: config.id },
    }),
    metrics: createMetrics(config.id),
    now: () => new Date(),
    ...overrides,
  };
  if (Object.keys(overrides).length === 0) cache.set(key, rt);
  return rt;
}

/** A request handler for an emulator in this process (local/in-process-http.ts); unset on AWS. */
type LocalTransport = (endpoint: string) => object | undefined;
let localTransport: LocalTransport | undefined;

/** The local runtime only: clients for an emulator running in the same process call it without a socket. */
export function setLocalTransport(transport: LocalTransport): void {
  localTransport = transport;
}

/**
 * Region and endpoint of an SDK client: the regional endpoint on AWS, the emulator's URL locally (and, when that
 * emulator runs in this process, its in-process request handler).
 */
export function clientConfig(
  env: Pick<HandlerEnv, 'AWS_REGION'>,
  endpoint: string | undefined,
): { region: string; endpoint?: string; requestHandler?: object } {
  const requestHandler = endpoint ? localTransport?.(endpoint) : undefined;
  return { region: env.AWS_REGION ?? 'us-east-1', endpoint, ...(requestHandler ? { requestHandler } : {}) };
}

/**
 * Every handler module exports `createHandler(rt)` (what the local runtime and tests call, with their own
 * environment) and `handler` (what Lambda calls, built from process.env on first use).
 */
export function lambdaHandler<E, R>(create: (rt: Runtime) => (event: E) => Promise<R>): (event: E) => Promise<R> {
  let built: ((event: E) => Promise<R>) | undefined;
  return (event: E) => {
    if (!built) {
      const rt = runtimeFrom(process.env);
      built = withMetrics(rt, withTracing(rt, create(rt)));
    }
    return built(event);
  };
}

/** The links table's name, or a clear error naming what the function tried when the catalogue gives it no access. */
export function linksTableOf(rt: Runtime, what: string): string {
  if (!rt.linksTableName) throw new Error(`LINKS_TABLE_NAME is not set: this function may not ${what} (see access in core/functions.ts)`);
  return rt.linksTableName;
}

/** Errors a task may throw on purpose; Step Functions Retry/Catch match on `name`. */
export class WorkflowError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}
