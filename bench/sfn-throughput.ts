// Executions per second of the local Step Functions endpoint: a 3-state workflow (Pass → lambda:invoke echo → Succeed) over HTTP with client-sfn.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { createLocalStepFunctions } from '../local/step-functions';

const ROUNDS = 5;
/** Executions per round at each concurrency: enough for a round to last a good fraction of a second. */
const PLAN = [
  { concurrency: 1, executions: 300 },
  { concurrency: 20, executions: 1500 },
];

const sfn = createLocalStepFunctions({ invokeLambda: async (_name, payload) => payload });
const stateMachineArn = sfn.registerStateMachine(
  'echo',
  readFileSync(path.join(import.meta.dirname, '..', 'tests', 'fixtures', 'sfn-echo.asl.json'), 'utf8'),
);
const server = await sfn.listen(0);
const client = new SFNClient({
  endpoint: server.url,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

let describes = 0;

/** Start one execution and poll until it closes, as a caller that needs the result would. */
async function oneExecution(i: number): Promise<void> {
  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ message: `m${i}` }) }));
  for (;;) {
    describes++;
    const { status } = await client.send(new DescribeExecutionCommand({ executionArn }));
    if (status === 'SUCCEEDED') return;
    if (status !== 'RUNNING') throw new Error(`${executionArn} ended ${status}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

async function round(concurrency: number, executions: number): Promise<number> {
  let next = 0;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < executions) await oneExecution(next++);
    }),
  );
  return executions / ((performance.now() - began) / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(
  `local Step Functions throughput, node ${process.version}, ${ROUNDS} rounds each (start + poll DescribeExecution until SUCCEEDED)`,
);
await round(5, 200); // warm-up: JIT, sockets
for (const { concurrency, executions } of PLAN) {
  const rates: number[] = [];
  describes = 0;
  for (let r = 0; r < ROUNDS; r++) rates.push(await round(concurrency, executions));
  console.log(
    `concurrency ${String(concurrency).padStart(2)}: median ${median(rates).toFixed(0)} executions/s ` +
      `(rounds: ${rates.map((x) => x.toFixed(0)).join(', ')}; ${executions} executions per round; ` +
      `${(describes / (ROUNDS * executions)).toFixed(2)} DescribeExecution calls per execution)`,
  );
}

client.destroy();
await sfn.close();
