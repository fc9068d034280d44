// The local runtime enforces each function's catalogue access as IAM does on AWS: a handler that strays is refused locally too.
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SendTaskFailureCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionSpec } from '../../core/functions';
import { enforceCatalogueAccess, tableCallDenied } from '../../local/catalogue-access';
import { keys } from '../../core/keys';
import { taskTokenKey } from '../../lambdas/shared/task-tokens';
import { sfnClient } from '../../lambdas/shared/resume';
import { runtimeFrom } from '../../lambdas/shared/runtime';
import { startDynalite, testRuntime } from '../support/local-aws';

const tables = { evidence: 'isms-u-evidence', links: 'isms-u-links' };
const S = (s: string) => ({ S: s });
const deniedFor = (fnId: string, command: string, input: Record<string, unknown>) =>
  tableCallDenied(functionSpec(fnId), tables, command, input);

describe('tableCallDenied: the catalogue as IAM reads it', () => {
  it('lets the decision endpoint put a decision, read and pass on links (issue 15), read both workflows’ tokens, and not change evidence or tokens', () => {
    expect(
      deniedFor('decision-endpoint', 'PutItemCommand', {
        TableName: tables.evidence,
        Item: { pk: S('REVIEW#u#2026-Q4'), sk: S('DECISION#d') },
      }),
    ).toBeUndefined();
    expect(deniedFor('decision-endpoint', 'GetItemCommand', { TableName: tables.links, Key: { pk: S('LINK#d') } })).toBeUndefined();
    expect(
      deniedFor('decision-endpoint', 'GetItemCommand', { TableName: tables.links, Key: { pk: S('TOKEN#REQUEST#r1') } }),
    ).toBeUndefined();
    expect(deniedFor('decision-endpoint', 'UpdateItemCommand', { TableName: tables.evidence, Key: { pk: S('REVIEW#u#2026-Q4') } })).toBe(
      'dynamodb:UpdateItem on isms-u-evidence (pk REVIEW#u#2026-Q4)',
    );
    // A hand-over stops the holder's link and mints the deputy's: LINK# items only (lambdas/shared/hand-over.ts restricts to whom).
    expect(deniedFor('decision-endpoint', 'UpdateItemCommand', { TableName: tables.links, Key: { pk: S('LINK#d') } })).toBeUndefined();
    expect(deniedFor('decision-endpoint', 'PutItemCommand', { TableName: tables.links, Item: { pk: S('LINK#d2') } })).toBeUndefined();
    expect(
      deniedFor('decision-endpoint', 'UpdateItemCommand', { TableName: tables.links, Key: { pk: S('TOKEN#REVIEW#u#2026-Q4') } }),
    ).toBeDefined();
    expect(
      deniedFor('decision-endpoint', 'PutItemCommand', { TableName: tables.links, Item: { pk: S('TOKEN#REVIEW#u#2026-Q4') } }),
    ).toBeDefined();
    expect(deniedFor('decision-endpoint', 'QueryCommand', { TableName: tables.evidence, IndexName: 'gsi1' })).toBeDefined();
  });

  it('keeps task tokens from every function but the resumers, and each await step to its own workflow’s subjects', () => {
    const token = (pk: string) => ({ TableName: tables.links, Key: { pk: S(pk) } });
    for (const fnId of [
      'review-issue-links',
      'review-remind',
      'review-escalate',
      'review-close',
      'request-issue-link',
      'request-remind',
      'request-escalate',
      'request-finish',
      'workflow-failed',
    ]) {
      expect(deniedFor(fnId, 'GetItemCommand', token('TOKEN#REVIEW#u#2026-Q4')), fnId).toBeDefined();
      expect(deniedFor(fnId, 'GetItemCommand', token('TOKEN#REQUEST#r1')), fnId).toBeDefined();
    }
    expect(
      deniedFor('review-await', 'PutItemCommand', { TableName: tables.links, Item: { pk: S('TOKEN#REVIEW#u#2026-Q4') } }),
    ).toBeUndefined();
    expect(deniedFor('review-await', 'PutItemCommand', { TableName: tables.links, Item: { pk: S('TOKEN#REQUEST#r1') } })).toBeDefined();
    expect(deniedFor('request-await', 'GetItemCommand', token('TOKEN#REVIEW#u#2026-Q4'))).toBeDefined();
    // A link minter may not reach a token by a key that merely contains LINK#.
    expect(deniedFor('review-issue-links', 'GetItemCommand', token('TOKEN#LINK#x'))).toBeDefined();
    expect(deniedFor('review-issue-links', 'PutItemCommand', { TableName: tables.links, Item: { pk: S('LINK#d') } })).toBeUndefined();
    expect(deniedFor('review-open', 'UpdateItemCommand', { TableName: tables.links, Key: { pk: S('LINK#d') } })).toBeDefined();
    // Stopping or extending a link is not minting one: a step that only supersedes cannot plant a secret of its choosing.
    for (const fnId of ['review-close', 'review-escalate', 'request-read-decision']) {
      expect(deniedFor(fnId, 'PutItemCommand', { TableName: tables.links, Item: { pk: S('LINK#d') } }), fnId).toBeDefined();
      expect(deniedFor(fnId, 'UpdateItemCommand', { TableName: tables.links, Key: { pk: S('LINK#d') } }), fnId).toBeUndefined();
    }
  });

  it('refuses every table but the unit’s two', () => {
    expect(deniedFor('review-open', 'GetItemCommand', { TableName: 'isms-other-evidence', Key: { pk: S('REVIEW#x') } })).toBeDefined();
  });
});

describe('enforceCatalogueAccess on a function’s own clients', () => {
  let dynalite: Awaited<ReturnType<typeof startDynalite>>;
  beforeAll(async () => (dynalite = await startDynalite()));
  afterAll(() => dynalite?.close());

  it('answers AccessDeniedException, as IAM would, and changes nothing', async () => {
    const base = await testRuntime({ dynamoEndpoint: dynalite.endpoint });
    const endpoint = runtimeFrom({ ...base.env, POWERTOOLS_SERVICE_NAME: 'isms-decision-endpoint-probe' } as Record<string, string>);
    enforceCatalogueAccess(endpoint, functionSpec('decision-endpoint'), { evidence: base.tableName, links: base.linksTableName! });
    const review = { ...keys.review('u#2026-Q4'), status: 'awaiting-decisions' };
    await base.ddb.send(new PutCommand({ TableName: base.tableName, Item: review }));

    await expect(
      endpoint.ddb.send(
        new UpdateCommand({
          TableName: base.tableName,
          Key: keys.review('u#2026-Q4'),
          UpdateExpression: 'SET #s = :s',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': 'approved' },
        }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await expect(
      endpoint.ddb.send(new PutCommand({ TableName: base.linksTableName, Item: { ...taskTokenKey(review.pk), taskToken: 'forged' } })),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    await expect(sfnClient(endpoint).send(new SendTaskFailureCommand({ taskToken: 't', error: 'x' }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    expect(
      (await base.ddb.send(new GetCommand({ TableName: base.tableName, Key: keys.review('u#2026-Q4'), ConsistentRead: true }))).Item,
    ).toEqual(review);
    // What it may do still works.
    expect((await endpoint.ddb.send(new GetCommand({ TableName: base.tableName, Key: keys.review('u#2026-Q4') }))).Item).toEqual(review);
  });
});
