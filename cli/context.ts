// What CLI commands run with: the unit's config and, locally or on AWS, its state machines and table.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { userInfo } from 'node:os';
import type { BusinessUnitConfig } from '../core/config';
import { loadBusinessUnits, selectUnits } from '../lib/config-files';
import { pascalCase, stackName, tableName, type WorkflowName } from '../core/names';
import { terminalSafe } from '../core/text';
import { runtimeFrom, type Runtime } from '../lambdas/shared/runtime';

export interface CliContext {
  /** The unit's config; an unknown id throws a message listing the known ones. */
  unit(id: string): BusinessUnitConfig;
  /** Every configured unit (what `--bu all` means). */
  units?(): BusinessUnitConfig[];
  local: boolean;
  /** With --local: the web inbox of `npm start`, where people open their emails and decide (for "what next" lines). */
  inboxUrl?: string;
  /**
   * Step Functions of the unit: the local endpoint, or AWS in the unit's region (where its state machines are). Only
   * `send` is offered: the client is made (and its SDK module loaded) on the first send, so that a command that never
   * starts a workflow does not load it.
   */
  sfn(unitId: string): Pick<SFNClient, 'send'>;
  stateMachineArn(unitId: string, workflow: WorkflowName): Promise<string>;
  /** The outputs of the unit's deployed stack (CloudFormation, in the unit's region); throws how to deploy it. AWS only. */
  stackOutputs(unitId: string): Promise<Record<string, string>>;
  /** DynamoDB/SES clients and config for that unit, pointed at the local emulators or at AWS. */
  runtime(unitId: string): Runtime;
  /**
   * Who runs the command, for the evidence: the caller's AWS principal ARN (STS GetCallerIdentity in the unit's region),
   * or "local:<OS user>" on the local runtime, which has no authenticated caller; the OS user is all there is to say.
   */
  caller(unitId: string): Promise<string>;
  /** Locally: the unit's digest bucket and signing key, and the local S3 and KMS endpoints (sealed evidence). */
  localSeal?(unitId: string): { bucket: string; keyId: string; s3Url: string; kmsUrl: string };
  out(line: string): void;
  err(line: string): void;
}

export interface CliCommand {
  /** e.g. 'review start' */
  name: string;
  usage: string;
  run(args: string[], ctx: CliContext): Promise<number>;
}

/**
 * Written by `npm start` so that `--local` commands find the running emulators.
 * ISMS_LOCAL_STATE moves it, so that a second runtime (a test, a demo) leaves the first one's file alone.
 */
export const LOCAL_STATE_FILE = process.env.ISMS_LOCAL_STATE
  ? path.resolve(process.env.ISMS_LOCAL_STATE)
  : path.join(import.meta.dirname, '..', '.isms-local', 'runtime.json');

export interface LocalState {
  pid: number;
  urls: {
    inbox: string;
    ses: string;
    dynamodb: string;
    stepFunctions: string;
    decisions: string;
    s3?: string;
    kms?: string;
    console?: string;
  };
  units: Record<string, { tableName: string; stateMachineArns: Record<WorkflowName, string>; seal?: { bucket: string; keyId: string } }>;
}

export function readLocalState(file = LOCAL_STATE_FILE): LocalState {
  if (!existsSync(file)) {
    throw new Error(
      `No local runtime is running (no ${path.relative(process.cwd(), file)}). Start it with \`npm start\` in another terminal.`,
    );
  }
  const state = JSON.parse(readFileSync(file, 'utf8')) as LocalState;
  try {
    process.kill(state.pid, 0);
  } catch {
    throw new Error(
      `The local runtime that wrote ${path.relative(process.cwd(), file)} (pid ${state.pid}) is not running. Start it with \`npm start\`.`,
    );
  }
  return state;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export function createCliContext(opts: {
  local: boolean;
  out?: (l: string) => void;
  err?: (l: string) => void;
  localStateFile?: string;
}): CliContext {
  // Read and validated once per command (every file, so that an unknown id can list the known ones).
  let loaded: BusinessUnitConfig[] | undefined;
  const units = () => (loaded ??= loadBusinessUnits());
  const unit = (id: string) => selectUnits(units(), id)[0];
  const local = opts.local ? readLocalState(opts.localStateFile) : undefined;
  /** One client per region (or the local endpoint), made on the first send. */
  const sfnClients = new Map<string, Promise<SFNClient>>();
  const sfn = (unitId: string): Pick<SFNClient, 'send'> => {
    const region = local ? 'local' : (unit(unitId).region ?? '');
    const client = async () => {
      const { SFNClient } = await import('./sdk-sfn');
      if (local) return new SFNClient({ endpoint: local.urls.stepFunctions, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
      return new SFNClient(region ? { region } : {});
    };
    if (!sfnClients.has(region)) sfnClients.set(region, client());
    const send = async (...args: Parameters<SFNClient['send']>) => {
      const c = await sfnClients.get(region)!;
      return (c.send as (...a: unknown[]) => unknown).apply(c, args);
    };
    return { send: send as SFNClient['send'] };
  };
  const outputs = new Map<string, Record<string, string>>();

  async function stackOutputs(u: BusinessUnitConfig): Promise<Record<string, string>> {
    const cached = outputs.get(u.id);
    if (cached) return cached;
    const { CloudFormationClient, DescribeStacksCommand } = await import('./sdk-cloudformation');
    const cfn = new CloudFormationClient(u.region ? { region: u.region } : {});
    const name = stackName(u.id);
    const res = await cfn.send(new DescribeStacksCommand({ StackName: name })).catch((e: Error) => {
      if (isMissingCredentials(e)) throw new AwsCredentialsError(u, e);
      throw new Error(`Cannot read stack ${name}: ${e.message}. Deploy it with \`npx cdk deploy ${name}\`, or use --local.`);
    });
    const map = Object.fromEntries((res.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
    outputs.set(u.id, map);
    return map;
  }

  return {
    unit,
    units,
    local: Boolean(local),
    // The local console is where a person reads their mail and decides; the emulator's raw inbox when it is off.
    inboxUrl: local?.urls.console ?? local?.urls.inbox,
    sfn,
    stackOutputs: (unitId) => stackOutputs(unit(unitId)),
    async stateMachineArn(unitId, workflow) {
      const u = unit(unitId);
      if (local) {
        const arn = local.units[u.id]?.stateMachineArns[workflow];
        if (!arn) throw new Error(`The local runtime has no ${workflow} workflow for unit "${u.id}"; restart \`npm start\`.`);
        return arn;
      }
      const key = `${pascalCase(workflow)}StateMachineArn`;
      const arn = (await stackOutputs(u))[key];
      if (!arn) throw new Error(`Stack ${stackName(u.id)} has no output ${key}; deploy the current version.`);
      return arn;
    },
    runtime(unitId) {
      const u = unit(unitId);
      const env: Record<string, string> = {
        TABLE_NAME: local?.units[u.id]?.tableName ?? tableName(u.id),
        BU_CONFIG: JSON.stringify(u),
        POWERTOOLS_LOG_LEVEL: 'WARN',
      };
      if (local) {
        Object.assign(env, {
          AWS_ENDPOINT_URL_DYNAMODB: local.urls.dynamodb,
          AWS_ENDPOINT_URL_SES: local.urls.ses,
          AWS_ENDPOINT_URL_SFN: local.urls.stepFunctions,
          AWS_REGION: 'us-east-1',
          DECISION_BASE_URL: `${local.urls.decisions}/${u.id}`,
        });
        process.env.AWS_ACCESS_KEY_ID ??= LOCAL_CREDENTIALS.accessKeyId;
        process.env.AWS_SECRET_ACCESS_KEY ??= LOCAL_CREDENTIALS.secretAccessKey;
      } else if (u.region) {
        env.AWS_REGION = u.region;
      }
      return runtimeFrom(env);
    },
    async caller(unitId) {
      if (local) return localCaller();
      const u = unit(unitId);
      const { GetCallerIdentityCommand, STSClient } = await import('./sdk-sts');
      const out = await new STSClient(u.region ? { region: u.region } : {}).send(new GetCallerIdentityCommand({})).catch((e: Error) => {
        if (isMissingCredentials(e)) throw new AwsCredentialsError(u, e);
        throw new Error(
          `Cannot read your AWS identity (STS GetCallerIdentity): ${e.message}. The request records who submitted it; check your AWS credentials, or use --local.`,
        );
      });
      if (!out.Arn)
        throw new Error('STS GetCallerIdentity answered without an ARN; the request records who submitted it, so nothing was started.');
      return out.Arn;
    },
    localSeal(unitId) {
      const seal = local?.units[unit(unitId).id]?.seal;
      if (!local || !seal || !local.urls.s3 || !local.urls.kms)
        throw new Error('the running local runtime has no sealed evidence; restart `npm start`');
      return { ...seal, s3Url: local.urls.s3, kmsUrl: local.urls.kms };
    },
    // Stored values (written before control characters were refused, or by other means) and echoed input reach the
    // terminal only through here: no escape sequence, carriage return or bidi override gets through.
    out: (l) => (opts.out ?? console.log)(terminalSafe(l, true)),
    err: (l) => (opts.err ?? console.error)(terminalSafe(l, true)),
  };
}

/** "local:<OS user>", printable characters only (a user name is not checked by anyone here). */
export function localCaller(): string {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    // A container user without a passwd entry.
    name = process.env.USER ?? process.env.USERNAME ?? `uid-${process.getuid?.() ?? 'unknown'}`;
  }
  return `local:${name.replace(/[^\x21-\x7e]/g, '_').slice(0, 256) || 'unknown'}`;
}

/** The SDK found no credentials anywhere it looks (environment, profiles, SSO, instance role). */
export function isMissingCredentials(err: unknown): boolean {
  const e = err as { name?: string; message?: string };
  return e?.name === 'CredentialsProviderError' || /Could not load credentials from any providers/.test(e?.message ?? '');
}

/**
 * A command without --local tried AWS and found no credentials: say that, and that --local is what talks to `npm start`
 * (the usual mistake: the local runtime is running and --local was forgotten).
 */
export class AwsCredentialsError extends Error {
  constructor(unit: BusinessUnitConfig | undefined, cause: unknown) {
    const where = unit ? ` (the deployed stack ${stackName(unit.id)}${unit.region ? ` in ${unit.region}` : ''})` : '';
    super(
      `tried AWS${where} and found no AWS credentials. ` +
        'To use the local runtime that `npm start` runs, add --local. To use AWS, configure credentials (aws configure, aws sso login, or AWS_PROFILE).',
      { cause },
    );
    this.name = 'AwsCredentialsError';
  }
}
