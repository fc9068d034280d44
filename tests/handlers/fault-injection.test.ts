// Fault injection (docs/architecture.md#every-fan-out-is-resumable): every fan-out, the decision POST and the failure notice survive SES throttling at each
// send and a DynamoDB failure or crash at each write, then the retry: the same evidence, nobody emailed twice, no decision lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchWriteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createTableInput, LINKS_TABLE_SCHEMA } from '../../core/table-schema';
import { createActiveTable, testRuntime, testUnit } from '../support/local-aws';
import { sharedDynalite } from '../support/shared-emulators';
import { evidenceOf, FakeSes, FaultyDdb, faultyRuntime, scanAll, type WriteFault } from '../support/faults';
import { formBody, httpEvent, REVIEW_FORM } from '../support/decision-fixtures';
import type { BusinessUnitConfig } from '../../core/config';
import { stateMachineName } from '../../core/names';
import type { Runtime } from '../../lambdas/shared/runtime';
import { keys } from '../../core/keys';
import { createHandler as openReview } from '../../lambdas/review-open';
import { createHandler as compilePack } from '../../lambdas/review-compile-pack';
import { createHandler as issueLinks } from '../../lambdas/review-issue-links';
import { createHandler as remindReview } from '../../lambdas/review-remind';
import { createHandler as escalateReview } from '../../lambdas/review-escalate';
import { createHandler as closeReview } from '../../lambdas/review-close';
import { createHandler as recordRequest } from '../../lambdas/request-record';
import { createHandler as issueLink } from '../../lambdas/request-issue-link';
import { createHandler as remindRequest } from '../../lambdas/request-remind';
import { createHandler as escalateRequest } from '../../lambdas/request-escalate';
import { createHandler as finishRequest } from '../../lambdas/request-finish';
import { createHandler as workflowFailed } from '../../lambdas/workflow-failed';
import { createHandler as decisionEndpoint } from '../../lambdas/decision-endpoint';
import { createHandler as openPolicy } from '../../lambdas/policy-open';
import { createHandler as issuePolicyLinks } from '../../lambdas/policy-issue-links';
import { createHandler as closePolicy } from '../../lambdas/policy-close';
import { fingerprint, submissionIdOf, type PolicyItem } from '../../core/policy';
import { getPolicy, storeDocumentOnce } from '../../lambdas/shared/policy-store';
import { EXECUTION_STATUS_CHANGE } from '../../core/workflow-failure';
import type { StoredReview } from '../../lambdas/shared/review-store';
import type { StoredRequest } from '../../lambdas/shared/request-store';

let dynamo: Awaited<ReturnType<typeof sharedDynalite>>;
beforeAll(async () => {
  dynamo = await sharedDynalite();
});

const tally = { injected: 0, survived: 0, failures: [] as string[] };
afterAll(async () => {
  console.log(`fault injection: ${tally.injected} faults injected, ${tally.survived} survived`);
  await dynamo?.close();
});

// Two escalation contacts, so that the escalation email has a second contact to throttle at.
const unit = testUnit({
  id: 'fi-unit',
  name: 'Fault unit',
  escalationContacts: [
    { name: 'Board Office', email: 'board-office@example.com' },
    { name: 'Deputy Board Office', email: 'deputy-board-office@example.com' },
  ],
});
// A fixed clock: a run with a fault and its retry must leave the same evidence as a run without, to the millisecond.
const NOW = new Date('2026-11-27T10:00:00.000Z');

/** A Step Functions stand-in for the endpoint's resume: it only counts. */
const sfn = {
  calls: 0,
  send: async () => {
    sfn.calls += 1;
    return {};
  },
} as unknown as Runtime['sfn'] & { calls: number };

interface Step<C> {
  name: string;
  unit?: BusinessUnitConfig;
  /** Brings a fresh table to the state just before the step (no faults). */
  setup(rt: Runtime): Promise<C>;
  /** One attempt of the step: a task invocation, an event delivery, a POST. */
  run(rt: Runtime, ctx: C): Promise<unknown>;
  /** The decision endpoint never throws (it answers 503): the person posts again whatever the answer. */
  againEvenIfNoError?: boolean;
  /**
   * The retry comes this much later (a person posting again after a while). What it writes carries its own time, which
   * the comparison reads as the first attempt's: the evidence must be the same but for when it was written.
   */
  retryAfterMs?: number;
  /** What the run without faults must show, so that the step exercises what it claims to. */
  baseline(result: unknown, ses: FakeSes, rt: Runtime, ctx: C): Promise<void> | void;
}

const runtimes = new Map<BusinessUnitConfig, Runtime>();
let tables = 0;

/** A fresh table; the clients of one runtime per unit are shared (building SDK clients per case costs more than the case). */
async function fresh(forUnit = unit) {
  let base = runtimes.get(forUnit);
  if (!base) {
    base = await testRuntime({ dynamoEndpoint: dynamo.endpoint, unit: forUnit, now: () => NOW });
    runtimes.set(forUnit, base);
  }
  const tableName = `${base.tableName}-${++tables}`;
  const linksTableName = `${tableName}-links`;
  await createActiveTable(base.ddb, createTableInput(tableName));
  await createActiveTable(base.ddb, createTableInput(linksTableName, LINKS_TABLE_SCHEMA));
  const real: Runtime = { ...base, tableName, linksTableName };
  const setupSes = new FakeSes();
  const setupRt = faultyRuntime(real, setupSes, new FaultyDdb(real.ddb), { sfn });
  return { real, setupRt };
}

/** The state before a step, set up once and copied into a fresh table per case (re-running the setup handlers per case is slow). */
interface Prepared<C> {
  items: Record<string, any>[];
  ctx: C;
}

async function prepare<C>(step: Step<C>): Promise<Prepared<C>> {
  const { setupRt } = await fresh(step.unit);
  const ctx = await step.setup(setupRt);
  return { items: await scanAll(setupRt), ctx };
}

async function attempt<C>(step: Step<C>, prepared: Prepared<C>, inject?: (ses: FakeSes, ddb: FaultyDdb) => void) {
  const { real } = await fresh(step.unit);
  // Links and task tokens live in the links table, everything else in the evidence table (core/table-schema.ts).
  const inLinks = (item: Record<string, any>) => /^(LINK|TOKEN)#/.test(String(item.pk));
  for (const [table, items] of [
    [real.tableName, prepared.items.filter((i) => !inLinks(i))],
    [real.linksTableName!, prepared.items.filter(inLinks)],
  ] as const) {
    for (let i = 0; i < items.length; i += 25) {
      const chunk = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      const out = await real.ddb.send(new BatchWriteCommand({ RequestItems: { [table]: chunk } }));
      if (Object.keys(out.UnprocessedItems ?? {}).length) throw new Error('the copy of the prepared state was throttled');
    }
  }
  const ctx = prepared.ctx;
  const ses = new FakeSes();
  const ddb = new FaultyDdb(real.ddb);
  const rt = faultyRuntime(real, ses, ddb, { sfn });
  inject?.(ses, ddb);
  let error: unknown;
  let result: unknown;
  try {
    result = await step.run(rt, ctx);
  } catch (err) {
    error = err;
  }
  return { real, rt, ctx, ses, ddb, result, error, fired: ses.fired || ddb.fired };
}

/** Runs the step once without faults, then once per injectable fault followed by the retry, and compares each with the first. */
async function survives<C>(step: Step<C>): Promise<{ injected: number; survived: number; failures: string[] }> {
  const prepared = await prepare(step);
  const base = await attempt(step, prepared);
  if (base.error) throw base.error;
  await step.baseline(base.result, base.ses, base.real, base.ctx);
  const expected = { copies: base.ses.copies(), evidence: await evidenceOf(base.real) };
  const { sends, writes } = { sends: base.ses.sends, writes: base.ddb.writes };
  expect(sends + writes, `${step.name} sends or writes something`).toBeGreaterThan(0);

  const cases: Array<{ label: string; inject: (ses: FakeSes, ddb: FaultyDdb) => void }> = [];
  for (let n = 1; n <= sends; n++) cases.push({ label: `SES throttling at send ${n} of ${sends}`, inject: (ses) => ses.throttleAt(n) });
  for (const mode of ['fail', 'crash-after'] as WriteFault[]) {
    for (let k = 1; k <= writes; k++)
      cases.push({ label: `DynamoDB ${mode} at write ${k} of ${writes}`, inject: (_s, ddb) => ddb.arm(k, mode) });
  }
  const outcome = { injected: 0, survived: 0, failures: [] as string[] };
  // Each case has its own table, so cases run side by side (the emulator and handlers mostly wait on each other's I/O).
  await inParallel(cases, CONCURRENCY, async (c) => {
    const run = await attempt(step, prepared, c.inject);
    if (!run.fired) {
      outcome.failures.push(`${step.name}: ${c.label}: the fault was never reached`);
      return;
    }
    outcome.injected += 1;
    try {
      // Step Functions' Retry (or EventBridge's redelivery, or the person posting again): the same input, the fault gone.
      const later = step.retryAfterMs ? new Date(NOW.getTime() + step.retryAfterMs) : undefined;
      const retryRt = later ? { ...run.rt, now: () => later } : run.rt;
      if (run.error || step.againEvenIfNoError) await step.run(retryRt, run.ctx);
      const asFirst = (text: string) => (later ? text.split(later.toISOString()).join(NOW.toISOString()) : text);
      same('emails (recipient | subject)', run.ses.copies(), expected.copies);
      same('evidence', (await evidenceOf(run.real)).map(asFirst), expected.evidence);
      outcome.survived += 1;
    } catch (err) {
      outcome.failures.push(
        `${step.name}: ${c.label}: ${String((err as Error).message)
          .split('\n')
          .slice(0, 40)
          .join('\n')}`,
      );
    }
  });
  tally.injected += outcome.injected;
  tally.survived += outcome.survived;
  tally.failures.push(...outcome.failures);
  return outcome;
}

const CONCURRENCY = 6;

async function inParallel<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

/** Throws, naming what the run lacks and has in excess compared with the run without faults (lists with repeats). */
function same(what: string, actual: string[], expected: string[]) {
  const rest = [...actual];
  const missing: string[] = [];
  for (const e of expected) {
    const i = rest.indexOf(e);
    if (i >= 0) rest.splice(i, 1);
    else missing.push(e);
  }
  if (missing.length || rest.length) throw new Error(`${what} differ.\nmissing: ${missing.join('\n  ')}\nextra: ${rest.join('\n  ')}`);
}

async function check<C>(step: Step<C>) {
  const outcome = await survives(step);
  expect(outcome.failures, outcome.failures.join('\n\n')).toEqual([]);
  expect(outcome.injected).toBeGreaterThan(0);
}

// ---------------------------------------------------------------- management review

const PERIOD = '2026-Q4';
const REVIEW_ID = `${unit.id}#${PERIOD}`;

async function openedWithPack(rt: Runtime) {
  await openReview(rt)({ input: { bu: unit.id, period: PERIOD, trigger: 'cli' }, executionId: 'exec-1' });
  await compilePack(rt)({ reviewId: REVIEW_ID });
}

async function invited(rt: Runtime): Promise<StoredReview> {
  await openedWithPack(rt);
  await issueLinks(rt)({ reviewId: REVIEW_ID });
  return (await rt.ddb.send(new GetCommand({ TableName: rt.tableName, Key: keys.review(REVIEW_ID), ConsistentRead: true })))
    .Item as StoredReview;
}

async function decide(rt: Runtime, review: StoredReview, index: number, choice: string, inadequate: string[] = []) {
  const m = review.members[index];
  const adequacy = Object.fromEntries(
    ['financial', 'human', 'equipment', 'infrastructure-technology'].map((c) => [c, inadequate.includes(c) ? 'inadequate' : 'adequate']),
  );
  await rt.ddb.send(
    new PutCommand({
      TableName: rt.tableName,
      Item: {
        ...keys.decision(review.pk, m.decisionId!),
        kind: 'decision',
        decisionId: m.decisionId,
        subjectType: 'review',
        subjectId: REVIEW_ID,
        recipient: { name: m.name, email: m.email, role: m.role },
        choice,
        comment: 'From the fault suite.',
        resourceAdequacy: adequacy,
        decidedAt: NOW.toISOString(),
        sourceIp: '198.51.100.7',
        userAgent: 'test',
      },
    }),
  );
}

const eventsOfType = async (rt: Runtime, type: string) => (await scanAll(rt)).filter((i) => i.kind === 'event' && i.type === type);

describe('finding 5: SES throttling at the 2nd reminder, then the retry', () => {
  it('reminds each member once and writes one reminder.sent per member', async () => {
    const { real, setupRt } = await fresh();
    await invited(setupRt);
    const ses = new FakeSes();
    const rt = faultyRuntime(real, ses, new FaultyDdb(real.ddb));
    ses.throttleAt(2);
    await expect(remindReview(rt)({ reviewId: REVIEW_ID, remindersSent: 0 })).rejects.toMatchObject({ name: 'Throttling' });
    await remindReview(rt)({ reviewId: REVIEW_ID, remindersSent: 0 });
    const reminders = ses.mails.filter((m) => m.subject.startsWith('Decision needed (reminder 1)'));
    expect(reminders.map((m) => m.to).sort()).toEqual(['clara.weber@example.com', 'farid.haddad@example.com', 'oona.byrne@example.com']);
    expect(await eventsOfType(real, 'reminder.sent')).toHaveLength(3);
  });
});

describe('fault injection: management review fan-outs', () => {
  it('invitations', async () => {
    await check({
      name: 'review-issue-links',
      setup: openedWithPack,
      run: (rt) => issueLinks(rt)({ reviewId: REVIEW_ID }),
      baseline: (result, ses) => {
        expect(result).toEqual({ invited: 3, members: 3 });
        expect(ses.mails).toHaveLength(3);
      },
    });
  });

  it('invitations of a review restarted after its links expired (each undecided member a new link, once)', async () => {
    await check({
      name: 'review-issue-links (restarted)',
      setup: async (rt) => {
        // Invited a month earlier; Clara decided; the workflow failed; restarted now, long after the links expired.
        const earlier = { ...rt, now: () => new Date(NOW.getTime() - 30 * 86400_000) };
        const review = await invited(earlier);
        await decide(rt, review, 0, 'approve');
        await rt.ddb.send(
          new UpdateCommand({
            TableName: rt.tableName,
            Key: keys.review(REVIEW_ID),
            UpdateExpression: 'SET workflowFailedAt = :at, workflowError = :e, workflowFailedExecution = :arn',
            ExpressionAttributeValues: { ':at': NOW.toISOString(), ':e': 'ABORTED', ':arn': 'exec-1' },
          }),
        );
        await openReview(rt)({ input: { bu: unit.id, period: PERIOD, trigger: 'cli', restartOf: 'exec-1' }, executionId: 'exec-2' });
      },
      run: (rt) => issueLinks(rt)({ reviewId: REVIEW_ID }),
      baseline: async (result, ses, rt) => {
        expect(result).toEqual({ invited: 2, members: 3 });
        expect(ses.mails.map((m) => m.to).sort()).toEqual(['farid.haddad@example.com', 'oona.byrne@example.com']);
        expect(await eventsOfType(rt, 'link.replaced')).toHaveLength(2);
      },
    });
  });

  it('reminders', async () => {
    await check({
      name: 'review-remind',
      setup: invited,
      run: (rt) => remindReview(rt)({ reviewId: REVIEW_ID, remindersSent: 0 }),
      baseline: async (result, ses, rt) => {
        expect(result).toEqual({ remindersSent: 1, reminded: 3 });
        expect(ses.mails).toHaveLength(3);
        expect(await eventsOfType(rt, 'reminder.sent')).toHaveLength(3);
      },
    });
  });

  it('escalation', async () => {
    await check({
      name: 'review-escalate',
      setup: invited,
      run: (rt) => escalateReview(rt)({ reviewId: REVIEW_ID }),
      baseline: (_r, ses) => {
        expect(ses.mails.map((m) => m.to).sort()).toEqual([
          'board-office@example.com',
          'deputy-board-office@example.com',
          unit.ismsManager.email,
        ]);
      },
    });
  });

  it('minutes', async () => {
    await check({
      name: 'review-close',
      setup: async (rt) => {
        const review = await invited(rt);
        await decide(rt, review, 0, 'approve', ['human']);
        await decide(rt, review, 1, 'approve');
      },
      run: (rt) => closeReview(rt)({ reviewId: REVIEW_ID, outcome: 'approved' }),
      baseline: (result, ses) => {
        expect(result).toMatchObject({ outcome: 'approved', actions: 1 });
        expect(ses.mails.length).toBeGreaterThanOrEqual(4);
      },
    });
  });
});

// ---------------------------------------------------------------- resource request

const REQUEST_ID = 'req-fault-1';
const request = (over: Record<string, unknown> = {}) => ({
  requestId: REQUEST_ID,
  bu: unit.id,
  category: 'equipment',
  title: 'Two HSMs',
  justification: 'Key ceremony needs a spare.',
  amount: 15000,
  currency: 'EUR',
  requester: 'ann@example.com',
  submittedAt: '2026-11-27T09:00:00.000Z',
  ...over,
});
const recorded = async (rt: Runtime, over: Record<string, unknown> = {}) => {
  await recordRequest(rt)({ request: request(over), executionName: REQUEST_ID });
};
const issued = async (rt: Runtime, over: Record<string, unknown> = {}) => {
  await recorded(rt, over);
  await issueLink(rt)({ requestId: REQUEST_ID, level: 0 });
};

describe('fault injection: resource request fan-outs', () => {
  it('approval email of a level', async () => {
    await check({
      name: 'request-issue-link',
      setup: recorded,
      run: (rt) => issueLink(rt)({ requestId: REQUEST_ID, level: 0 }),
      baseline: (_r, ses) => expect(ses.mails.map((m) => m.to)).toEqual(['oona.byrne@example.com']),
    });
  });

  it('approval email again after `isms request restart` (once per restart, not per retry)', async () => {
    const FAILED = `arn:aws:states:eu-west-1:111111111111:execution:${stateMachineName(unit.id, 'resource-approval')}:${REQUEST_ID}`;
    await check({
      name: 'request-issue-link (restarted)',
      setup: async (rt) => {
        await issued(rt);
        await workflowFailed(rt)(statusChange(REQUEST_ID, request()));
        await recordRequest(rt)({ request: { requestId: REQUEST_ID, restartOf: FAILED }, executionName: `${REQUEST_ID}-restart-1` });
      },
      run: (rt) => issueLink(rt)({ requestId: REQUEST_ID, level: 0 }),
      baseline: (_r, ses) => expect(ses.mails.map((m) => m.to)).toEqual(['oona.byrne@example.com']),
    });
  });

  it('reminder', async () => {
    await check({
      name: 'request-remind',
      setup: issued,
      run: (rt) => remindRequest(rt)({ requestId: REQUEST_ID, level: 0, reminders: 0 }),
      baseline: (result, ses) => {
        expect(result).toMatchObject({ reminders: 1 });
        expect(ses.mails.map((m) => m.to)).toEqual(['oona.byrne@example.com']);
      },
    });
  });

  it('escalation to the escalation contact', async () => {
    await check({
      name: 'request-escalate',
      setup: issued,
      run: (rt) => escalateRequest(rt)({ requestId: REQUEST_ID, level: 0 }),
      baseline: async (result, ses, rt) => {
        expect(result).toMatchObject({ escalation: 'escalated' });
        // The one email goes to whoever now decides the level (the routing rules choose whom).
        const level = (
          (await rt.ddb.send(new GetCommand({ TableName: rt.tableName, Key: keys.request(REQUEST_ID), ConsistentRead: true })))
            .Item as StoredRequest
        ).levels[0];
        expect(level.approver.email).not.toBe('oona.byrne@example.com');
        expect(ses.mails.map((m) => m.to)).toEqual([level.approver.email]);
      },
    });
  });

  it('overdue notice when nobody else may decide', async () => {
    await check({
      name: 'request-escalate (skipped)',
      // Clara, the level's and the unit's only escalation contact, is the requester: she may not approve her own request.
      unit: { ...unit, escalationContacts: [{ name: 'Clara Weber', email: 'clara.weber@example.com' }] },
      setup: (rt) => issued(rt, { requester: 'clara.weber@example.com' }),
      run: (rt) => escalateRequest(rt)({ requestId: REQUEST_ID, level: 0 }),
      baseline: (result, ses) => {
        expect(result).toMatchObject({ escalation: 'skipped' });
        expect(ses.mails.map((m) => m.to)).toEqual(['oona.byrne@example.com']);
      },
    });
  });

  it('outcome', async () => {
    await check({
      name: 'request-finish',
      setup: issued,
      run: (rt) => finishRequest(rt)({ requestId: REQUEST_ID, outcome: 'expired', reason: 'nobody answered' }),
      baseline: (_r, ses) => expect(ses.mails.map((m) => m.to).sort()).toEqual(['ann@example.com', unit.ismsManager.email]),
    });
  });
});

// ---------------------------------------------------------------- failure notices

function statusChange(name: string, input: unknown) {
  return {
    version: '0',
    id: 'b5a1c6a0-0000-4000-8000-000000000000',
    'detail-type': EXECUTION_STATUS_CHANGE,
    source: 'aws.states',
    time: '2026-11-27T10:05:00Z',
    detail: {
      executionArn: `arn:aws:states:eu-west-1:111111111111:execution:${stateMachineName(unit.id, 'resource-approval')}:${name}`,
      stateMachineArn: `arn:aws:states:eu-west-1:111111111111:stateMachine:${stateMachineName(unit.id, 'resource-approval')}`,
      name,
      status: 'FAILED',
      startDate: Date.parse('2026-11-27T09:00:00Z'),
      stopDate: Date.parse('2026-11-27T10:04:59.123Z'),
      input: typeof input === 'string' ? input : JSON.stringify(input),
      error: 'States.TaskFailed',
      cause: 'Lambda timed out',
    },
  };
}

describe('fault injection: the failure notice, EventBridge delivering the same event twice', () => {
  it('of a pending request', async () => {
    const event = statusChange(REQUEST_ID, request());
    await check({
      name: 'workflow-failed (request)',
      setup: issued,
      // Every delivery is followed by a second delivery of the same event.
      run: async (rt) => {
        await workflowFailed(rt)(event);
        return workflowFailed(rt)(event);
      },
      baseline: (result, ses) => {
        expect(result).toMatchObject({ recorded: false, emailed: false });
        expect(ses.mails.map((m) => m.to)).toEqual([unit.ismsManager.email]);
      },
    });
  });

  it('of an execution that stored nothing', async () => {
    const event = statusChange('not-a-request', 'not json');
    await check({
      name: 'workflow-failed (no subject)',
      setup: async () => undefined,
      run: async (rt) => {
        await workflowFailed(rt)(event);
        return workflowFailed(rt)(event);
      },
      baseline: (_r, ses) => expect(ses.mails.map((m) => m.to)).toEqual([unit.ismsManager.email]),
    });
  });
});

// ---------------------------------------------------------------- the decision POST

describe('fault injection: DynamoDB failures at each write of the decision POST, then the person posts again', () => {
  /** The secret of a member's link, read from the invitation the fake SES kept. */
  const secretOf = (ses: FakeSes, email: string, decisionId: string) => {
    const mail = ses.mails.find((m) => m.to === email && m.text.includes(`/decisions/${decisionId}?k=`))!;
    return new URL(/https?:\/\/\S+\/decisions\/\S+/.exec(mail.text)![0]).searchParams.get('k')!;
  };
  const post = (decisionId: string, secret: string) =>
    httpEvent({ method: 'POST', path: `/decisions/${decisionId}`, body: formBody({ ...REVIEW_FORM, k: secret }) });

  it('the decision that completes the quorum is recorded once, with its event', async () => {
    await check({
      name: 'decision-endpoint POST',
      // The same unit with links that still work when the person posts again 31 s later.
      unit: { ...unit, decisionLinkLifetime: '1h' },
      setup: async (rt) => {
        const review = await invited(rt);
        await decide(rt, review, 0, 'approve');
        const farid = review.members[1];
        return { decisionId: farid.decisionId!, secret: secretOf(rt.ses as unknown as FakeSes, farid.email, farid.decisionId!) };
      },
      run: (rt, ctx) => decisionEndpoint(rt)(post(ctx.decisionId, ctx.secret)),
      againEvenIfNoError: true,
      // Past the first POST's function timeout: a confirmation it did not send goes with the second POST.
      retryAfterMs: 31_000,
      baseline: async (result, _ses, rt, ctx) => {
        expect(result).toMatchObject({ statusCode: 303 });
        const items = await scanAll(rt);
        expect(items.filter((i) => i.kind === 'decision' && i.decisionId === ctx.decisionId)).toMatchObject([{ choice: 'approve' }]);
        expect(items.filter((i) => i.type === 'decision.recorded' && i.detail.decisionId === ctx.decisionId)).toHaveLength(1);
      },
    });
  });
});

// ---------------------------------------------------------------- policy approval

const POLICY_DOC = Buffer.from('# Information security policy\n');
const POLICY_ID = submissionIdOf(unit.id, 'policy', '1');

async function policyOpened(rt: Runtime): Promise<void> {
  await storeDocumentOnce(rt, {
    ...keys.policyDocument(POLICY_ID),
    sk: 'DOCUMENT',
    kind: 'policy-document',
    submissionId: POLICY_ID,
    documentKind: 'policy',
    version: '1',
    format: 'markdown',
    fileName: 'policy.md',
    bytes: POLICY_DOC.length,
    sha256: fingerprint(POLICY_DOC),
    contentBase64: POLICY_DOC.toString('base64'),
    storedAt: NOW.toISOString(),
    storedBy: 'local:test',
  });
  const input = {
    bu: unit.id,
    documentKind: 'policy',
    version: '1',
    summary: 'First',
    sha256: fingerprint(POLICY_DOC),
    submitter: unit.ismsManager.email,
    submittedAt: NOW.toISOString(),
  };
  await openPolicy(rt)({ input, executionId: 'exec-policy-1' });
}

async function policyInvited(rt: Runtime): Promise<PolicyItem> {
  await policyOpened(rt);
  await issuePolicyLinks(rt)({ submissionId: POLICY_ID });
  return (await getPolicy(rt, POLICY_ID))!;
}

describe('fault injection: policy fan-outs', () => {
  it('invitations', async () => {
    await check({
      name: 'policy-issue-links',
      setup: async (rt) => {
        await policyOpened(rt);
      },
      run: (rt) => issuePolicyLinks(rt)({ submissionId: POLICY_ID }),
      baseline: (result) => {
        expect(result).toMatchObject({ members: 3 });
      },
    });
  });

  it('communication on approval: one copy per address, recorded once', async () => {
    await check({
      name: 'policy-close',
      setup: async (rt) => {
        const policy = await policyInvited(rt);
        for (const m of policy.members.slice(0, 2)) {
          await rt.ddb.send(
            new PutCommand({
              TableName: rt.tableName,
              Item: {
                ...keys.decision(policy.pk, m.decisionId!),
                kind: 'decision',
                decisionId: m.decisionId,
                subjectType: 'policy',
                subjectId: POLICY_ID,
                recipient: { name: m.name, email: m.email, role: m.role },
                choice: 'approve',
                comment: '',
                decidedAt: NOW.toISOString(),
                sourceIp: '198.51.100.7',
                userAgent: 'test',
              },
            }),
          );
        }
      },
      run: (rt) => closePolicy(rt)({ submissionId: POLICY_ID, outcome: 'approved' }),
      baseline: (result, ses) => {
        expect(result).toMatchObject({ outcome: 'approved', approvals: 2 });
        expect(ses.mails.map((m) => m.to).sort()).toEqual([...unit.topManagement.map((m) => m.email), unit.ismsManager.email].sort());
      },
    });
  });
});
