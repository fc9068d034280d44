// The deploy's schema migration: a CloudFormation custom resource (lib/stack.ts) invokes this on every deploy of a new
// build; it migrates the unit's data once (lambdas/shared/migrations/run.ts) and answers CloudFormation itself, so a
// failed migration fails the deploy, which rolls back to the code that still reads the data. Deleting the stack never
// touches the data.
import * as z from '../core/zod';
import { parseEvent } from './shared/event';
import { DataNewerThanCode, migrateUnit, type MigrationRun } from './shared/migrations/run';
import { SCHEMA_VERSION } from '../core/schema-version';
import { lambdaHandler, type Runtime } from './shared/runtime';

const eventSchema = z.object({
  RequestType: z.enum(['Create', 'Update', 'Delete']),
  ResponseURL: z.string().check(z.regex(/^https:\/\//)),
  StackId: z.string(),
  RequestId: z.string(),
  LogicalResourceId: z.string(),
  /** On an Update, what the stack had before: a rollback comes from a deploy with a higher SchemaVersion. */
  OldResourceProperties: z.optional(z.object({ SchemaVersion: z.optional(z.unknown()) })),
});

/** What a test or the local runtime swaps: how the answer reaches CloudFormation (a PUT to its pre-signed S3 URL). */
export const respondDeps = {
  put: (url: string, body: string): Promise<Response> =>
    fetch(url, { method: 'PUT', body, headers: { 'content-type': '' }, signal: AbortSignal.timeout(30_000) }),
};

/** How long before the Lambda's own timeout it gives up and answers FAILED: unanswered, CloudFormation would wait an hour. */
const MARGIN_MS = 30_000;

export const createHandler =
  (rt: Runtime) =>
  async (event: unknown, context?: { getRemainingTimeInMillis(): number }): Promise<{ status: string; run?: MigrationRun }> => {
    const e = parseEvent(eventSchema, event, 'migrate');
    // One physical id for the unit's data: an update never "replaces" it, so CloudFormation never sends a Delete for it.
    const physicalId = `${rt.tableName}-schema`;
    let status: 'SUCCESS' | 'FAILED' = 'SUCCESS';
    let reason = '';
    let run: MigrationRun | undefined;
    if (e.RequestType !== 'Delete') {
      try {
        const budget = (context?.getRemainingTimeInMillis() ?? 15 * 60_000) - MARGIN_MS;
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`the migration did not end within ${Math.round(budget / 1000)} s`)), budget);
        });
        run = await Promise.race([migrateUnit(rt, `deploy ${e.RequestId}`), timeout]).finally(() => clearTimeout(timer));
        rt.logger.info('schema migrated', { from: run.from, to: run.to, applied: run.applied });
      } catch (err) {
        // Going back from a deploy that migrated further (CloudFormation rolling back a failed update, or a deliberate
        // downgrade): failing here would leave the stack UPDATE_ROLLBACK_FAILED. Migrations only add and reshape in ways
        // the release before still reads, so the older code may run; doctor shows the data as newer until the newer
        // release is deployed again.
        const previous = Number(e.OldResourceProperties?.SchemaVersion);
        if (err instanceof DataNewerThanCode && e.RequestType === 'Update' && previous > SCHEMA_VERSION) {
          rt.logger.warn('data newer than this code, kept as it is (rollback or downgrade)', { previous, code: SCHEMA_VERSION });
          reason = `Data stays at schema version ${previous}; this release writes ${SCHEMA_VERSION}: deploy the newer release again.`;
        } else {
          status = 'FAILED';
          reason = `Schema migration of ${rt.tableName} failed: ${(err as Error).message}`;
          rt.logger.error('schema migration failed', { error: err as Error });
        }
      }
    }
    const body = JSON.stringify({
      Status: status,
      Reason: reason || `see the log of ${rt.env.POWERTOOLS_SERVICE_NAME ?? 'the migrate function'}`,
      PhysicalResourceId: physicalId,
      StackId: e.StackId,
      RequestId: e.RequestId,
      LogicalResourceId: e.LogicalResourceId,
      Data: run ? { From: String(run.from), To: String(run.to) } : {},
    });
    const res = await respondDeps.put(e.ResponseURL, body);
    if (!res.ok) throw new Error(`CloudFormation's response URL answered ${res.status}`);
    return { status, run };
  };

export const handler = lambdaHandler(createHandler);
