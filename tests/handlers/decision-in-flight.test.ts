// A decision in flight is counted or refused (docs/architecture.md#a-decision-in-flight-is-counted-or-refused): a POST
// that passed its link's checks while a close or an expiry stopped the links either writes a decision the close then
// waits for and counts, or is refused with 410 and records nothing. Never "Decision recorded" for a decision the minutes
// or the outcome do not show.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Runtime } from '../../lambdas/shared/runtime';
import { createHandler as decisionEndpoint } from '../../lambdas/decision-endpoint';
import { createHandler as openReview } from '../../lambdas/review-open';
import { createHandler as compilePack } from '../../lambdas/review-compile-pack';
import { createHandler as issueLinks } from '../../lambdas/review-issue-links';
import { createHandler as closeReview } from '../../lambdas/review-close';
import { createHandler as recordRequest } from '../../lambdas/request-record';
import { createHandler as issueLink } from '../../lambdas/request-issue-link';
import { createHandler as readDecision } from '../../lambdas/request-read-decision';
import { getDecision } from '../../lambdas/shared/decision-store';
import { DECIDING_WINDOW_MS, getLink, markDeciding, reissueLink } from '../../lambdas/shared/links';
import { passSeat } from '../../lambdas/shared/delegation';
import { getMinutes, getReview } from '../../lambdas/shared/review-store';
import { getRequest } from '../../lambdas/shared/request-store';
import { keys } from '../../core/keys';
import { formBody, httpEvent, REVIEW_FORM } from '../support/decision-fixtures';
import { testRuntime, testUnit } from '../support/local-aws';
import { sharedDynalite, sharedSes } from '../support/shared-emulators';

const CLARA = 'clara.weber@example.com';
const NOW = new Date('2026-12-01T09:00:00Z');

/** The runtime with its DynamoDB client held at the first command `at` matches, until release(). */
function heldAt(rt: Runtime, at: (command: any) => boolean) {
  let release!: () => void;
  let reached!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const atGate = new Promise<void>((r) => (reached = r));
  let held = false;
  const ddb = Object.create(rt.ddb) as Runtime['ddb'];
  ddb.send = (async (command: any, ...rest: any[]) => {
    if (!held && at(command)) {
      held = true;
      reached();
      await gate;
    }
    return (rt.ddb.send as any)(command, ...rest);
  }) as Runtime['ddb']['send'];
  return { rt: { ...rt, ddb }, release, atGate };
}
const decisionWrite = (c: any) => c instanceof PutCommand && c.input.Item?.kind === 'decision';
const decidingMark = (c: any) => c instanceof UpdateCommand && String(c.input.UpdateExpression).includes('decidingAt');

describe('a decision in flight as the links stop', () => {
  const unit = testUnit();
  let dynamo: Awaited<ReturnType<typeof sharedDynalite>>;
  let ses: Awaited<ReturnType<typeof sharedSes>>;
  let rt: Runtime;
  let n = 0;
  beforeAll(async () => {
    [dynamo, ses] = await Promise.all([sharedDynalite(), sharedSes()]);
  });
  afterAll(async () => {
    await Promise.all([dynamo?.close(), ses?.close()]);
  });
  beforeEach(async () => {
    rt = await testRuntime({ dynamoEndpoint: dynamo.endpoint, sesEndpoint: ses.endpoint, unit, now: () => NOW });
  });

  /** A review of a new period with its invitations out, and a working link of Clara's (her seat and its URL). */
  const invited = async () => {
    const period = `${2030 + ++n}-Q4`;
    const reviewId = `${unit.id}#${period}`;
    await openReview(rt)({ input: { bu: unit.id, period, trigger: 'cli' }, executionId: `e-${n}` });
    await compilePack(rt)({ reviewId });
    await issueLinks(rt)({ reviewId });
    const seat = (await getReview(rt, reviewId))!.members.find((m) => m.email === CLARA)!.decisionId!;
    const url = new URL((await reissueLink(rt, seat, { kind: 'first' })).url);
    return { reviewId, seat, url };
  };
  const post = (r: Runtime, url: URL, fields: Record<string, string>) =>
    decisionEndpoint(r)(httpEvent({ method: 'POST', path: url.pathname, body: formBody({ ...fields, k: url.searchParams.get('k')! }) }));

  it('a decision being written as the review closes holds the close (DecisionInFlight) until it is written, then the minutes show it', async () => {
    const { reviewId, seat, url } = await invited();
    const held = heldAt(rt, decisionWrite);
    const posting = post(held.rt, url, REVIEW_FORM);
    await held.atGate; // Clara's POST passed every check and marked her link; its decision is not written yet
    await expect(closeReview(rt)({ reviewId, outcome: 'not-held-on-time' })).rejects.toMatchObject({ name: 'DecisionInFlight' });
    expect(await getMinutes(rt, reviewId)).toBeUndefined();
    held.release();
    expect((await posting).statusCode).toBe(303);
    // The workflow's retry of the close: the decision is there now, and counted.
    await closeReview(rt)({ reviewId, outcome: 'not-held-on-time' });
    const { minutes } = (await getMinutes(rt, reviewId))!;
    expect(minutes.members.find((m) => m.name === 'Clara Weber')?.decision).toMatchObject({ choice: 'approve' });
    expect(await getDecision(rt, keys.review(reviewId).pk, seat)).toMatchObject({ choice: 'approve' });
  });

  it("after the quorum: the close that stops the last member's link while her decision is written waits, then lists it in the minutes", async () => {
    const { reviewId, url } = await invited();
    const review = (await getReview(rt, reviewId))!;
    // Farid and Oona approve: the quorum (2 of 3) is reached, and the workflow closes the review "approved".
    for (const m of review.members.filter((x) => x.email !== CLARA)) {
      const other = new URL((await reissueLink(rt, m.decisionId!, { kind: 'first' })).url);
      expect((await post(rt, other, REVIEW_FORM)).statusCode).toBe(303);
    }
    const held = heldAt(rt, decisionWrite);
    const posting = post(held.rt, url, { ...REVIEW_FORM, choice: 'request-changes', comment: 'Add the supplier risks.' });
    await held.atGate;
    // The outcome is fixed on this first attempt, before the members' links stop; the minutes wait for Clara's decision.
    await expect(closeReview(rt)({ reviewId, outcome: 'approved' })).rejects.toMatchObject({ name: 'DecisionInFlight' });
    held.release();
    expect((await posting).statusCode).toBe(303);
    await closeReview(rt)({ reviewId, outcome: 'approved' });
    const { minutes } = (await getMinutes(rt, reviewId))!;
    expect(minutes.outcome).toBe('approved');
    expect(minutes.members.find((m) => m.name === 'Clara Weber')?.decision).toMatchObject({ choice: 'request-changes' });
  });

  it('a POST that read its link before the close stopped it, and had not marked it yet, is refused: 410, nothing recorded', async () => {
    const { reviewId, seat, url } = await invited();
    const held = heldAt(rt, decidingMark);
    const posting = post(held.rt, url, REVIEW_FORM);
    await held.atGate; // the POST read a working link; the close stops it now
    await closeReview(rt)({ reviewId, outcome: 'not-held-on-time' });
    held.release();
    const res = await posting;
    expect(res.statusCode).toBe(410);
    expect(await getDecision(rt, keys.review(reviewId).pk, seat)).toBeUndefined();
    const { minutes } = (await getMinutes(rt, reviewId))!;
    expect(minutes.members.find((m) => m.name === 'Clara Weber')?.decision).toBeUndefined();
  });

  it('a mark whose POST died holds the close only for the window: after it the review closes without that decision', async () => {
    const { reviewId, seat } = await invited();
    expect(await markDeciding(rt, seat)).toBe(true); // what the POST did before it died
    await expect(closeReview(rt)({ reviewId, outcome: 'not-held-on-time' })).rejects.toMatchObject({ name: 'DecisionInFlight' });
    const later = { ...rt, now: () => new Date(NOW.getTime() + DECIDING_WINDOW_MS + 1000) };
    await closeReview(later)({ reviewId, outcome: 'not-held-on-time' });
    expect((await getMinutes(rt, reviewId))!.minutes.outcome).toBe('not-held-on-time');
  });

  /** A one-level request (EUR 5 000, Irene's) with its link issued to Oona: its id and Oona's seat. */
  const issuedRequest = async () => {
    const requestId = `req-inflight-${++n}`;
    await recordRequest(rt)({
      request: {
        requestId,
        bu: unit.id,
        category: 'equipment',
        title: 'HSM',
        justification: 'Key custody',
        amount: 5000,
        currency: 'EUR',
        requester: 'irene.schulz@example.com',
        submittedAt: '2026-11-27T10:00:00.000Z',
      },
      executionName: requestId,
    });
    await issueLink(rt)({ requestId, level: 0 });
    const seat = (await getRequest(rt, requestId)).levels[0].decisionId!;
    return { requestId, seat };
  };

  it('a request: an approval being written as the level expires is waited for and counts; the request is not expired under it', async () => {
    const { requestId, seat } = await issuedRequest();
    const url = new URL((await reissueLink(rt, seat, { kind: 'first' })).url);
    const held = heldAt(rt, decisionWrite);
    const posting = post(held.rt, url, { choice: 'approve', comment: '' });
    await held.atGate;
    await expect(readDecision(rt)({ requestId, level: 0, ifUndecided: 'expire' })).rejects.toMatchObject({ name: 'DecisionInFlight' });
    held.release();
    expect((await posting).statusCode).toBe(303);
    expect(await readDecision(rt)({ requestId, level: 0, ifUndecided: 'expire' })).toMatchObject({ decided: 'approve' });
  });

  it('a POST refused for who posts it (the requester, through a link passed to her) marks nothing: the expiry does not wait', async () => {
    const { requestId, seat } = await issuedRequest();
    const passed = await passSeat(
      rt,
      (await getLink(rt, seat))!,
      { name: 'Irene Schulz', email: 'irene.schulz@example.com' },
      { kind: 'handover', reason: 'Oona Byrne passed it on from the decision page', by: 'oona.byrne@example.com' },
      { kind: 'first' },
      undefined,
      'http://localhost',
    );
    for (let i = 0; i < 3; i++) expect((await post(rt, new URL(passed!.url), { choice: 'approve', comment: '' })).statusCode).toBe(409);
    expect(await readDecision(rt)({ requestId, level: 0, ifUndecided: 'expire' })).toMatchObject({ decided: 'none' });
  });

  it('each step that may throw DecisionInFlight retries it for longer than the window (else the workflow would fail)', () => {
    for (const [workflow, state] of [
      ['management-review', 'CloseReview'],
      ['policy-approval', 'ClosePolicy'],
      ['resource-approval', 'ReadDecisionAtExpiry'],
    ]) {
      const asl = JSON.parse(readFileSync(path.join(import.meta.dirname, '..', '..', 'statemachines', `${workflow}.asl.json`), 'utf8'));
      const retrier = (
        asl.States[state].Retry as Array<{ ErrorEquals: string[]; IntervalSeconds: number; MaxAttempts: number; BackoffRate?: number }>
      ).find((r) => r.ErrorEquals.includes('DecisionInFlight'));
      expect(retrier, `${workflow}: ${state}`).toBeDefined();
      let waited = 0;
      for (let i = 0; i < retrier!.MaxAttempts; i++) waited += retrier!.IntervalSeconds * (retrier!.BackoffRate ?? 2) ** i;
      expect(waited * 1000, `${workflow}: ${state}`).toBeGreaterThan(DECIDING_WINDOW_MS);
    }
  });
});
