// Every link expires, and every email says it expires, at the end of the workflow wait it serves (issue 9, finding 7).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { waitLeftSeconds, type BusinessUnitConfig, type LinkStage } from '../../core/config';
import { loadBusinessUnits } from '../../lib/config-files';
import { definitionText } from '../../lib/definitions';
import type { Runtime } from '../../lambdas/shared/runtime';
import { keys } from '../../core/keys';
import { formatTime } from '../../core/format';
import { getLink } from '../../lambdas/shared/links';
import { passSeat } from '../../lambdas/shared/delegation';
import type { StoredRequest } from '../../lambdas/shared/request-store';
import { getReview } from '../../lambdas/shared/review-store';
import { createHandler as record } from '../../lambdas/request-record';
import { createHandler as issueLink } from '../../lambdas/request-issue-link';
import { createHandler as requestRemind } from '../../lambdas/request-remind';
import { createHandler as requestEscalate } from '../../lambdas/request-escalate';
import { createHandler as openReview } from '../../lambdas/review-open';
import { createHandler as compilePack } from '../../lambdas/review-compile-pack';
import { createHandler as issueLinks } from '../../lambdas/review-issue-links';
import { createHandler as reviewRemind } from '../../lambdas/review-remind';
import { createHandler as reviewEscalate } from '../../lambdas/review-escalate';
import { testRuntime, testUnit, type StoredEmail } from '../support/local-aws';
import { sharedDynalite, sharedSes } from '../support/shared-emulators';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

describe('how long the workflow still waits for a link', () => {
  // The sum of the waits the filled definition still runs from each stage: the expiry must be exactly that.
  function waitsInDefinition(unit: BusinessUnitConfig, workflow: 'management-review' | 'resource-approval', stage: LinkStage) {
    const states = JSON.parse(definitionText(workflow, unit)).States as Record<string, { TimeoutSeconds?: number }>;
    const interval = states[workflow === 'resource-approval' ? 'AwaitDecision' : 'AwaitDecisions'].TimeoutSeconds!;
    const after = states.AwaitAfterEscalation.TimeoutSeconds!;
    const waitsBeforeEscalation =
      stage.kind === 'escalation' ? 0 : unit.reminders.maximum - (stage.kind === 'reminder' ? stage.reminder : 0) + 1;
    return interval * waitsBeforeEscalation + after;
  }

  it('matches the definitions for every configured unit, from the first email, each reminder and the escalation', () => {
    for (const unit of [...loadBusinessUnits(), testUnit()]) {
      const stages: LinkStage[] = [
        { kind: 'first' },
        ...Array.from({ length: unit.reminders.maximum }, (_, i) => ({ kind: 'reminder' as const, reminder: i + 1 })),
        { kind: 'escalation' },
      ];
      for (const stage of stages) {
        for (const workflow of ['management-review', 'resource-approval'] as const) {
          expect(waitLeftSeconds(unit, stage), `${unit.id} ${workflow} ${JSON.stringify(stage)}`).toBe(
            waitsInDefinition(unit, workflow, stage),
          );
        }
      }
    }
    // The reported case: EMEA waits 3 × 48 h, escalates, then 8 days more (the link used to say 14).
    const emea = loadBusinessUnits().find((u) => u.id === 'example-emea')!;
    expect(waitLeftSeconds(emea, { kind: 'escalation' })).toBe(8 * 86400);
  });
});

describe('links and emails state the end of the wait', () => {
  let dynamo: Awaited<ReturnType<typeof sharedDynalite>>;
  let ses: Awaited<ReturnType<typeof sharedSes>>;
  let rt: Runtime;
  let clock: Date;
  // EMEA's real timing: reminders every 48 h, two of them, links for 14 days.
  // Clara is the unit's only escalation contact too, so a request she makes has nobody left to escalate level 1 to.
  const unit = testUnit({
    reminders: { interval: '48h', maximum: 2 },
    decisionLinkLifetime: '14d',
    escalationContacts: [{ name: 'Clara Weber', email: 'clara.weber@example.com' }],
  });
  const T0 = Date.parse('2026-12-01T09:00:00.000Z');

  beforeAll(async () => {
    [dynamo, ses] = await Promise.all([sharedDynalite(), sharedSes()]);
  });
  afterAll(async () => {
    await Promise.all([dynamo?.close(), ses?.close()]);
  });
  beforeEach(async () => {
    clock = new Date(T0);
    rt = await testRuntime({ dynamoEndpoint: dynamo.endpoint, sesEndpoint: ses.endpoint, unit, now: () => clock });
    await ses.clear();
  });

  const iso = (ms: number) => new Date(ms).toISOString();
  /** How emails state the end of a wait: the unit's local time with UTC beside it (core/format.ts). */
  const shown = (ms: number) => formatTime(iso(ms), unit.timeZone);
  const lastEmail = async (subject: RegExp): Promise<StoredEmail> => {
    const found = (await ses.emails()).filter((e) => subject.test(e.subject));
    expect(found.length).toBeGreaterThan(0);
    return found.at(-1)!;
  };
  const request = async (id: string, requester = 'ann@example.com') => {
    await record(rt)({
      request: {
        requestId: id,
        bu: unit.id,
        category: 'equipment',
        title: 'Two HSMs',
        justification: 'Key ceremony.',
        amount: 500,
        currency: 'EUR',
        requester,
        submittedAt: iso(T0),
      },
      executionName: id,
    });
    await issueLink(rt)({ requestId: id, level: 0 });
  };
  const levelLink = async (id: string) => {
    const item = (await rt.ddb.send(new GetCommand({ TableName: rt.tableName, Key: keys.request(id), ConsistentRead: true })))
      .Item as StoredRequest;
    return (await getLink(rt, item.levels[0].decisionId!))!;
  };

  it('request: first email, each reminder and the escalated link (the reported case) end where the waits end', async () => {
    await request('req-expiry-1');
    const first = await levelLink('req-expiry-1');
    expect(first.expiresAt).toBe(iso(T0 + 14 * DAY));
    expect((await lastEmail(/^Approve or reject: /)).body.text).toContain(`expires at ${shown(T0 + 14 * DAY)}`);

    clock = new Date(T0 + 2 * DAY);
    await requestRemind(rt)({ requestId: 'req-expiry-1', level: 0, reminders: 0 });
    // Two more waits of 48 h and the 8 days after escalation.
    expect((await levelLink('req-expiry-1')).expiresAt).toBe(iso(clock.getTime() + 12 * DAY));
    expect((await lastEmail(/reminder 1/)).body.text).toContain(`expires at ${shown(clock.getTime() + 12 * DAY)}`);

    clock = new Date(T0 + 4 * DAY);
    await requestRemind(rt)({ requestId: 'req-expiry-1', level: 0, reminders: 1 });
    expect((await levelLink('req-expiry-1')).expiresAt).toBe(iso(clock.getTime() + 10 * DAY));
    expect((await lastEmail(/reminder 2/)).body.text).toContain(`expires at ${shown(clock.getTime() + 10 * DAY)}`);

    clock = new Date(T0 + 6 * DAY);
    await requestEscalate(rt)({ requestId: 'req-expiry-1', level: 0 });
    const escalated = await levelLink('req-expiry-1');
    expect(escalated.recipient.email).toBe('clara.weber@example.com');
    // The workflow waits 8 days after escalating, then ends the request expired: the link and the email say so.
    expect(escalated.expiresAt).toBe(iso(T0 + 14 * DAY));
    const mail = await lastEmail(/escalated to you/);
    expect(mail.body.text).toContain(`expires at ${shown(T0 + 14 * DAY)}`);
    expect(mail.body.html).toContain(`expires at ${shown(T0 + 14 * DAY)}`);
  });

  it('request: the overdue notice (escalation skipped) states and sets the end of the wait after escalation', async () => {
    // The requester is level 1's escalation contact and the unit's, so nobody else may take the decision.
    await request('req-expiry-2', 'clara.weber@example.com');
    clock = new Date(T0 + 6 * DAY + HOUR);
    expect(await requestEscalate(rt)({ requestId: 'req-expiry-2', level: 0 })).toMatchObject({ escalation: 'skipped' });
    expect((await levelLink('req-expiry-2')).expiresAt).toBe(iso(clock.getTime() + 8 * DAY));
    expect((await lastEmail(/overdue/)).body.text).toContain(`expires at ${shown(clock.getTime() + 8 * DAY)}`);
  });

  it('review: invitation, reminder and escalation state when the links stop working, and the links agree', async () => {
    const id = `${unit.id}#2026-Q4`;
    await openReview(rt)({ input: { bu: unit.id, period: '2026-Q4', trigger: 'cli' }, executionId: 'e' });
    await compilePack(rt)({ reviewId: id });
    await issueLinks(rt)({ reviewId: id });
    const links = async () => Promise.all((await getReview(rt, id))!.members.map(async (m) => (await getLink(rt, m.decisionId!))!));
    expect((await links()).map((l) => l.expiresAt)).toEqual([iso(T0 + 14 * DAY), iso(T0 + 14 * DAY), iso(T0 + 14 * DAY)]);
    expect((await lastEmail(/^Decision needed: /)).body.text).toContain(`works until ${shown(T0 + 14 * DAY)}`);

    clock = new Date(T0 + 2 * DAY + HOUR);
    await reviewRemind(rt)({ reviewId: id, remindersSent: 0 });
    expect((await links()).map((l) => l.expiresAt)).toEqual(Array(3).fill(iso(clock.getTime() + 12 * DAY)));
    expect((await lastEmail(/reminder 1/)).body.text).toContain(`works until ${shown(clock.getTime() + 12 * DAY)}`);

    clock = new Date(T0 + 6 * DAY + 2 * HOUR);
    await reviewEscalate(rt)({ reviewId: id });
    const end = clock.getTime() + 8 * DAY;
    expect((await links()).map((l) => l.expiresAt)).toEqual(Array(3).fill(iso(end)));
    expect((await lastEmail(/overdue/)).body.text).toContain(`work until ${shown(end)}`);
    // A retry a minute later sends no second email; the links work a minute longer, never shorter.
    clock = new Date(clock.getTime() + 60_000);
    await reviewEscalate(rt)({ reviewId: id });
    expect((await links()).map((l) => l.expiresAt)).toEqual(Array(3).fill(iso(end + 60_000)));
    // The escalation email went once: one copy to the contact, one to the ISMS manager.
    expect((await ses.emails()).filter((e) => /overdue/.test(e.subject))).toHaveLength(2);
  });

  it('review: escalation extends the link of a deputy who holds a seat, as it extends the members’ own', async () => {
    const id = `${unit.id}#2026-Q4`;
    await openReview(rt)({ input: { bu: unit.id, period: '2026-Q4', trigger: 'cli' }, executionId: 'e' });
    await compilePack(rt)({ reviewId: id });
    await issueLinks(rt)({ reviewId: id });
    const member = (await getReview(rt, id))!.members[0];
    // The member is away: their seat passes to a deputy, whose new link serves the rest of the wait.
    const passed = await passSeat(
      rt,
      (await getLink(rt, member.decisionId!))!,
      { name: 'Dora Deputy', email: 'dora.deputy@example.com' },
      { kind: 'absence', reason: `${member.name} is absent`, by: 'test' },
      { kind: 'first' },
    );
    expect(passed).toBeDefined();
    clock = new Date(T0 + 6 * DAY + 2 * HOUR);
    await reviewEscalate(rt)({ reviewId: id });
    // Without it the deputy's link would stop at the first wait's end while the escalated wait runs on.
    expect((await getLink(rt, passed!.decisionId))!.expiresAt).toBe(iso(clock.getTime() + 8 * DAY));
  });

  it('restarts: the workflow waits the whole lifetime again, so the links still open work until then', async () => {
    // A request restarted on day 3: the approver gets a further link to the same decision, stating the new end.
    await request('req-expiry-3');
    clock = new Date(T0 + 3 * DAY);
    // What request-record's restart stores: a restart is a new invitation (a retry of the same one sends nothing).
    await rt.ddb.send(
      new UpdateCommand({
        TableName: rt.tableName,
        Key: keys.request('req-expiry-3'),
        UpdateExpression: 'SET restarts = :one',
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
    await issueLink(rt)({ requestId: 'req-expiry-3', level: 0 });
    expect((await levelLink('req-expiry-3')).expiresAt).toBe(iso(T0 + 17 * DAY));
    expect((await lastEmail(/^Approve or reject: /)).body.text).toContain(`expires at ${shown(T0 + 17 * DAY)}`);

    // A review escalated on day 6 (links until day 14) and restarted on day 10: invited members keep their links
    // (and are not emailed again), which work until the restarted workflow stops waiting.
    const id = `${unit.id}#2026-Q3`;
    clock = new Date(T0);
    await openReview(rt)({ input: { bu: unit.id, period: '2026-Q3', trigger: 'cli' }, executionId: 'e' });
    await compilePack(rt)({ reviewId: id });
    await issueLinks(rt)({ reviewId: id });
    clock = new Date(T0 + 6 * DAY);
    await reviewEscalate(rt)({ reviewId: id });
    const members = (await getReview(rt, id))!.members;
    const expiries = async () => Promise.all(members.map(async (m) => (await getLink(rt, m.decisionId!))!.expiresAt));
    expect(await expiries()).toEqual(Array(3).fill(iso(T0 + 14 * DAY)));
    clock = new Date(T0 + 10 * DAY);
    expect(await issueLinks(rt)({ reviewId: id })).toMatchObject({ invited: 0 });
    expect(await expiries()).toEqual(Array(3).fill(iso(T0 + 24 * DAY)));
    // The restart escalates again (a little late): 8 days from then, not from the first escalation.
    clock = new Date(T0 + 16 * DAY + HOUR);
    await reviewEscalate(rt)({ reviewId: id });
    expect(await expiries()).toEqual(Array(3).fill(iso(T0 + 24 * DAY + HOUR)));
  });
});
