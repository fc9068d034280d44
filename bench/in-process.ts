// DynamoDB calls to dynalite in this process: over loopback HTTP (how the CLI and the AWS CLI reach it) against the
// in-process transport the local runtime gives its handlers (local/in-process-http.ts). Prints calls per second and
// CPU per call (user + system, this process, which also runs dynalite), median of 5 rounds, and the ratios.
import { performance } from 'node:perf_hooks';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { startDynalite, createActiveTable } from '../tests/support/local-aws';
import { createTableInput, TABLE_SCHEMA } from '../core/table-schema';
import { inProcessHandler, serveInProcess } from '../local/in-process-http';

const ROUNDS = 5;
const CALLS = 1000; // per round: half PutItem, half GetItem, 10 at a time
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function round(client: DynamoDBClient, table: string, tag: string): Promise<{ perSecond: number; cpuMs: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < CALLS / 2; i += 10) {
    await Promise.all(
      Array.from({ length: 10 }, async (_, j) => {
        const key = { pk: { S: `${tag}#${i + j}` }, sk: { S: 'ITEM' } };
        await client.send(new PutItemCommand({ TableName: table, Item: { ...key, body: { S: 'x'.repeat(200) } } }));
        await client.send(new GetItemCommand({ TableName: table, Key: key }));
      }),
    );
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { perSecond: CALLS / seconds, cpuMs: (cpu.user + cpu.system) / 1000 / CALLS };
}

async function main() {
  const dynalite = await startDynalite();
  const http = new DynamoDBClient({ endpoint: dynalite.endpoint, region: 'us-east-1' });
  const table = 'bench-in-process';
  await createActiveTable(http, createTableInput(table, TABLE_SCHEMA));
  serveInProcess(dynalite.endpoint, dynalite.server);
  const local = new DynamoDBClient({
    endpoint: dynalite.endpoint,
    region: 'us-east-1',
    requestHandler: inProcessHandler(dynalite.endpoint),
  });

  await round(http, table, 'warm-http');
  await round(local, table, 'warm-local');
  const results: Record<'http' | 'in-process', { perSecond: number[]; cpuMs: number[] }> = {
    http: { perSecond: [], cpuMs: [] },
    'in-process': { perSecond: [], cpuMs: [] },
  };
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, client] of [
      ['http', http],
      ['in-process', local],
    ] as const) {
      const x = await round(client, table, `${name}-${r}`);
      results[name].perSecond.push(x.perSecond);
      results[name].cpuMs.push(x.cpuMs);
    }
  }
  const row = (name: keyof typeof results) =>
    `${name.padEnd(11)} ${median(results[name].perSecond).toFixed(0).padStart(8)} calls/s ${median(results[name].cpuMs).toFixed(3).padStart(8)} ms CPU/call`;
  console.log(`PutItem + GetItem on dynalite, ${CALLS} calls per round, 10 concurrent, median of ${ROUNDS} rounds`);
  console.log(row('http'));
  console.log(row('in-process'));
  const speed = median(results['in-process'].perSecond) / median(results.http.perSecond);
  const cpu = median(results.http.cpuMs) / median(results['in-process'].cpuMs);
  console.log(`in-process: ${speed.toFixed(2)}× the calls per second, ${cpu.toFixed(2)}× less CPU per call`);
  http.destroy();
  local.destroy();
  await dynalite.close();
}

await main();
