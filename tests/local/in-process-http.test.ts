// The in-process transport (local/in-process-http.ts) answers as dynalite does over HTTP: the same items, the same
// errors, and after close() the same refusal; a close waits for the calls already handed over.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBClient, GetItemCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { createActiveTable, startDynalite } from '../support/local-aws';
import { createTableInput, TABLE_SCHEMA } from '../../core/table-schema';
import { inProcessHandler, serveInProcess } from '../../local/in-process-http';
import { clientConfig } from '../../lambdas/shared/runtime';

let dynalite: Awaited<ReturnType<typeof startDynalite>>;
let unserve: () => Promise<void>;
let http: DynamoDBClient;
let local: DynamoDBClient;
const TABLE = 'in-process';

beforeAll(async () => {
  dynalite = await startDynalite();
  unserve = serveInProcess(dynalite.endpoint, dynalite.server);
  http = new DynamoDBClient({ endpoint: dynalite.endpoint, region: 'us-east-1' });
  // As runtimeFrom() builds a handler's client: clientConfig() finds the transport registered for the endpoint.
  local = new DynamoDBClient({ ...clientConfig({ AWS_REGION: 'us-east-1' }, dynalite.endpoint), maxAttempts: 1 });
  await createActiveTable(local, createTableInput(TABLE, TABLE_SCHEMA));
});
afterAll(async () => {
  http.destroy();
  local.destroy();
  await dynalite.close();
});

const key = (pk: string) => ({ pk: { S: pk }, sk: { S: 'ITEM' } });

describe('in-process transport to dynalite', () => {
  it('is what clientConfig() hands a client for a served endpoint, and nothing for any other', () => {
    expect(clientConfig({ AWS_REGION: 'us-east-1' }, dynalite.endpoint).requestHandler).toBe(inProcessHandler(dynalite.endpoint));
    expect(clientConfig({ AWS_REGION: 'us-east-1' }, 'http://127.0.0.1:9').requestHandler).toBeUndefined();
  });

  it('writes what an HTTP client reads, and reads what it writes', async () => {
    await local.send(new PutItemCommand({ TableName: TABLE, Item: { ...key('a'), note: { S: 'é ✓ "quoted"' } } }));
    expect((await http.send(new GetItemCommand({ TableName: TABLE, Key: key('a') }))).Item?.note).toEqual({ S: 'é ✓ "quoted"' });
    await http.send(new PutItemCommand({ TableName: TABLE, Item: { ...key('b'), n: { N: '42' } } }));
    expect((await local.send(new GetItemCommand({ TableName: TABLE, Key: key('b') }))).Item?.n).toEqual({ N: '42' });
  });

  it('fails a conditional write and a bad request with the errors dynalite gives over HTTP', async () => {
    const conditional = new PutItemCommand({ TableName: TABLE, Item: key('a'), ConditionExpression: 'attribute_not_exists(pk)' });
    const overHttp = await http.send(conditional).catch((e: Error) => e);
    const inProcess = await local.send(conditional).catch((e: Error) => e);
    expect(inProcess).toMatchObject({ name: 'ConditionalCheckFailedException', $metadata: { httpStatusCode: 400 } });
    expect((inProcess as Error).name).toBe((overHttp as Error).name);
    const missing = await local.send(new GetItemCommand({ TableName: 'no-such-table', Key: key('a') })).catch((e: Error) => e);
    expect(missing).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('closes after the calls in flight are answered; later calls are refused, as on a closed port', async () => {
    const transport = inProcessHandler(dynalite.endpoint)!;
    const writes = Array.from({ length: 20 }, (_, i) =>
      local.send(new PutItemCommand({ TableName: TABLE, Item: { ...key(`late-${i}`), i: { N: String(i) } } })),
    );
    // Close while dynalite is working on some of them (the SDK signs each call before it reaches the transport).
    while (transport.pending === 0) await new Promise((r) => setImmediate(r));
    const handedOver = transport.pending;
    await unserve();
    expect(transport.pending).toBe(0);
    const settled = await Promise.allSettled(writes);
    const stored = settled.filter((s) => s.status === 'fulfilled').length;
    expect(stored).toBeGreaterThanOrEqual(handedOver);
    for (const s of settled) if (s.status === 'rejected') expect(s.reason).toMatchObject({ code: 'ECONNREFUSED' });
    const refused = await local.send(new GetItemCommand({ TableName: TABLE, Key: key('a') })).catch((e: Error & { code?: string }) => e);
    expect(refused).toMatchObject({ code: 'ECONNREFUSED' });
    // Every write that was answered is stored (read over HTTP: the port is still open), and no other.
    const { Items } = await http.send(new ScanCommand({ TableName: TABLE }));
    expect(Items?.filter((item) => item.pk.S?.startsWith('late-'))).toHaveLength(stored);
  });
});
