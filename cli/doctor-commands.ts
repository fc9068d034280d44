// `isms doctor`: one line per check of each unit (OK / WARN / FAIL, with what to do), so that an operator sees in one
// screen which units need attention: the stack and its version, SES, the alarm subscription, the schedule, the decision
// endpoint, the workflows and dead letters, sealing, and the data's schema version. Exit 1 on any FAIL.
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetAccountCommand, GetEmailIdentityCommand, type GetEmailIdentityCommandOutput, SESv2Client } from '@aws-sdk/client-sesv2';
import { DescribeStateMachineCommand, type ExecutionListItem, ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { ListSubscriptionsByTopicCommand, SNSClient, type Subscription } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { BusinessUnitConfig } from '../core/config';
import { DURATION_PATTERN, parseDuration } from '../core/duration';
import { formatTime } from '../core/format';
import { linksTableName, reviewScheduleName, stackName, type WorkflowName } from '../core/names';
import { nextFire } from '../core/schedule';
import { SCHEMA_VERSION, schemaKeys } from '../core/schema-version';
import { getItem } from '../lambdas/shared/store';
import { loadBusinessUnits } from '../lib/config-files';
import { buildInfo } from '../lib/build-info';
import type { CliCommand, CliContext } from './context';
import { optionsOf, usageOf } from './manifest';
import { decisionEndpointStep } from './smoke-commands';

export type Status = 'OK' | 'WARN' | 'FAIL' | 'INFO';
export interface CheckResult {
  check: string;
  status: Status;
  detail: string;
}

/** What tests replace: the clock, and how many units are checked at once. */
export const doctorDeps = { now: (): Date => new Date(), concurrency: 4 };

const WORKFLOWS: WorkflowName[] = ['management-review', 'resource-approval', 'policy-approval'];
const usage = usageOf('doctor');

/** A client made on first use, in the unit's region: a unit whose stack is missing never builds the others. */
function lazy<T>(make: () => T): () => T {
  let made: T | undefined;
  return () => {
    made ??= make();
    return made;
  };
}

function awsClients(region: string | undefined) {
  const cfg = region ? { region } : {};
  return {
    cfn: lazy(() => new CloudFormationClient(cfg)),
    sts: lazy(() => new STSClient(cfg)),
    ses: lazy(() => new SESv2Client(cfg)),
    sns: lazy(() => new SNSClient(cfg)),
    scheduler: lazy(() => new SchedulerClient(cfg)),
    sqs: lazy(() => new SQSClient(cfg)),
    cloudwatch: lazy(() => new CloudWatchClient(cfg)),
  };
}

/** Everything a check of one unit may use. */
interface UnitCheckContext {
  unit: BusinessUnitConfig;
  ctx: CliContext;
  since: Date;
  now: Date;
  aws: ReturnType<typeof awsClients>;
  outputs: Record<string, string>;
}

type Check = (u: UnitCheckContext) => Promise<CheckResult | CheckResult[]>;

const ok = (check: string, detail: string): CheckResult => ({ check, status: 'OK', detail });
const warn = (check: string, detail: string): CheckResult => ({ check, status: 'WARN', detail });
const fail = (check: string, detail: string): CheckResult => ({ check, status: 'FAIL', detail });
const errorName = (err: unknown) => (err as Error)?.name ?? 'Error';
const errorText = (err: unknown) => `${errorName(err)}: ${(err as Error)?.message ?? String(err)}`;

/** A check that throws (no permission, throttled, no network) is a FAIL naming the call, never a crash of the whole run. */
async function guarded(check: string, api: string, run: () => Promise<CheckResult | CheckResult[]>): Promise<CheckResult[]> {
  try {
    const r = await run();
    return Array.isArray(r) ? r : [r];
  } catch (err) {
    if (errorName(err) === 'CredentialsProviderError') {
      return [
        fail(check, "cannot check: no AWS credentials found; set AWS_PROFILE (or `aws sso login`) for the unit's account, or use --local."),
      ];
    }
    return [fail(check, `cannot check: ${api} answered ${errorText(err)}; your credentials need ${api} in the unit's account and region.`)];
  }
}

// ---------- AWS checks ----------

/** With `account` in the config, the credentials must be for it: otherwise every other check looks at the wrong account. */
async function accountCheck(unit: BusinessUnitConfig, aws: ReturnType<typeof awsClients>): Promise<CheckResult | undefined> {
  if (!unit.account) return undefined;
  const me = await aws.sts().send(new GetCallerIdentityCommand({}));
  if (me.Account !== unit.account) {
    return fail(
      'account',
      `your credentials are for account ${me.Account}, the unit deploys to ${unit.account}: use credentials (a profile, a role) for ${unit.account}; nothing else was checked.`,
    );
  }
  return ok('account', `${unit.account}${unit.region ? ` ${unit.region}` : ''}`);
}

const STACK_OK = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE']);

/** The stack exists, is settled, and runs this checkout's build; returns its outputs for the other checks. */
async function stackCheck(
  unit: BusinessUnitConfig,
  aws: ReturnType<typeof awsClients>,
): Promise<{ results: CheckResult[]; outputs?: Record<string, string> }> {
  const name = stackName(unit.id);
  const where = unit.region ?? 'your default region';
  let stack: { StackStatus?: string; Outputs?: Array<{ OutputKey?: string; OutputValue?: string }> } | undefined;
  try {
    stack = (await aws.cfn().send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0];
  } catch (err) {
    if (!/does not exist/i.test((err as Error).message ?? '')) throw err;
  }
  if (!stack || stack.StackStatus === 'DELETE_COMPLETE') {
    return { results: [fail('stack', `${name} is not deployed in ${where}: \`npx cdk deploy ${name}\`; nothing else was checked.`)] };
  }
  const status = stack.StackStatus ?? 'UNKNOWN';
  const outputs = Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  const results: CheckResult[] = [];
  if (status.endsWith('_IN_PROGRESS')) {
    results.push(warn('stack', `${name} is ${status}: run doctor again when the deploy has finished.`));
  } else if (status === 'UPDATE_ROLLBACK_COMPLETE') {
    results.push(
      warn(
        'stack',
        `${name}: its last update failed and was rolled back (UPDATE_ROLLBACK_COMPLETE); it runs the version before. Read why with \`aws cloudformation describe-stack-events --stack-name ${name}\`, fix, deploy again.`,
      ),
    );
  } else if (!STACK_OK.has(status)) {
    results.push(
      fail(
        'stack',
        `${name} is ${status}: read why with \`aws cloudformation describe-stack-events --stack-name ${name}\`; see "When one unit fails" in the README.`,
      ),
    );
  }
  const mine = buildInfo().label;
  const theirs = outputs.IsmsVersion;
  if (!theirs) {
    results.push(
      warn('version', `${name} has no IsmsVersion output: it predates this checkout; \`npx cdk diff ${name}\`, then deploy it.`),
    );
  } else if (theirs !== mine) {
    results.push(
      warn('version', `${name} runs ${theirs}, this checkout is ${mine}: \`npx cdk diff ${name}\`, then \`npx cdk deploy ${name}\`.`),
    );
  } else {
    results.push(ok('version', `${name} ${status}, runs ${theirs} (this checkout)`));
  }
  return { results, outputs };
}

async function identity(ses: SESv2Client, name: string): Promise<GetEmailIdentityCommandOutput | undefined> {
  try {
    return await ses.send(new GetEmailIdentityCommand({ EmailIdentity: name }));
  } catch (err) {
    if (errorName(err) === 'NotFoundException') return undefined;
    throw err;
  }
}

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

/** The sender (as an address or through its domain) is verified in the unit's region, and its domain signs with DKIM. */
const sesSenderCheck: Check = async ({ unit, aws }) => {
  const where = unit.region ?? 'the default region';
  const domain = domainOf(unit.sender);
  const [address, dom] = await Promise.all([identity(aws.ses(), unit.sender), identity(aws.ses(), domain)]);
  const results: CheckResult[] = [];
  if (address?.VerifiedForSendingStatus || dom?.VerifiedForSendingStatus) {
    results.push(
      ok(
        'ses sender',
        `${unit.sender} is verified for sending in ${where}${address?.VerifiedForSendingStatus ? '' : ` (domain ${domain})`}`,
      ),
    );
  } else {
    const pending = address || dom ? ' (created, verification pending: click the link AWS emailed, or publish the DNS records)' : '';
    results.push(
      fail(
        'ses sender',
        `${unit.sender} is not verified in SES in ${where}${pending}: verify the address or ${domain} there (stack output SesConsoleUrl); no email can go out until then.`,
      ),
    );
  }
  const dkim = [dom, address].find((i) => i?.DkimAttributes?.SigningEnabled && i.DkimAttributes.Status === 'SUCCESS');
  if (dkim) results.push(ok('ses dkim', `DKIM signs mail of ${domain}`));
  else {
    const state = dom?.DkimAttributes
      ? `signing ${dom.DkimAttributes.SigningEnabled ? 'on' : 'off'}, ${dom.DkimAttributes.Status}`
      : 'no domain identity';
    results.push(
      warn(
        'ses dkim',
        `DKIM does not sign mail of ${domain} (${state}): verify ${domain} as a domain identity with Easy DKIM in ${where} and publish its CNAME records, or mail may be rejected (DMARC) or land in spam.`,
      ),
    );
  }
  return results;
};

/** Everyone the unit may email, once each. */
function recipients(unit: BusinessUnitConfig): string[] {
  const people = [
    unit.ismsManager,
    unit.actionOwner,
    ...unit.topManagement,
    ...unit.escalationContacts,
    ...unit.resourceApproval.levels.flatMap((l) => [l.approver, l.escalationContact]),
  ];
  return [...new Set(people.filter((p) => p !== undefined).map((p) => p.email.toLowerCase()))];
}

/** Out of the SES sandbox in the unit's region (or every recipient verified), sending enabled, not under enforcement. */
const sesAccountCheck: Check = async ({ unit, aws }) => {
  const where = unit.region ?? 'the default region';
  const account = await aws.ses().send(new GetAccountCommand({}));
  if (account.SendingEnabled === false || account.EnforcementStatus === 'SHUTDOWN') {
    return fail(
      'ses account',
      `SES sending is ${account.SendingEnabled === false ? 'paused' : 'shut down'} for this account in ${where} (enforcement ${account.EnforcementStatus ?? 'unknown'}): see the SES console's reputation page and AWS's email to the account.`,
    );
  }
  const probation =
    account.EnforcementStatus === 'PROBATION' ? ` SES has put the account on probation in ${where}: see its reputation page.` : '';
  if (account.ProductionAccessEnabled) {
    return probation
      ? warn('ses account', `out of the SES sandbox in ${where}.${probation}`)
      : ok('ses account', `out of the SES sandbox in ${where}`);
  }
  const domains = new Map<string, Promise<boolean>>();
  const verified = async (address: string) => {
    if ((await identity(aws.ses(), address))?.VerifiedForSendingStatus) return true;
    const d = domainOf(address);
    if (!domains.has(d))
      domains.set(
        d,
        identity(aws.ses(), d).then((i) => Boolean(i?.VerifiedForSendingStatus)),
      );
    return domains.get(d)!;
  };
  const all = recipients(unit);
  const missing = (await Promise.all(all.map(async (a) => ((await verified(a)) ? undefined : a)))).filter((a) => a !== undefined);
  if (missing.length) {
    return fail(
      'ses account',
      `SES is in the sandbox in ${where} and ${missing.length} of ${all.length} recipients are not verified (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}): request production access for ${where} (stack output SesConsoleUrl).`,
    );
  }
  return warn(
    'ses account',
    `SES is in the sandbox in ${where}; all ${all.length} recipients are verified, but in the sandbox IAM checks each recipient's identity too and the functions may send only as the sender: request production access for ${where} before the first review.${probation}`,
  );
};

/** The ISMS manager confirmed the alarm topic's email subscription; otherwise alarms reach nobody. */
const alarmSubscriptionCheck: Check = async ({ unit, aws, outputs }) => {
  const topic = outputs.AlarmTopicArn;
  if (!topic) return warn('alarm subscription', `the stack has no AlarmTopicArn output: deploy this checkout to check the subscription.`);
  const subs: Subscription[] = [];
  let NextToken: string | undefined;
  do {
    const out = await aws.sns().send(new ListSubscriptionsByTopicCommand({ TopicArn: topic, NextToken }));
    subs.push(...(out.Subscriptions ?? []));
    NextToken = out.NextToken;
  } while (NextToken);
  const manager = unit.ismsManager.email.toLowerCase();
  const mine = subs.find((s) => s.Protocol === 'email' && s.Endpoint?.toLowerCase() === manager);
  const resubscribe = `\`aws sns subscribe --topic-arn ${topic} --protocol email --notification-endpoint ${unit.ismsManager.email}${unit.region ? ` --region ${unit.region}` : ''}\``;
  if (!mine)
    return fail(
      'alarm subscription',
      `${unit.ismsManager.email} is not subscribed to the alarm topic, so alarms reach nobody: ${resubscribe}, then confirm the email from AWS.`,
    );
  if (mine.SubscriptionArn === 'PendingConfirmation') {
    return fail(
      'alarm subscription',
      `${unit.ismsManager.email} has not confirmed the alarm subscription, so alarms reach nobody: click "Confirm subscription" in the email from AWS Notifications (it expires after 3 days; then ${resubscribe}).`,
    );
  }
  return ok('alarm subscription', `${unit.ismsManager.email} confirmed`);
};

/** The next fire of a schedule expression, in the unit's time zone, or what the expression says when it has no next fire time. */
function nextFireText(expression: string, timeZone: string, now: Date): { text: string; none?: boolean } {
  if (expression.startsWith('cron(')) {
    const at = nextFire(expression, timeZone, now);
    return at ? { text: `next fire ${formatTime(at.toISOString(), timeZone)}` } : { text: 'no further fire', none: true };
  }
  return { text: expression };
}

/** The review schedule exists, is enabled, matches the config, and fires again. */
const scheduleCheck: Check = async ({ unit, aws, now }) => {
  const name = reviewScheduleName(unit.id);
  let s: { State?: string; ScheduleExpression?: string; ScheduleExpressionTimezone?: string; EndDate?: Date };
  try {
    s = await aws.scheduler().send(new GetScheduleCommand({ Name: name }));
  } catch (err) {
    if (errorName(err) !== 'ResourceNotFoundException') throw err;
    return fail(
      'review schedule',
      `${name} does not exist, so no quarterly review starts: deploy the stack (\`npx cdk deploy ${stackName(unit.id)}\`).`,
    );
  }
  const expression = s.ScheduleExpression ?? '';
  const tz = s.ScheduleExpressionTimezone ?? 'UTC';
  if (s.State !== 'ENABLED') {
    return fail(
      'review schedule',
      `${name} is ${s.State ?? 'not enabled'}, so no quarterly review starts: \`aws scheduler update-schedule\` with --state ENABLED, or deploy the stack again.`,
    );
  }
  if (s.EndDate && s.EndDate <= now) return fail('review schedule', `${name} ended at ${s.EndDate.toISOString()}: deploy the stack again.`);
  const next = nextFireText(expression, tz, now);
  if (next.none)
    return fail('review schedule', `${name} (${expression}, ${tz}) fires no more: change reviewSchedule in the unit's config and deploy.`);
  if (expression !== unit.reviewSchedule || tz !== unit.timeZone) {
    return warn(
      'review schedule',
      `${name} is ${expression} in ${tz}, the config says ${unit.reviewSchedule} in ${unit.timeZone}: \`npx cdk diff ${stackName(unit.id)}\`, then deploy; ${next.text}.`,
    );
  }
  return ok('review schedule', `enabled, ${expression} in ${tz}, ${next.text}`);
};

/** The decision endpoint answers an unknown link with our 404 page: the smoke test's own step, not a copy. */
async function endpointCheck(baseUrl: string | undefined): Promise<CheckResult> {
  if (!baseUrl) return fail('decision endpoint', 'the stack has no DecisionBaseUrl output: deploy this checkout.');
  const r = await decisionEndpointStep(baseUrl);
  return { check: 'decision endpoint', status: r.ok ? 'OK' : 'FAIL', detail: r.detail };
}

const FAILED_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;

/** What to run for a failed execution of that workflow (its name says the period or the request). */
function restartHint(unit: BusinessUnitConfig, workflow: WorkflowName, execution: string): string {
  if (workflow === 'management-review') {
    const period = /\d{4}-Q[1-4]/.exec(execution)?.[0];
    return `\`npx isms review start --bu ${unit.id} --period ${period ?? '<period>'}\` restarts it`;
  }
  return `\`npx isms request restart --bu ${unit.id} --id ${execution.replace(/-restart-\d+$/, '')}\` restarts it`;
}

/** Each state machine exists, and none of its executions ended FAILED, TIMED_OUT or ABORTED since `since`. */
async function stateMachineCheck(
  unit: BusinessUnitConfig,
  sfn: Pick<SFNClient, 'send'>,
  arn: string | undefined,
  workflow: WorkflowName,
  since: Date,
): Promise<CheckResult> {
  const check = `workflow ${workflow}`;
  if (!arn) return fail(check, 'the stack has no output for its state machine: deploy this checkout.');
  try {
    await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
  } catch (err) {
    if (errorName(err) !== 'StateMachineDoesNotExist') throw err;
    return fail(check, `${arn} does not exist: deploy the stack (\`npx cdk deploy ${stackName(unit.id)}\`).`);
  }
  const ended: ExecutionListItem[] = [];
  for (const statusFilter of FAILED_STATUSES) {
    let nextToken: string | undefined;
    // Newest first by start; a review runs for weeks, so an old start may still have ended since: look at stop dates.
    for (let page = 0; page < 10; page++) {
      const out = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, statusFilter, maxResults: 100, nextToken }));
      ended.push(...(out.executions ?? []).filter((e) => e.stopDate && new Date(e.stopDate) >= since));
      nextToken = out.nextToken;
      if (!nextToken) break;
    }
  }
  if (ended.length === 0) return ok(check, `no failed, timed-out or stopped execution since ${since.toISOString()}`);
  const names = ended.map((e) => `${e.name} (${e.status})`);
  const first = ended[0].name ?? '';
  const text = `${ended.length} execution(s) ended without an outcome since ${since.toISOString()}: ${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}. The ISMS manager was emailed; ${restartHint(unit, workflow, first)}.`;
  return ended.some((e) => e.status !== 'ABORTED')
    ? fail(check, text)
    : warn(check, `${text} (stopped by someone: check that it was meant)`);
}

const QUEUES: Array<{ output: string; what: string; todo: (unit: BusinessUnitConfig) => string }> = [
  {
    output: 'ReviewScheduleDeadLetterQueueUrl',
    what: 'review schedule',
    todo: (u) => `a quarterly review did not start: start it with \`npx isms review start --bu ${u.id}\``,
  },
  {
    output: 'WorkflowFailedDeadLetterQueueUrl',
    what: 'workflow-failed',
    todo: () => 'a failed workflow was not recorded nor emailed: read the message (its execution ARN) and restart that review or request',
  },
  {
    output: 'EmailEventsDeadLetterQueueUrl',
    what: 'email-events',
    todo: () =>
      'an SES delivery event was not recorded (a bounce may be unknown): read the message and check `review status` / `request status`',
  },
  {
    output: 'SealScheduleDeadLetterQueueUrl',
    what: 'seal schedule',
    todo: (u) => `a sealing run did not start; the next run catches up: check with \`npx isms evidence verify --bu ${u.id}\``,
  },
  {
    output: 'PolicyCheckDeadLetterQueueUrl',
    what: 'policy check',
    todo: (u) => `a daily re-confirmation check did not run; the next one catches up: see \`npx isms policy status --bu ${u.id}\``,
  },
];

/** No dead-letter queue of the unit holds a message. */
const deadLetterCheck: Check = async ({ unit, aws, outputs }) =>
  Promise.all(
    QUEUES.map(async (q): Promise<CheckResult> => {
      const check = `dead letters ${q.what}`;
      const url = outputs[q.output];
      if (!url) return warn(check, `the stack has no ${q.output} output: deploy this checkout to check it.`);
      const out = await aws.sqs().send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      const n =
        Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
      if (n === 0) return ok(check, 'empty');
      return fail(
        check,
        `${n} message(s): ${q.todo(unit)}; then delete them (\`aws sqs receive-message --queue-url ${url}\`, \`aws sqs delete-message\`) so that the next one shows.`,
      );
    }),
  );

/** Sealing is not behind: the seal-lag alarm's state, when the stack has sealing at all. */
const sealingCheck: Check = async ({ aws, outputs }) => {
  const alarm = outputs.SealLagAlarmName;
  if (!alarm) return { check: 'sealing', status: 'INFO', detail: 'sealing not deployed' };
  const out = await aws.cloudwatch().send(new DescribeAlarmsCommand({ AlarmNames: [alarm] }));
  const state = out.MetricAlarms?.[0]?.StateValue ?? out.CompositeAlarms?.[0]?.StateValue;
  if (!state) return fail('sealing', `the alarm ${alarm} does not exist: deploy the stack again.`);
  if (state === 'ALARM')
    return fail('sealing', `sealing is behind (${alarm} is ALARM): see the sealer's logs; evidence written since is not sealed yet.`);
  if (state === 'INSUFFICIENT_DATA')
    return warn('sealing', `${alarm} has no data yet: the sealer has not run; check again after its next run.`);
  return ok('sealing', 'not behind');
};

/** The version the unit's data is at, against the version this checkout reads. */
async function schemaCheck(ctx: CliContext, unit: BusinessUnitConfig): Promise<CheckResult> {
  const rt = ctx.runtime(unit.id);
  const item = await getItem<{ version?: number; migratedAt?: string }>(rt, schemaKeys.version);
  const version = item?.version ?? 0;
  if (version === SCHEMA_VERSION)
    return ok('data schema', `version ${version} (this checkout's)${item?.migratedAt ? `, migrated ${item.migratedAt}` : ''}`);
  if (version > SCHEMA_VERSION) {
    return fail(
      'data schema',
      `the data is at version ${version}, newer than this checkout's ${SCHEMA_VERSION}: a newer release wrote it; use a checkout at that release or later, never deploy this one over it.`,
    );
  }
  return warn(
    'data schema',
    `the data is at version ${version}, this checkout writes ${SCHEMA_VERSION}: deploy this checkout (${ctx.local ? 'locally: restart `npm start`' : `\`npx cdk deploy ${stackName(unit.id)}\``}), which migrates it once.`,
  );
}

// ---------- the run ----------

export async function checkUnitOnAws(unit: BusinessUnitConfig, ctx: CliContext, since: Date): Promise<CheckResult[]> {
  const aws = awsClients(unit.region);
  const results: CheckResult[] = [];
  const account = await guarded('account', 'sts:GetCallerIdentity', async () => (await accountCheck(unit, aws)) ?? []);
  results.push(...account);
  if (account.some((r) => r.status === 'FAIL')) return results;
  let outputs: Record<string, string> | undefined;
  results.push(
    ...(await guarded('stack', 'cloudformation:DescribeStacks', async () => {
      const s = await stackCheck(unit, aws);
      outputs = s.outputs;
      return s.results;
    })),
  );
  if (!outputs) return results;
  const u: UnitCheckContext = { unit, ctx, since, now: doctorDeps.now(), aws, outputs };
  const sfn = ctx.sfn(unit.id);
  const arns: Record<WorkflowName, string | undefined> = {
    'management-review': outputs.ManagementReviewStateMachineArn,
    'resource-approval': outputs.ResourceApprovalStateMachineArn,
    'policy-approval': outputs.PolicyApprovalStateMachineArn,
  };
  const groups = await Promise.all([
    guarded('ses sender', 'ses:GetEmailIdentity', () => sesSenderCheck(u)),
    guarded('ses account', 'ses:GetAccount and ses:GetEmailIdentity', () => sesAccountCheck(u)),
    guarded('alarm subscription', 'sns:ListSubscriptionsByTopic', () => alarmSubscriptionCheck(u)),
    guarded('review schedule', 'scheduler:GetSchedule', () => scheduleCheck(u)),
    guarded('decision endpoint', 'an HTTPS GET', () => endpointCheck(outputs?.DecisionBaseUrl)),
    ...WORKFLOWS.map((w) =>
      guarded(`workflow ${w}`, 'states:DescribeStateMachine and states:ListExecutions', () =>
        stateMachineCheck(unit, sfn, arns[w], w, since),
      ),
    ),
    guarded('dead letters', 'sqs:GetQueueAttributes', () => deadLetterCheck(u)),
    guarded('sealing', 'cloudwatch:DescribeAlarms', () => sealingCheck(u)),
    guarded('data schema', 'dynamodb:GetItem on the evidence table', () => schemaCheck(ctx, unit)),
  ]);
  return [...results, ...groups.flat()];
}

/** What applies on `npm start`: the tables, the endpoint, the state machines, the schedule stand-in, the data schema. */
async function checkUnitLocally(unit: BusinessUnitConfig, ctx: CliContext, since: Date): Promise<CheckResult[]> {
  const rt = ctx.runtime(unit.id);
  const ddb = new DynamoDBClient({
    endpoint: rt.env.AWS_ENDPOINT_URL_DYNAMODB,
    region: rt.env.AWS_REGION ?? 'us-east-1',
  });
  const tables = await Promise.all(
    [rt.tableName, linksTableName(unit.id)].map(async (name): Promise<CheckResult> => {
      try {
        const t = await ddb.send(new DescribeTableCommand({ TableName: name }));
        return ok(`table ${name}`, `${t.Table?.TableStatus ?? 'ACTIVE'}`);
      } catch (err) {
        return fail(`table ${name}`, `${errorText(err)}: restart \`npm start\`, which creates the unit's tables.`);
      }
    }),
  );
  const next = nextFireText(unit.reviewSchedule, unit.timeZone, doctorDeps.now());
  const schedule = next.none
    ? fail('review schedule', `${unit.reviewSchedule} fires no more: change reviewSchedule in the unit's config.`)
    : ok('review schedule', `npm start fires ${unit.reviewSchedule} in ${unit.timeZone} while it runs, ${next.text}`);
  const sfn = ctx.sfn(unit.id);
  const groups = await Promise.all([
    guarded('decision endpoint', 'an HTTP GET', () => endpointCheck(rt.env.DECISION_BASE_URL)),
    ...WORKFLOWS.map((w) =>
      guarded(`workflow ${w}`, 'the local Step Functions', async () =>
        stateMachineCheck(unit, sfn, await ctx.stateMachineArn(unit.id, w).catch(() => undefined), w, since),
      ),
    ),
    guarded('data schema', 'the local DynamoDB', () => schemaCheck(ctx, unit)),
  ]);
  ddb.destroy();
  return [...tables, schedule, ...groups.flat()];
}

/** Runs `work` over `items` with at most `limit` at once; results in the items' order. */
export async function pool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

const doctor: CliCommand = {
  name: 'doctor',
  usage: usageOf('doctor'),
  async run(args, ctx) {
    let values: { bu?: string; since?: string; local?: boolean };
    try {
      values = parseArgs({
        args,
        options: optionsOf('doctor'),
        strict: true,
        allowPositionals: false,
      }).values;
    } catch (err) {
      ctx.err((err as Error).message.replace(/\. To specify .*$/s, ''));
      ctx.err(`usage: ${usage}`);
      return 2;
    }
    const problems: string[] = [];
    let units: BusinessUnitConfig[] = [];
    if (!values.bu) problems.push('--bu: is required (a business-unit id, or "all")');
    // Through the context, so that `--local` gets the units as the running runtime has them.
    else if (values.bu === 'all') units = loadBusinessUnits().map((u) => ctx.unit(u.id));
    else {
      try {
        units = [ctx.unit(values.bu)];
      } catch (err) {
        problems.push(`--bu: ${(err as Error).message}`);
      }
    }
    const sinceText = values.since ?? '24h';
    if (!DURATION_PATTERN.test(sinceText)) problems.push(`--since: ${JSON.stringify(sinceText)} is not a duration like "24h" or "7d"`);
    if (problems.length) {
      for (const p of problems) ctx.err(p);
      ctx.err(`usage: ${usage}`);
      return 2;
    }
    const since = new Date(doctorDeps.now().getTime() - parseDuration(sinceText) * 1000);
    const check = ctx.local ? checkUnitLocally : checkUnitOnAws;
    const all = await pool(units, doctorDeps.concurrency, (u) => check(u, ctx, since));

    // One block per unit, in config order, so that `--bu all` reads as one screen grouped by unit.
    const attention: string[] = [];
    units.forEach((unit, i) => {
      const where = ctx.local ? 'local runtime' : [unit.account, unit.region].filter(Boolean).join(' ') || 'default account and region';
      ctx.out(`${unit.id} (${stackName(unit.id)}, ${where})`);
      for (const r of all[i]) ctx.out(`  ${r.status.padEnd(4)} ${r.check}: ${r.detail}`);
      const fails = all[i].filter((r) => r.status === 'FAIL').length;
      const warns = all[i].filter((r) => r.status === 'WARN').length;
      if (fails || warns) attention.push(`${unit.id} (${[fails && `${fails} FAIL`, warns && `${warns} WARN`].filter(Boolean).join(', ')})`);
    });
    ctx.out(
      attention.length
        ? `${attention.length} of ${units.length} unit(s) need attention: ${attention.join(', ')}`
        : `${units.length} unit(s) checked: all OK`,
    );
    return all.flat().some((r) => r.status === 'FAIL') ? 1 : 0;
  },
};

export const commands: CliCommand[] = [doctor];
