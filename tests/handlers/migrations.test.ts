// Schema migrations on a table filled by the previous release's own code (tests/fixtures/schema-v0, made by
// scripts/make-schema-fixture.ts): migration 1 marks the mutable items, leaves every evidence item byte for byte as it
// was, records schema.migrated once, runs once under a lock, and the deploy's custom resource answers CloudFormation.
import { readFileSync } from 'node:fs';
import { BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { itemSchemaVersion, SCHEMA_VERSION, schemaKeys } from '../../core/schema-version';
import { createHandler as migrateHandler, respondDeps } from '../../lambdas/migrate';
import { acquireMigrationLock, readDataVersion } from '../../lambdas/shared/migration-store';
import { migrateUnit } from '../../lambdas/shared/migrations/run';
import type { Migration } from '../../lambdas/shared/migrations/migration';
import { MIGRATIONS } from '../../lambdas/shared/migrations';
import type { Runtime } from '../../lambdas/shared/runtime';
import { getItem, putOnce } from '../../lambdas/shared/store';
import { getReview } from '../../lambdas/shared/review-store';
import { allItems } from '../support/decision-fixtures';
import { testRuntime, testUnit } from '../support/local-aws';
import { sharedDynalite } from '../support/shared-emulators';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/schema-v0/evidence.json', import.meta.url), 'utf8')) as {
  unit: string;
  items: Record<string, any>[];
};
const MUTABLE_SK = new Set(['REVIEW', 'REQUEST', 'ACTION']);
const key = (i: Record<string, any>) => `${i.pk}\u0000${i.sk}`;

let dynamo: Awaited<ReturnType<typeof sharedDynalite>>;
let rt: Runtime;
const DEFAULT_PUT = respondDeps.put;

beforeAll(async () => {
  dynamo = await sharedDynalite();
});
afterAll(async () => {
  await dynamo?.close();
});
beforeEach(async () => {
  rt = await testRuntime({ dynamoEndpoint: dynamo.endpoint, unit: testUnit({ id: fixture.unit }) });
  // The old release's items as it wrote them: no schemaVersion anywhere.
  for (let i = 0; i < fixture.items.length; i += 25) {
    const batch = fixture.items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    await rt.ddb.send(new BatchWriteCommand({ RequestItems: { [rt.tableName]: batch } }));
  }
});
afterEach(() => {
  respondDeps.put = DEFAULT_PUT;
});

const evidence = async () => (await allItems({ ...rt, linksTableName: undefined })).filter((i) => i.pk !== 'SCHEMA');
const schemaEvents = async () => (await allItems({ ...rt, linksTableName: undefined })).filter((i) => i.type === 'schema.migrated');

describe('migration 1 on the previous release’s data', () => {
  it('the fixture is what the old code wrote: a review, a request and an action, and no item with a version', () => {
    expect(
      fixture.items
        .filter((i) => MUTABLE_SK.has(i.sk))
        .map((i) => i.sk)
        .sort(),
    ).toEqual(['ACTION', 'REQUEST', 'REVIEW']);
    expect(fixture.items.some((i) => 'schemaVersion' in i)).toBe(false);
    expect(fixture.items.filter((i) => i.sk.startsWith('EVENT#')).length).toBeGreaterThan(10);
  });

  it('marks reviews, requests and actions as version 1, leaves every evidence item exactly as it was, and records it', async () => {
    expect(await readDataVersion(rt)).toBe(0);
    const run = await migrateUnit(rt, 'test deploy');
    expect(run).toMatchObject({ from: 0, to: SCHEMA_VERSION });
    expect(run.applied).toEqual([{ to: 1, description: MIGRATIONS[0].description, touched: { review: 1, request: 1, action: 1 } }]);

    const after = new Map((await evidence()).map((i) => [key(i), i]));
    for (const before of fixture.items) {
      const now = after.get(key(before));
      if (MUTABLE_SK.has(before.sk)) expect(now).toEqual({ ...before, schemaVersion: 1 });
      // Immutable evidence: not one attribute changed or added (sealed digests hash it as written).
      else expect(now).toEqual(before);
    }
    expect(await readDataVersion(rt)).toBe(SCHEMA_VERSION);
    const [event] = await schemaEvents();
    expect(event).toMatchObject({
      type: 'schema.migrated',
      subject: 'SCHEMA',
      actor: 'test deploy',
      detail: { from: 0, to: 1, itemsTouched: { review: 1, request: 1, action: 1 } },
      gsi1pk: expect.stringMatching(/^AUDIT#/),
    });
  });

  it('the new code reads old and migrated items alike: evidence is version 0 forever, new items are version 1', async () => {
    await migrateUnit(rt, 'test deploy');
    const review = fixture.items.find((i) => i.sk === 'REVIEW')!;
    const stored = await getReview(rt, review.pk.slice('REVIEW#'.length));
    expect(stored).toMatchObject({ status: review.status, period: review.period });
    const decision = fixture.items.find((i) => i.sk.startsWith('DECISION#'))!;
    expect(itemSchemaVersion((await getItem(rt, { pk: decision.pk, sk: decision.sk }))!)).toBe(0);
    await putOnce(rt, { pk: 'TEST#new', sk: 'EVENT#x' });
    expect(itemSchemaVersion((await getItem(rt, { pk: 'TEST#new', sk: 'EVENT#x' }))!)).toBe(SCHEMA_VERSION);
  });

  it('is idempotent: a second run changes nothing and records nothing more', async () => {
    await migrateUnit(rt, 'first deploy');
    const once = JSON.stringify((await evidence()).sort((a, b) => key(a).localeCompare(key(b))));
    const again = await migrateUnit(rt, 'second deploy');
    expect(again).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION, applied: [] });
    expect(JSON.stringify((await evidence()).sort((a, b) => key(a).localeCompare(key(b))))).toBe(once);
    expect(await schemaEvents()).toHaveLength(1);
  });

  it('a run that died after its migration but before the version resumes: the migration changes nothing, the event is not doubled', async () => {
    await migrateUnit(rt, 'first deploy');
    // As if the version item had not been written: the data says 0 again.
    await rt.ddb.send(new PutCommand({ TableName: rt.tableName, Item: { ...schemaKeys.version, version: 0 } }));
    const again = await migrateUnit(rt, 'retry');
    expect(again.applied[0].touched).toEqual({ review: 0, request: 0, action: 0 });
    expect(await schemaEvents()).toHaveLength(1);
    expect(await readDataVersion(rt)).toBe(1);
  });

  it('two deploys cannot migrate at once: the second is refused, naming the first, and changes nothing', async () => {
    expect(await acquireMigrationLock(rt, 'deploy A', 600)).toEqual({ acquired: true });
    await expect(migrateUnit(rt, 'deploy B')).rejects.toThrow(/Another migration of .* is running \(by deploy A since .*lock until/);
    expect(await readDataVersion(rt)).toBe(0);
    expect((await evidence()).filter((i) => 'schemaVersion' in i)).toEqual([]);
    // The holder itself (a retried invocation of the same deploy) may go on.
    await expect(migrateUnit(rt, 'deploy A')).resolves.toMatchObject({ to: 1 });
  });

  it('an expired lock (a crashed run) does not block the next deploy, and a finished run frees the lock', async () => {
    await acquireMigrationLock(rt, 'crashed deploy', -1);
    await expect(migrateUnit(rt, 'next deploy')).resolves.toMatchObject({ to: 1 });
    await expect(migrateUnit(rt, 'yet another deploy')).resolves.toMatchObject({ applied: [] });
  });

  it('data newer than this code is refused, untouched', async () => {
    await rt.ddb.send(new PutCommand({ TableName: rt.tableName, Item: { ...schemaKeys.version, version: SCHEMA_VERSION + 1 } }));
    await expect(migrateUnit(rt, 'old deploy')).rejects.toThrow(/newer than this code's/);
    expect((await evidence()).filter((i) => 'schemaVersion' in i)).toEqual([]);
  });

  it('migrations run in order, each once, and the version records the last one that finished', async () => {
    const ran: number[] = [];
    const fake = (to: number, fail = false): Migration => ({
      to,
      description: `m${to}`,
      async run() {
        ran.push(to);
        if (fail) throw new Error(`m${to} broke`);
        return {};
      },
    });
    // Only migrations up to SCHEMA_VERSION run: a later one ships with the code that raises it.
    await expect(migrateUnit(rt, 'd', [fake(SCHEMA_VERSION + 1), fake(1, true)])).rejects.toThrow('m1 broke');
    expect(ran).toEqual([1]);
    expect(await readDataVersion(rt)).toBe(0);
  });
});

describe('the deploy’s custom resource (lambdas/migrate.ts)', () => {
  const cfnEvent = (RequestType: string) => ({
    RequestType,
    ResponseURL: 'https://cloudformation-custom-resource-response.s3.amazonaws.com/presigned',
    StackId: 'arn:aws:cloudformation:eu-west-1:111111111111:stack/IsmsLeadership-x/1',
    RequestId: 'req-1',
    LogicalResourceId: 'SchemaMigration',
    ResourceType: 'Custom::IsmsSchemaMigration',
    ResourceProperties: { ServiceToken: 'arn', Build: '0.1.0+abc', SchemaVersion: 1 },
  });
  const answers: Array<{ url: string; body: any }> = [];
  beforeEach(() => {
    answers.length = 0;
    respondDeps.put = async (url, body) => {
      answers.push({ url, body: JSON.parse(body) });
      return new Response('', { status: 200 });
    };
  });

  it('Create and Update migrate and answer SUCCESS with one physical id for the unit', async () => {
    const r = await migrateHandler(rt)(cfnEvent('Update'));
    expect(r.status).toBe('SUCCESS');
    expect(answers).toEqual([
      {
        url: cfnEvent('Update').ResponseURL,
        body: expect.objectContaining({
          Status: 'SUCCESS',
          PhysicalResourceId: `${rt.tableName}-schema`,
          RequestId: 'req-1',
          LogicalResourceId: 'SchemaMigration',
          Data: { From: '0', To: String(SCHEMA_VERSION) },
        }),
      },
    ]);
    expect((await schemaEvents())[0].actor).toBe('deploy req-1');
  });

  it('a failed migration answers FAILED with the reason, so the deploy fails and rolls back', async () => {
    await acquireMigrationLock(rt, 'deploy other', 600);
    const r = await migrateHandler(rt)(cfnEvent('Update'));
    expect(r.status).toBe('FAILED');
    expect(answers[0].body.Status).toBe('FAILED');
    expect(answers[0].body.Reason).toMatch(/Schema migration of .* failed: Another migration .* \(by deploy other since /);
    expect(await readDataVersion(rt)).toBe(0);
  });

  it('a deploy of an older release over newer data fails; CloudFormation rolling back from the newer one succeeds', async () => {
    await rt.ddb.send(new PutCommand({ TableName: rt.tableName, Item: { ...schemaKeys.version, version: SCHEMA_VERSION + 1 } }));
    expect((await migrateHandler(rt)(cfnEvent('Update'))).status).toBe('FAILED');
    expect(answers[0].body.Reason).toMatch(/newer than this code's/);
    const rollback = { ...cfnEvent('Update'), OldResourceProperties: { ServiceToken: 'arn', SchemaVersion: String(SCHEMA_VERSION + 1) } };
    expect((await migrateHandler(rt)(rollback)).status).toBe('SUCCESS');
    expect(answers[1].body).toMatchObject({ Status: 'SUCCESS', Reason: expect.stringMatching(/deploy the newer release again/) });
    expect(await readDataVersion(rt)).toBe(SCHEMA_VERSION + 1);
  });

  it('Delete (the stack goes) answers SUCCESS and touches no data', async () => {
    const before = JSON.stringify(await evidence());
    await migrateHandler(rt)(cfnEvent('Delete'));
    expect(answers[0].body.Status).toBe('SUCCESS');
    expect(JSON.stringify(await evidence())).toBe(before);
    expect(await getItem(rt, schemaKeys.version)).toBeUndefined();
  });

  it('an event that is not CloudFormation’s is refused before anything runs', async () => {
    await expect(migrateHandler(rt)({ ...cfnEvent('Update'), ResponseURL: 'http://attacker.example/' })).rejects.toThrow(/ResponseURL/);
    expect(answers).toEqual([]);
    expect(await readDataVersion(rt)).toBe(0);
  });
});
