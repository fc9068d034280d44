// State transitions, Lambda invocations, emails and DynamoDB request units per management review, for 3, 10 and 30
// members, from GetExecutionHistory, the SES inbox and an SDK middleware on the handlers; and the list-price cost of one review.
// Run: npx tsx bench/review-transitions.ts   (local runtime on free ports; about 45 s)
import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalRuntime, LOCAL_REGION, type LocalRuntime, type StoredEmail } from '../local/runtime';
import { RESOURCE_CATEGORIES, type BusinessUnitConfig } from '../core/config';
import { FUNCTIONS, checkEnvironmentSize, functionEnvironment } from '../core/functions';
import { runtimeFrom } from '../lambdas/shared/runtime';
import { startReviewInput } from '../core/review-start';
import { testUnit } from '../tests/support/local-aws';
import { history, members } from './support';
import { until } from '../tests/support/workflow';

// List prices, us-east-1, on-demand, no free tier, no savings plans, as given in the issue and recorded here on 2026-11-27
// (the Step Functions and DynamoDB figures, the latter as cut in November 2024, agree with copies of their pricing pages; the
// others were not checked again). Check the pages before quoting a cost.
/** https://aws.amazon.com/step-functions/pricing/ : Standard Workflows, $0.025 per 1,000 state transitions. */
const USD_PER_TRANSITION = 0.025 / 1_000;
/** https://aws.amazon.com/lambda/pricing/ : Arm, $0.0000133334 per GB-second and $0.20 per 1M requests. */
const USD_PER_LAMBDA_GB_SECOND = 0.0000133334;
const USD_PER_LAMBDA_REQUEST = 0.2 / 1_000_000;
/** core/functions.ts: every function has 256 MB (memoryMb default). */
const LAMBDA_GB = 256 / 1024;
/** An assumption, not a measurement (the local runtime runs handlers in-process): billed duration of an average invocation. */
const ASSUMED_LAMBDA_MS = 200;
/** https://aws.amazon.com/dynamodb/pricing/on-demand/ : $0.625 per million write and $0.125 per million read request units. */
const USD_PER_WRU = 0.625 / 1_000_000;
const USD_PER_RRU = 0.125 / 1_000_000;
/** https://aws.amazon.com/ses/pricing/ : $0.10 per 1,000 emails (each recipient's copy is one email; see sendEmail). */
const USD_PER_EMAIL = 0.1 / 1_000;
/** https://aws.amazon.com/api-gateway/pricing/ : HTTP APIs, $1.00 per million requests (first 300 million a month). */
const USD_PER_API_REQUEST = 1 / 1_000_000;
/** Management reviews a unit holds a year (one a quarter). */
const REVIEWS_PER_YEAR = 4;

interface Scenario {
  label: string;
  members: number;
  unit: BusinessUnitConfig;
  /** Wait for this many reminder rounds before deciding; -1: nobody decides (escalation, then not held on time). */
  afterReminders: number;
}

const scenarios: Scenario[] = [];
for (const n of [3, 10, 30]) {
  const quorum = Math.floor(n / 2) + 1;
  const base = { topManagement: members(n), quorum, escalationContacts: [{ name: 'Board Office', email: 'board@example.com' }] };
  scenarios.push({
    label: `${n} members, quorum ${quorum}, decided before any reminder`,
    members: n,
    afterReminders: 0,
    unit: testUnit({
      id: `bench-${n}-calm`,
      name: `Bench ${n} calm`,
      ...base,
      reminders: { interval: '60s', maximum: 1 },
      decisionLinkLifetime: '300s',
    }),
  });
  scenarios.push({
    label: `${n} members, quorum ${quorum}, decided after 1 reminder`,
    members: n,
    afterReminders: 1,
    unit: testUnit({
      id: `bench-${n}-late`,
      name: `Bench ${n} late`,
      ...base,
      reminders: { interval: '1s', maximum: 2 },
      decisionLinkLifetime: '60s',
    }),
  });
  scenarios.push({
    label: `${n} members, nobody decides (2 reminders, escalation)`,
    members: n,
    afterReminders: -1,
    unit: testUnit({
      id: `bench-${n}-none`,
      name: `Bench ${n} none`,
      ...base,
      reminders: { interval: '1s', maximum: 2 },
      decisionLinkLifetime: '5s',
    }),
  });
}

/** What one member's decision costs at the edge: API Gateway requests, each one decision-endpoint invocation. */
let endpointRequests = 0;

/** As a person in a browser: open the link (GET), submit the form (POST), follow the 303 back to the page (GET). */
async function decide(email: StoredEmail): Promise<void> {
  const url = new URL(/(http:\/\/\S+\/decisions\/\S+)/.exec(email.body.text ?? '')![1]);
  const page = await fetch(url);
  await page.arrayBuffer();
  endpointRequests++;
  if (page.status !== 200) throw new Error(`decision page answered ${page.status}`);
  const form = new URLSearchParams({ k: url.searchParams.get('k')!, choice: 'approve', comment: '' });
  for (const c of RESOURCE_CATEGORIES) form.set(`adequacy-${c}`, 'adequate');
  const res = await fetch(`${url.origin}${url.pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
    redirect: 'manual',
  });
  await res.arrayBuffer();
  endpointRequests++;
  if (res.status !== 303) throw new Error(`decision answered ${res.status}`);
  const after = await fetch(new URL(res.headers.get('location')!, url));
  await after.arrayBuffer();
  endpointRequests++;
  if (after.status !== 200) throw new Error(`page after the decision answered ${after.status}`);
}

/**
 * DynamoDB requests and request units of one unit's handlers, measured: an SDK middleware on each handler's Runtime asks
 * for ConsumedCapacity, which dynalite computes by item size as DynamoDB does (1 WRU per KB written, 1 RRU per 4 KB read
 * consistently, half that eventually). A conditional write that fails is charged 1 WRU, as DynamoDB charges it. What
 * dynalite leaves out is gsi1 (projection ALL): every write of an item that is in the index is written there too, so
 * each successful write whose item carries gsi1pk afterwards is charged once more (a write that moves an item between
 * gsi1 keys would cost one more; the review does not do that, as far as the handlers show).
 */
interface DdbMeter {
  reads: number;
  writes: number;
  rru: number;
  wru: number;
  gsiWru: number;
  /** Successful updates and deletes: whether their item is in gsi1 is known only after reading it. */
  updated: { key: Record<string, unknown>; wru: number }[];
}
const meters = new Map<string, DdbMeter>();

function meterHandlers(lr: LocalRuntime): void {
  const metered = new WeakSet<object>();
  for (const u of lr.units) {
    const meter: DdbMeter = { reads: 0, writes: 0, rru: 0, wru: 0, gsiWru: 0, updated: [] };
    meters.set(u.unit.id, meter);
    for (const spec of FUNCTIONS) {
      // The environment local/runtime.ts gives the handler, so runtimeFrom answers with the Runtime the handler holds.
      const env = {
        ...functionEnvironment(spec, u.unit, {
          tableName: u.tableName,
          linksTableName: u.linksTableName,
          decisionBaseUrl: `${lr.urls.decisions}/${u.unit.id}`,
        }),
        AWS_ENDPOINT_URL_DYNAMODB: lr.urls.dynamodb,
        AWS_ENDPOINT_URL_SES: lr.urls.ses,
        AWS_ENDPOINT_URL_SFN: lr.urls.stepFunctions,
        AWS_REGION: LOCAL_REGION,
        POWERTOOLS_LOG_LEVEL: 'WARN',
      };
      const { ddb } = runtimeFrom(env);
      if (metered.has(ddb)) continue;
      metered.add(ddb);
      ddb.middlewareStack.add(
        (next, context) => async (args) => {
          const input = args.input as Record<string, any>;
          const read = /^(Get|BatchGet|Query|Scan|TransactGet)/.test(context.commandName ?? '');
          if (read) meter.reads++;
          else meter.writes++;
          try {
            const out = await next({ ...args, input: { ...input, ReturnConsumedCapacity: 'TOTAL' } });
            const units = Number((out.output as { ConsumedCapacity?: { CapacityUnits?: number } }).ConsumedCapacity?.CapacityUnits ?? 0);
            if (read) meter.rru += units;
            else {
              meter.wru += units;
              if (input.Item) meter.gsiWru += input.Item.gsi1pk ? units : 0;
              else meter.updated.push({ key: input.Key, wru: units });
            }
            return out;
          } catch (err) {
            if (!read && (err as Error).name === 'ConditionalCheckFailedException') meter.wru += 1;
            throw err;
          }
        },
        { step: 'initialize', name: 'benchDynamoDbMeter' },
      );
    }
  }
}

/** Adds the gsi1 writes of the updates, reading each updated item once (with a client of its own, not metered). */
async function settleGsiWrites(lr: LocalRuntime, unitId: string, meter: DdbMeter): Promise<void> {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: lr.urls.dynamodb, region: LOCAL_REGION }));
  const table = lr.units.find((u) => u.unit.id === unitId)!.tableName;
  const inIndex = new Map<string, boolean>();
  for (const { key, wru } of meter.updated) {
    const id = JSON.stringify(key);
    if (!inIndex.has(id)) inIndex.set(id, Boolean((await doc.send(new GetCommand({ TableName: table, Key: key }))).Item?.gsi1pk));
    if (inIndex.get(id)) meter.gsiWru += wru;
  }
  meter.updated = [];
  doc.destroy();
}

async function run(lr: LocalRuntime, s: Scenario) {
  const u = lr.units.find((x) => x.unit.id === s.unit.id)!;
  const period = '2026-Q4';
  const { name, input } = startReviewInput(s.unit, period, 'bench');
  const emailsBefore = (await lr.emails()).length;
  endpointRequests = 0;
  const started = Date.now();
  const { executionArn } = await lr.sfn.send(
    new StartExecutionCommand({ stateMachineArn: u.stateMachineArns['management-review'], name, input: JSON.stringify(input) }),
  );
  const mine = async (subject: RegExp) =>
    (await lr.emails()).filter((e) => e.subject.includes(`(${s.unit.name})`) && subject.test(e.subject));
  const quorum = s.unit.quorum as number;
  let links = await until(
    'every invitation',
    async () => {
      const m = await mine(/^Decision needed: /);
      return m.length === s.unit.topManagement.length && m;
    },
    30_000,
    25,
  );
  if (s.afterReminders > 0) {
    const re = new RegExp(`^Decision needed \\(reminder ${s.afterReminders}\\): `); // core/review-emails.ts
    links = await until(
      'every reminder',
      async () => {
        const m = await mine(re);
        return m.length === s.unit.topManagement.length && m;
      },
      30_000,
      25,
    );
  }
  const deciders = s.afterReminders < 0 ? 0 : quorum;
  for (const email of links.slice(0, deciders)) await decide(email);
  const d = await until(
    'the execution to end',
    async () => {
      const x = await lr.sfn.send(new DescribeExecutionCommand({ executionArn }));
      return x.status !== 'RUNNING' && x;
    },
    30_000,
    25,
  );
  const wallMs = Date.now() - started;
  const events = await history(lr, executionArn!);
  const transitions = events.filter((e) => e.type?.endsWith('StateEntered')).length;
  const lambdas = events.filter(
    (e) => e.type === 'LambdaFunctionScheduled' || (e.type === 'TaskScheduled' && e.taskScheduledEventDetails?.resourceType === 'lambda'),
  ).length;
  const waits = events.filter(
    (e) => e.type === 'TaskScheduled' && e.taskScheduledEventDetails?.resource === 'invoke.waitForTaskToken',
  ).length;
  const emails = (await lr.emails()).length - emailsBefore;
  const meter = meters.get(s.unit.id)!;
  await settleGsiWrites(lr, s.unit.id, meter);
  if (meter.reads + meter.writes === 0)
    throw new Error(`no DynamoDB request of ${s.unit.id} was metered: has the handler environment in local/runtime.ts changed?`);
  const figures = {
    transitions,
    lambdas: lambdas + endpointRequests,
    emails,
    rru: meter.rru,
    wru: meter.wru + meter.gsiWru,
    apiRequests: endpointRequests,
  };
  return {
    row: {
      scenario: s.label,
      status: `${d.status} ${JSON.parse(d.output ?? '{}').outcome ?? ''}`.trim(),
      transitions,
      workflowLambdas: lambdas,
      waits,
      endpointPosts: deciders,
      endpointRequests,
      wallMs,
    },
    cost: { scenario: s.label, members: s.members, ...figures, meter },
  };
}

/** List-price USD of one review, by service. */
function cost(f: { transitions: number; lambdas: number; emails: number; rru: number; wru: number; apiRequests: number }) {
  const parts = {
    stepFunctions: f.transitions * USD_PER_TRANSITION,
    lambda: f.lambdas * (USD_PER_LAMBDA_REQUEST + LAMBDA_GB * (ASSUMED_LAMBDA_MS / 1000) * USD_PER_LAMBDA_GB_SECOND),
    dynamodb: f.rru * USD_PER_RRU + f.wru * USD_PER_WRU,
    ses: f.emails * USD_PER_EMAIL,
    apiGateway: f.apiRequests * USD_PER_API_REQUEST,
  };
  return { ...parts, total: Object.values(parts).reduce((a, b) => a + b, 0) };
}

const usd = (n: number) => `$${n.toFixed(6)}`;

async function main() {
  const lr = await startLocalRuntime({
    units: scenarios.map((s) => s.unit),
    ports: { dynamodb: 0, ses: 0, stepFunctions: 0, decisions: 0 },
  });
  try {
    meterHandlers(lr);
    const results = [];
    for (const s of scenarios) results.push(await run(lr, s));
    console.log('Management review: per execution (local runtime, GetExecutionHistory)');
    console.table(results.map((r) => r.row));
    console.log(
      'transitions = StateEntered events (what Standard Workflows bill); workflowLambdas = Lambda tasks scheduled by the workflow;',
    );
    console.log('waits = waitForTaskToken tasks; endpointPosts = members who decided; endpointRequests = decision-endpoint invocations');
    console.log('(GET of the page, POST of the decision, GET after its 303, per member who decided).');

    console.log('\nList-price cost of one review, us-east-1 (USD, no free tier)');
    const costs = results.map((r) => ({ ...r.cost, usd: cost(r.cost) }));
    console.table(
      costs.map((c) => ({
        scenario: c.scenario,
        members: c.members,
        transitions: c.transitions,
        lambdaInvocations: c.lambdas,
        emails: c.emails,
        'ddb requests r/w': `${c.meter.reads} / ${c.meter.writes}`,
        'ddb RRU/WRU (measured)': `${c.rru} / ${c.wru}`,
        apiRequests: c.apiRequests,
        cost: usd(c.usd.total),
      })),
    );
    console.table(
      costs.map((c) => ({
        scenario: c.scenario,
        stepFunctions: usd(c.usd.stepFunctions),
        lambda: usd(c.usd.lambda),
        dynamodb: usd(c.usd.dynamodb),
        ses: usd(c.usd.ses),
        apiGateway: usd(c.usd.apiGateway),
        total: usd(c.usd.total),
      })),
    );
    const perYear = (pick: (s: Scenario) => boolean) =>
      costs
        .filter((_, i) => pick(scenarios[i]))
        .map((c) => `${c.members} members ${usd(REVIEWS_PER_YEAR * c.usd.total)}`)
        .join(', ');
    console.log(
      `cost per unit per year (${REVIEWS_PER_YEAR} reviews), decided before any reminder: ${perYear((s) => s.afterReminders === 0)}`,
    );
    console.log(
      `cost per unit per year (${REVIEWS_PER_YEAR} reviews), nobody decides (worst case): ${perYear((s) => s.afterReminders < 0)}`,
    );
    console.log(
      `Assumption: every Lambda invocation bills ${ASSUMED_LAMBDA_MS} ms at ${LAMBDA_GB * 1024} MB (arm64), not measured; lambdaInvocations = workflow tasks + decision-endpoint requests.`,
    );
    console.log(
      'DynamoDB: requests and units measured on the handlers (dynalite ConsumedCapacity by item size; failed conditional writes 1 WRU; gsi1 writes added',
    );
    console.log(
      'for items in the index). The tables here are fresh: a unit with years of requests and actions reads more when compiling the pack.',
    );
    console.log('emails = inbox copies (one per recipient, as SES bills); apiRequests = endpointRequests (HTTP API).');
    console.log(
      'Not included: EventBridge Scheduler (1 invocation per review), CloudWatch Logs, DynamoDB storage and backups, data transfer, KMS.',
    );
    const largest = scenarios.find((s) => s.members === Math.max(...scenarios.map((x) => x.members)))!;
    const env = functionEnvironment(FUNCTIONS.find((f) => f.access.mintsLinks)!, largest.unit, {
      tableName: 'isms-x-evidence',
      linksTableName: 'isms-x-links',
      decisionBaseUrl: 'https://x',
    });
    const bytes = Object.entries(env).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
    let fits = 'fits';
    try {
      checkEnvironmentSize(largest.unit, env);
    } catch {
      fits = 'does NOT fit';
    }
    console.log(
      `Lambda environment of a ${largest.members}-member unit (bench names): ${bytes} bytes, ${fits} in 4096 (longer real names and roles fit fewer members).`,
    );
  } finally {
    await lr.close();
  }
}

await main();
