// Real local emulators for tests: dynalite (DynamoDB) and aws-ses-v2-local (SES), on free loopback ports.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { BusinessUnitConfig } from '../../core/config';
import { testUnit } from './units';
import { createTableInput, LINKS_TABLE_SCHEMA, TABLE_SCHEMA } from '../../core/table-schema';
import { clientConfig, runtimeFrom, type Runtime } from '../../lambdas/shared/runtime';
import type { StoredEmail } from '../../local/runtime';

const require = createRequire(import.meta.url);
process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
process.env.AWS_REGION ??= 'us-east-1';

export async function startDynalite(): Promise<{ endpoint: string; server: Server; close(): Promise<void> }> {
  const server: Server = require('dynalite')({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, server, close: () => new Promise((r) => server.close(() => r())) };
}

export type { StoredEmail };
export { testUnit };

export async function startSesLocal(): Promise<{
  endpoint: string;
  emails(): Promise<StoredEmail[]>;
  clear(): Promise<void>;
  close(): Promise<void>;
}> {
  const mod = require('aws-ses-v2-local');
  const start = mod.default ?? mod;
  const server: Server = await start({ port: 0, host: '127.0.0.1' });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    emails: async () => ((await (await fetch(`${endpoint}/store`)).json()) as { emails: StoredEmail[] }).emails,
    clear: async () => void (await fetch(`${endpoint}/clear-store`, { method: 'POST' })),
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/**
 * Creates a table and waits until it is ACTIVE, as on DynamoDB. dynalite answers CreateTable with CREATING and turns the
 * table ACTIVE a moment later (createTableMs: 0 is still a timer): a write before that fails with ResourceNotFound, which
 * the shared emulator of the handlers project, busy with other files, made visible.
 */
export async function createActiveTable(ddb: DynamoDBClient, input: CreateTableCommandInput): Promise<void> {
  await ddb.send(new CreateTableCommand(input));
  for (;;) {
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: input.TableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Fresh evidence and links tables on the given DynamoDB endpoint and a Runtime pointed at them (and at SES/SFN if given). */
export async function testRuntime(opts: {
  dynamoEndpoint: string;
  sesEndpoint?: string;
  sfnEndpoint?: string;
  unit?: BusinessUnitConfig;
  decisionBaseUrl?: string;
  now?: () => Date;
  /** @default 'WARN': tests that assert on log lines ask for 'INFO'. */
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}): Promise<Runtime> {
  const tableName = `test-${randomBytes(6).toString('hex')}`;
  const linksTableName = `${tableName}-links`;
  const ddb = new DynamoDBClient(clientConfig({ AWS_REGION: 'us-east-1' }, opts.dynamoEndpoint));
  await createActiveTable(ddb, createTableInput(tableName, TABLE_SCHEMA));
  await createActiveTable(ddb, createTableInput(linksTableName, LINKS_TABLE_SCHEMA));
  const env = {
    TABLE_NAME: tableName,
    LINKS_TABLE_NAME: linksTableName,
    BU_CONFIG: JSON.stringify(opts.unit ?? testUnit()),
    DECISION_BASE_URL: opts.decisionBaseUrl ?? 'http://127.0.0.1:3000',
    AWS_ENDPOINT_URL_DYNAMODB: opts.dynamoEndpoint,
    AWS_ENDPOINT_URL_SES: opts.sesEndpoint ?? 'http://127.0.0.1:9',
    AWS_ENDPOINT_URL_SFN: opts.sfnEndpoint ?? 'http://127.0.0.1:9',
    AWS_REGION: 'us-east-1',
    POWERTOOLS_LOG_LEVEL: opts.logLevel ?? 'WARN',
  };
  return runtimeFrom(env, opts.now ? { now: opts.now } : {});
}
