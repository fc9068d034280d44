// State transitions and Lambda invocations per resource request (1 and 3 levels, and a request that expires), from GetExecutionHistory.
import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { startLocalRuntime, type LocalRuntime, type StoredEmail } from '../local/runtime';
import { newRequestId } from '../core/request';
import { testUnit } from '../tests/support/local-aws';
import { history } from './support';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

/** Requests per scenario; the counts are deterministic, so a few runs only show that they are. */
const RUNS = Number(process.env.RUNS ?? 3);
const calm = testUnit({ id: 'bench-calm', reminders: { interval: '60s', maximum: 1 }, decisionLinkLifetime: '300s' });
const quick = testUnit({ id: 'bench-quick', reminders: { interval: '1s', maximum: 1 }, decisionLinkLifetime: '4s' });

interface Figures {
  transitions: number;
  workflowLambdas: number;
  decisionPosts: number;
  historyEvents: number;
  seconds: number;
  status: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function run(lr: LocalRuntime, unitId: string, amount: number, approve: boolean, n: number): Promise<Figures> {
  const unit = lr.units.find((u) => u.unit.id === unitId)!;
  const requestId = newRequestId(new Date(), () => `${process.pid}${n}${Math.random().toString(36).slice(2, 6)}`);
  const title = `Bench ${requestId}`;
  const started = performance.now();
  const { executionArn } = await lr.sfn.send(
    new StartExecutionCommand({
      stateMachineArn: unit.stateMachineArns['resource-approval'],
      name: requestId,
      input: JSON.stringify({
        requestId,
        bu: unitId,
        category: 'financial',
        title,
        justification: 'Benchmark',
        amount,
        currency: 'EUR',
        requester: 'bench@example.com',
      }),
    }),
  );
  let decisionPosts = 0;
  const answered = new Set<string>();
  for (;;) {
    const d = await lr.sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== 'RUNNING') break;
    if (approve) {
      const asks = (await lr.emails()).filter(
        (e: StoredEmail) => e.subject.includes(title) && /^Approve or reject/.test(e.subject) && !answered.has(e.messageId),
      );
      for (const e of asks) {
        answered.add(e.messageId);
        const url = new URL(/(http:\/\/\S+\/decisions\/\S+)/.exec(e.body.text ?? '')![1]);
        const res = await fetch(`${url.origin}${url.pathname}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ k: url.searchParams.get('k')!, choice: 'approve', comment: '' }).toString(),
          redirect: 'manual',
        });
        await res.arrayBuffer();
        decisionPosts++;
      }
    }
    await sleep(20);
  }
  const seconds = (performance.now() - started) / 1000;
  const events = await history(lr, executionArn!);
  const d = await lr.sfn.send(new DescribeExecutionCommand({ executionArn }));
  return {
    // Standard workflows bill one transition per state entered.
    transitions: events.filter((e) => e.type?.endsWith('StateEntered')).length,
    workflowLambdas: events.filter(
      (e) => e.type === 'LambdaFunctionScheduled' || (e.type === 'TaskScheduled' && e.taskScheduledEventDetails?.resourceType === 'lambda'),
    ).length,
    decisionPosts,
    historyEvents: events.length,
    seconds,
    status: `${d.status} ${d.output ? JSON.parse(d.output).status : ''}`.trim(),
  };
}

async function main() {
  const lr = await startLocalRuntime({ units: [calm, quick], ports: { dynamodb: 0, ses: 0, stepFunctions: 0, decisions: 0 } });
  try {
    const scenarios = [
      { name: '1 level, approved', unit: calm.id, amount: 500, approve: true },
      { name: '3 levels, approved', unit: calm.id, amount: 150000, approve: true },
      { name: '1 level, 1 reminder, escalated, expired', unit: quick.id, amount: 500, approve: false },
    ];
    console.log(`resource-approval per request (local runtime, ${RUNS} runs each; figures from GetExecutionHistory)`);
    console.log(
      'scenario                                  | transitions | workflow Lambda invocations | decision POSTs (endpoint Lambda) | history events | wall s (median) | outcome',
    );
    for (const s of scenarios) {
      const runs: Figures[] = [];
      for (let i = 0; i < RUNS; i++) runs.push(await run(lr, s.unit, s.amount, s.approve, i));
      const same = (k: keyof Figures) => {
        const values = [...new Set(runs.map((r) => r[k]))];
        return values.length === 1 ? String(values[0]) : `${Math.min(...(values as number[]))}-${Math.max(...(values as number[]))}`;
      };
      const wall = runs.map((r) => r.seconds).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
      console.log(
        `${s.name.padEnd(41)} | ${same('transitions').padStart(11)} | ${same('workflowLambdas').padStart(27)} | ${same('decisionPosts').padStart(32)} | ${same('historyEvents').padStart(14)} | ${wall.toFixed(2).padStart(15)} | ${same('status')}`,
      );
    }
  } finally {
    await lr.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
