// State transitions and Lambda invocations per management review, for 3 and 10 members, from GetExecutionHistory.
// Run: npx tsx bench/review-transitions.ts   (local runtime on free ports; about 15 s)
import { DescribeExecutionCommand, GetExecutionHistoryCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { startLocalRuntime, type LocalRuntime, type StoredEmail } from '../lib/local/runtime';
import { RESOURCE_CATEGORIES, type BusinessUnitConfig } from '../lib/config';
import { startReviewInput } from '../lambdas/shared/review';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { testUnit } from '../tests/support/local-aws';

const members = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ name: `Member ${i + 1}`, email: `member${i + 1}@example.com`, role: `Director ${i + 1}`, ...(i === 0 ? { chair: true } : {}) }));

interface Scenario {
  label: string;
  unit: BusinessUnitConfig;
  /** Wait for this many reminder rounds before deciding; -1: nobody decides (escalation, then not held on time). */
  afterReminders: number;
}

const scenarios: Scenario[] = [];
for (const n of [3, 10]) {
  const quorum = Math.floor(n / 2) + 1;
  const base = { topManagement: members(n), quorum, escalationContacts: [{ name: 'Board Office', email: 'board@example.com' }] };
  scenarios.push({ label: `${n} members, quorum ${quorum}, decided before any reminder`, afterReminders: 0, unit: testUnit({ id: `bench-${n}-calm`, name: `Bench ${n} calm`, ...base, reminders: { interval: '60s', maximum: 1 }, decisionLinkLifetime: '300s' }) });
  scenarios.push({ label: `${n} members, quorum ${quorum}, decided after 1 reminder`, afterReminders: 1, unit: testUnit({ id: `bench-${n}-late`, name: `Bench ${n} late`, ...base, reminders: { interval: '1s', maximum: 2 }, decisionLinkLifetime: '60s' }) });
  scenarios.push({ label: `${n} members, nobody decides (2 reminders, escalation)`, afterReminders: -1, unit: testUnit({ id: `bench-${n}-none`, name: `Bench ${n} none`, ...base, reminders: { interval: '1s', maximum: 2 }, decisionLinkLifetime: '5s' }) });
}

async function until<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function decide(email: StoredEmail): Promise<void> {
  const url = new URL(/(http:\/\/\S+\/decisions\/\S+)/.exec(email.body.text ?? '')![1]);
  const form = new URLSearchParams({ k: url.searchParams.get('k')!, choice: 'approve', comment: '' });
  for (const c of RESOURCE_CATEGORIES) form.set(`adequacy-${c}`, 'adequate');
  const res = await fetch(`${url.origin}${url.pathname}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form, redirect: 'manual' });
  await res.arrayBuffer();
  if (res.status !== 303) throw new Error(`decision answered ${res.status}`);
}

async function history(lr: LocalRuntime, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await lr.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

async function run(lr: LocalRuntime, s: Scenario) {
  const u = lr.units.find((x) => x.unit.id === s.unit.id)!;
  const period = '2026-Q4';
  const { name, input } = startReviewInput(s.unit, period, 'bench');
  const started = Date.now();
  const { executionArn } = await lr.sfn.send(new StartExecutionCommand({ stateMachineArn: u.stateMachineArns['management-review'], name, input: JSON.stringify(input) }));
  const mine = async (subject: RegExp) => (await lr.emails()).filter((e) => e.subject.includes(`(${s.unit.name})`) && subject.test(e.subject));
  const quorum = s.unit.quorum as number;
  let links = await until(async () => {
    const m = await mine(/your decision is needed/);
    return m.length === s.unit.topManagement.length && m;
  });
  if (s.afterReminders > 0) {
    const re = new RegExp(`^Reminder ${s.afterReminders}:`);
    links = await until(async () => {
      const m = await mine(re);
      return m.length === s.unit.topManagement.length && m;
    });
  }
  const deciders = s.afterReminders < 0 ? 0 : quorum;
  for (const email of links.slice(0, deciders)) await decide(email);
  const d = await until(async () => {
    const x = await lr.sfn.send(new DescribeExecutionCommand({ executionArn }));
    return x.status !== 'RUNNING' && x;
  });
  const events = await history(lr, executionArn!);
  const transitions = events.filter((e) => e.type?.endsWith('StateEntered')).length;
  const lambdas = events.filter((e) => e.type === 'LambdaFunctionScheduled' || (e.type === 'TaskScheduled' && e.taskScheduledEventDetails?.resourceType === 'lambda')).length;
  const waits = events.filter((e) => e.type === 'TaskScheduled' && e.taskScheduledEventDetails?.resource === 'invoke.waitForTaskToken').length;
  return { scenario: s.label, status: `${d.status} ${JSON.parse(d.output ?? '{}').outcome ?? ''}`.trim(), transitions, workflowLambdas: lambdas, waits, endpointPosts: deciders, wallMs: Date.now() - started };
}

async function main() {
  const lr = await startLocalRuntime({ units: scenarios.map((s) => s.unit), ports: { dynamodb: 0, ses: 0, stepFunctions: 0, decisions: 0 } });
  try {
    const rows = [];
    for (const s of scenarios) rows.push(await run(lr, s));
    console.log('Management review: per execution (local runtime, GetExecutionHistory)');
    console.table(rows);
    console.log('transitions = StateEntered events (what Standard Workflows bill); workflowLambdas = Lambda tasks scheduled by the workflow;');
    console.log('waits = waitForTaskToken tasks; endpointPosts = decision-endpoint invocations (one per member who decided).');
  } finally {
    await lr.close();
  }
}

await main();
