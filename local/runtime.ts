// The whole system on local emulators: the same state machine files and handler modules as on AWS (docs/architecture.md#one-definition-two-runtimes, docs/architecture.md#the-local-runtime-is-real).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { BusinessUnitConfig } from '../core/config';
import { loadBusinessUnits } from '../lib/config-files';
import { definitionText, WORKFLOWS } from '../lib/definitions';
import { arnPlaceholder, FUNCTIONS, functionEnvironment, type FunctionSpec } from '../core/functions';
import { functionName, type WorkflowName, stateMachineName } from '../core/names';
import { runtimeFrom, type Runtime } from '../lambdas/shared/runtime';
import { inProcessHandler, serveInProcess } from './in-process-http';
import { isFailedStatus } from '../core/workflow-failure';
import { createLocalStepFunctions } from './step-functions';
import { createDecisionServer } from './decision-server';
import { recordInterruptedWorkflows, type InterruptedWorkflow } from './interrupted';
import { enforceCatalogueAccess } from './catalogue-access';
import { ensureUnitTables } from './tables';
import { migrateUnit } from '../lambdas/shared/migrations/run';
import { createSesSimulator } from './ses-simulator';
import { sesClient } from '../lambdas/shared/email';
import { withMetrics } from '../lambdas/shared/observability';
import { startSealServices, startSealTimer } from './seal';
import { sealEnvironment } from '../core/evidence-seal';
import type { SealResult } from '../lambdas/shared/seal-store';
import { assertValidDefinition, substituteChecked } from './definition-check';

const require = createRequire(import.meta.url);
const REPO_ROOT = path.join(import.meta.dirname, '..');
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';
export const DEFAULT_PORTS = { dynamodb: 8000, ses: 8005, stepFunctions: 8083, decisions: 3000 } as const;
const HOST = '127.0.0.1';

export interface LocalRuntimeOptions {
  configDir?: string;
  units?: BusinessUnitConfig[];
  /** 0 picks a free port. @default DEFAULT_PORTS */
  ports?: Partial<Record<keyof typeof DEFAULT_PORTS, number>>;
  /** Keep DynamoDB data in this folder across restarts. @default in memory */
  dataDir?: string;
  /** Open the current period's review for every unit that has none, as a schedule fire would. @default false */
  openReviews?: boolean;
  /** Fire each unit's review schedule in its time zone while running. @default false */
  scheduler?: boolean;
  log?: (line: string) => void;
  /** Gets each config warning of the units read from configDir (one person in several approval levels' roles). */
  warn?: (line: string) => void;
  /** Powertools log level of the handlers. @default 'WARN' (INFO is the deployed default; locally it drowns the console) */
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** For tests: retry pauses in milliseconds by state name (see LocalStepFunctionsOptions). @default the definitions' own backoff */
  retryIntervalOverrides?: Record<string, number | number[]>;
  /** Serve the local console (local/console.ts) on this port (0: a free one). @default no console */
  consolePort?: number;
  /** Each unit's seal interval (the window of a digest) in seconds. @default 10 */
  sealIntervalSeconds?: number;
  /** Run each unit's sealer every interval, as its schedule does on AWS; else only `seal(unitId)` seals. @default `scheduler` */
  sealTimer?: boolean;
  /** Local S3 (s3rver) and KMS ports; the state file carries their URLs. @default free ports */
  sealPorts?: { s3?: number; kms?: number };
}

export interface StoredEmail {
  messageId: string;
  from: string;
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { html?: string; text?: string };
  at: number;
}

export interface LocalUnit {
  unit: BusinessUnitConfig;
  tableName: string;
  /** Link secrets and task tokens (core/table-schema.ts). */
  linksTableName: string;
  stateMachineArns: Record<WorkflowName, string>;
  /** A handler Runtime for this unit, pointed at the local emulators. */
  runtime: Runtime;
  /** The local digest bucket (s3rver) and signing key (local KMS) of this unit. */
  seal: { bucket: string; keyId: string };
}

export interface LocalRuntime {
  /** console: only when started with consolePort. */
  urls: {
    inbox: string;
    ses: string;
    dynamodb: string;
    stepFunctions: string;
    decisions: string;
    s3: string;
    kms: string;
    console?: string;
  };
  units: LocalUnit[];
  /** Runs the unit's sealer now (what its timer does). */
  seal(unitId: string): Promise<SealResult>;
  /** With dataDir: reviews and requests whose execution ended with the last run, now recorded as stopped. */
  interrupted: InterruptedWorkflow[];
  sfn: SFNClient;
  emails(): Promise<StoredEmail[]>;
  /** Resolves once every SES event the mailbox simulator produced so far was handled by email-events. */
  sesEventsSettled(): Promise<void>;
  /** Invokes a unit's catalogue function as its schedule would (with the catalogue's access enforced). */
  invoke(unitId: string, fnId: string, payload: unknown): Promise<unknown>;
  close(): Promise<void>;
}

type Handler = (event: any) => Promise<any>;

process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
process.env.AWS_REGION ??= LOCAL_REGION;

/**
 * Fails before anything starts, naming every busy port at once with the flag that moves it, so that a half-started
 * runtime never lingers and a person fixes all of them in one go.
 */
async function assertPortsFree(ports: Record<string, number>): Promise<void> {
  const busy: Array<{ name: string; port: number }> = [];
  for (const [name, port] of Object.entries(ports)) {
    if (port === 0) continue;
    await new Promise<void>((resolve, reject) => {
      const probe = createServer();
      probe.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EADDRINUSE') reject(new Error(`Port ${port} (${name}): ${err.message}`));
        busy.push({ name, port });
        resolve();
      });
      probe.listen(port, HOST, () => probe.close(() => resolve()));
    });
  }
  if (!busy.length) return;
  const list = busy.map((b) => `${b.port} (${b.name})`);
  throw new Error(
    `${busy.length === 1 ? `Port ${list[0]} is` : `Ports ${list.join(', ')} are`} in use (another npm start?). ` +
      `Stop what uses ${busy.length === 1 ? 'it' : 'them'}, or pick others: npm start -- ${busy.map((b) => `--${b.name}-port 0`).join(' ')} (0 picks a free port)`,
  );
}

const listen = (server: Server, port: number) =>
  new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => resolve((server.address() as AddressInfo).port));
  });
/** Closes now, not after keep-alive timeouts: a step aborted mid-request would otherwise hold dynalite open ~5 s. */
const closeServer = (server: Server) =>
  new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 100).unref();
  });

/** `POWERTOOLS_LOG_LEVEL=DEBUG npm start`: handler logs at DEBUG, and metrics as EMF lines (lambdas/shared/observability.ts). */
function envLogLevel(): LocalRuntimeOptions['logLevel'] {
  const level = process.env.POWERTOOLS_LOG_LEVEL?.toUpperCase();
  return level === 'DEBUG' || level === 'INFO' || level === 'WARN' || level === 'ERROR' ? level : undefined;
}

export function localFunctionArn(unitId: string, fnId: string): string {
  return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${functionName(unitId, fnId)}`;
}

/**
 * Where a function's handler module is imported from: its source file (tsx, tests), or its built file when the runtime
 * runs from the bundle that `npm start` builds (local/start.ts sets it there).
 */
export const handlerModules = { url: (entry: string): string => pathToFileURL(path.join(REPO_ROOT, entry)).href };

async function loadHandlerFactory(spec: FunctionSpec): Promise<(rt: Runtime) => Handler> {
  const mod = await import(handlerModules.url(spec.entry));
  if (typeof mod.createHandler !== 'function') throw new Error(`${spec.entry} does not export createHandler(rt)`);
  return mod.createHandler;
}

export async function startLocalRuntime(opts: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const log = opts.log ?? (() => {});
  // Everything that can be wrong with the input is checked before any server starts.
  const units = opts.units ?? loadBusinessUnits(opts.configDir, opts.warn);
  const ports = { ...DEFAULT_PORTS, ...opts.ports };
  await assertPortsFree({
    dynamodb: ports.dynamodb,
    ses: ports.ses,
    sfn: ports.stepFunctions,
    decisions: ports.decisions,
    ...(opts.consolePort ? { console: opts.consolePort } : {}),
  });
  const factories = new Map<string, (rt: Runtime) => Handler>();
  for (const spec of FUNCTIONS) factories.set(spec.id, await loadHandlerFactory(spec));

  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => {});
  };
  try {
    if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
    const dynalite: Server = require('dynalite')({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, path: opts.dataDir });
    const dynamoPort = await listen(dynalite, ports.dynamodb);
    closers.push(() => closeServer(dynalite));
    const sesModule = require('aws-ses-v2-local');
    // The emulator keeps its mail in its module, not its server: a runtime started after another one closed in the same
    // process (test files sharing a worker) would otherwise list the earlier runtime's mail as its own.
    const sesStore = require('aws-ses-v2-local/dist/store');
    sesStore.clearStore();
    const sesServer: Server = await (sesModule.default ?? sesModule)({ port: ports.ses, host: HOST });
    const sesPort = (sesServer.address() as AddressInfo).port;
    closers.push(() => closeServer(sesServer));

    const decisionHandlers = new Map<string, Handler>();
    const decisionServer = createDecisionServer(decisionHandlers);
    const decisionsPort = await listen(decisionServer, ports.decisions);
    closers.push(() => closeServer(decisionServer));

    const sealServices = await startSealServices({
      dataDir: opts.dataDir,
      host: HOST,
      ports: { s3: opts.sealPorts?.s3 ?? 0, kms: opts.sealPorts?.kms ?? 0 },
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT,
    });
    closers.push(() => sealServices.close());
    const sealInterval = opts.sealIntervalSeconds ?? 10;

    const urls: LocalRuntime['urls'] = {
      s3: sealServices.s3Url,
      kms: sealServices.kms.url,
      inbox: `http://${HOST}:${sesPort}/`,
      ses: `http://${HOST}:${sesPort}`,
      dynamodb: `http://${HOST}:${dynamoPort}`,
      stepFunctions: '',
      decisions: `http://${HOST}:${decisionsPort}`,
    };
    // Handlers, the Step Functions service and the console run in this process: they reach dynalite without a socket.
    const unserve = serveInProcess(urls.dynamodb, dynalite);
    closers.push(unserve);
    const ddb = new DynamoDBClient({ endpoint: urls.dynamodb, region: LOCAL_REGION, requestHandler: inProcessHandler(urls.dynamodb) });
    const handlers = new Map<string, Handler>();
    /** State machine ARN → its unit's workflow-failed handler: what the EventBridge rule of lib/operations.ts routes on AWS. */
    const failureHandlers = new Map<string, Handler>();
    const sfnService = createLocalStepFunctions({
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT,
      dynamodb: ddb,
      log,
      retryIntervalOverrides: opts.retryIntervalOverrides,
      async invokeLambda(name, payload) {
        const handler = handlers.get(name);
        if (!handler) throw Object.assign(new Error(`Function not found: ${name}`), { name: 'Lambda.ResourceNotFoundException' });
        return handler(payload);
      },
      async onExecutionClosed(event) {
        if (!isFailedStatus(event.detail.status)) return; // the rule's status filter
        await failureHandlers.get(event.detail.stateMachineArn)?.(event);
      },
    });
    const sfnHttp = await sfnService.listen(ports.stepFunctions, HOST);
    closers.push(() => sfnHttp.close());
    closers.push(() => sfnService.close());
    urls.stepFunctions = sfnHttp.url;

    const localUnits: LocalUnit[] = [];
    const migrations: Array<() => Promise<unknown>> = [];
    // SES's mailbox simulator addresses answer as on AWS: their events go to the unit's email-events, as the rule of lib/email-delivery.ts routes them.
    const simulator = createSesSimulator(log);
    closers.push(() => simulator.settled());
    for (const unit of units) {
      const { table, linksTable } = await ensureUnitTables(ddb, unit.id);
      const endpoints = {
        AWS_ENDPOINT_URL_DYNAMODB: urls.dynamodb,
        AWS_ENDPOINT_URL_SES: urls.ses,
        AWS_ENDPOINT_URL_SFN: urls.stepFunctions,
        AWS_REGION: LOCAL_REGION,
        POWERTOOLS_LOG_LEVEL: opts.logLevel ?? envLogLevel() ?? 'WARN',
      };
      const decisionBaseUrl = `${urls.decisions}/${unit.id}`;
      const seal = await sealServices.forUnit(unit.id);
      const sealEnv = {
        ...sealEnvironment({ ...seal, intervalSeconds: sealInterval, lagMetric: false }),
        AWS_ENDPOINT_URL_S3: urls.s3,
        AWS_ENDPOINT_URL_KMS: urls.kms,
      };
      const substitutions: Record<string, string> = { TableName: table };
      for (const spec of FUNCTIONS) {
        // The same environment CDK gives the function, plus endpoint overrides for the emulators.
        const env = {
          ...functionEnvironment(spec, unit, { tableName: table, linksTableName: linksTable, decisionBaseUrl }),
          ...endpoints,
          ...(spec.access.seals ? sealEnv : {}),
        };
        const rt = runtimeFrom(env);
        // No IAM here: the catalogue's grants are checked on the function's clients instead, so a handler that strays fails locally too.
        enforceCatalogueAccess(rt, spec, { evidence: table, links: linksTable });
        if (spec.access.sendEmail) {
          simulator.attach(sesClient(rt), { id: unit.id, region: LOCAL_REGION, account: LOCAL_ACCOUNT }, (event) =>
            handlers.get(localFunctionArn(unit.id, 'email-events'))!(event),
          );
        }
        // Metrics published after each invocation as lambdaHandler does on AWS (printed only at DEBUG locally).
        const handler = withMetrics(rt, factories.get(spec.id)!(rt));
        const arn = localFunctionArn(unit.id, spec.id);
        handlers.set(arn, handler);
        handlers.set(functionName(unit.id, spec.id), handler);
        substitutions[arnPlaceholder(spec.id)] = arn;
        if (spec.id === 'decision-endpoint') decisionHandlers.set(unit.id, handler);
        // With the migrate function's own runtime, so its catalogue grants are what the migration is held to.
        if (spec.id === 'migrate') migrations.push(() => migrateUnit(rt, 'npm start'));
      }
      const stateMachineArns = {} as Record<WorkflowName, string>;
      for (const workflow of WORKFLOWS) {
        // Validated once per text (and remembered across starts), then filled with values that cannot change its structure.
        const text = definitionText(workflow, unit);
        const label = `${workflow} (unit ${unit.id})`;
        assertValidDefinition(text, label);
        const definition = substituteChecked(text, substitutions, label);
        stateMachineArns[workflow] = sfnService.registerStateMachine(stateMachineName(unit.id, workflow), definition, undefined, {
          validated: true,
        });
        failureHandlers.set(stateMachineArns[workflow], handlers.get(localFunctionArn(unit.id, 'workflow-failed'))!);
      }
      const runtime = runtimeFrom({
        TABLE_NAME: table,
        LINKS_TABLE_NAME: linksTable,
        BU_CONFIG: JSON.stringify(unit),
        DECISION_BASE_URL: decisionBaseUrl,
        ...endpoints,
      });
      localUnits.push({ unit, tableName: table, linksTableName: linksTable, stateMachineArns, runtime, seal });
    }

    // Each unit's data at this release's schema version, as the deploy's migration leaves it on AWS (once: a kept data dir
    // already migrated is left alone).
    for (const migrate of migrations) await migrate();

    // Kept data from an earlier run: its executions are gone, so what waited on them is recorded as stopped.
    const interrupted: InterruptedWorkflow[] = [];
    if (opts.dataDir) {
      for (const u of localUnits) {
        interrupted.push(
          ...(await recordInterruptedWorkflows(u, handlers.get(localFunctionArn(u.unit.id, 'workflow-failed'))!, new Date())),
        );
      }
    }

    const sfn = new SFNClient({
      endpoint: urls.stepFunctions,
      region: LOCAL_REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const runtime: LocalRuntime = {
      urls,
      units: localUnits,
      seal(unitId) {
        const handler = handlers.get(localFunctionArn(unitId, 'evidence-seal'));
        if (!handler) throw new Error(`No unit "${unitId}" in this local runtime`);
        return handler({ source: 'local-seal-timer' });
      },
      interrupted,
      sfn,
      // The emulator's store in this process, as its GET /store serves it, without the JSON round trip per call (tests poll
      // this every 50 ms; over HTTP each poll serialised every email so far).
      async emails() {
        return [...(sesStore.getStoreReadonly().emails as StoredEmail[])];
      },
      sesEventsSettled: () => simulator.settled(),
      async invoke(unitId, fnId, payload) {
        const handler = handlers.get(localFunctionArn(unitId, fnId));
        if (!handler) throw new Error(`No function ${fnId} in unit ${unitId}`);
        return handler(payload);
      },
      close,
    };
    if (opts.consolePort !== undefined) {
      const { startConsole } = await import('./console');
      const local = await startConsole(runtime, opts.consolePort, HOST);
      closers.push(() => local.close());
      urls.console = local.url;
    }
    const { openCurrentReviews, startLocalScheduler } = await import('./review-trigger');
    if (opts.scheduler) closers.push(startLocalScheduler(runtime, log));
    if (opts.scheduler) closers.push((await import('./policy-check')).startLocalPolicyCheck(runtime, log));
    if (opts.openReviews) await openCurrentReviews(runtime, new Date(), log);
    const sealed = localUnits.map((u) => u.unit.id);
    if (opts.sealTimer ?? opts.scheduler) closers.push(startSealTimer(runtime.seal, sealed, sealInterval, log));
    return runtime;
  } catch (err) {
    await close();
    throw err;
  }
}
