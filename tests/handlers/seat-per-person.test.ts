// One person, one seat (issue 15): a deputy who is also a member of the review holds their own seat and may not take an
// absent member's too, or they would count twice towards the quorum; nor may a deputy act for two absent members. The
// next deputy takes the seat, or the absent member keeps it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Runtime } from '../../lambdas/shared/runtime';
import { endAbsence, listAbsences, passSeat, setAbsence } from '../../lambdas/shared/delegation';
import { getDecision } from '../../lambdas/shared/decision-store';
import { createHandler as decisionEndpoint } from '../../lambdas/decision-endpoint';
import { keys } from '../../core/keys';
import { getItem } from '../../lambdas/shared/store';
import { formBody, httpEvent, REVIEW_FORM } from '../support/decision-fixtures';
import { handOver } from '../../lambdas/shared/hand-over';
import { getReview } from '../../lambdas/shared/review-store';
import { createHandler as openReview } from '../../lambdas/review-open';
import { createHandler as compilePack } from '../../lambdas/review-compile-pack';
import { createHandler as issueLinks } from '../../lambdas/review-issue-links';
import { anyBar, memberSeatBar, pickDeputy } from '../../core/seats';
import { createHandler as recordRequest } from '../../lambdas/request-record';
import { createHandler as issueLink } from '../../lambdas/request-issue-link';
import { createHandler as escalateRequest } from '../../lambdas/request-escalate';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { getRequest } from '../../lambdas/shared/request-store';
import { getLink, reissueLink } from '../../lambdas/shared/links';
import { testRuntime, testUnit } from '../support/local-aws';
import { sharedDynalite, sharedSes } from '../support/shared-emulators';

const CLARA = { name: 'Clara Weber', email: 'clara.weber@example.com' };
const FARID = { name: 'Farid Haddad', email: 'farid.haddad@example.com' };
const HANNAH = { name: 'Hannah Vogel', email: 'hannah.vogel@example.com' };
const OONA = { name: 'Oona Byrne', email: 'oona.byrne@example.com' };
const DORA = { name: 'Dora Deputy', email: 'dora.deputy@example.com' };

let dynamo: Awaited<ReturnType<typeof sharedDynalite>>;
let ses: Awaited<ReturnType<typeof sharedSes>>;
beforeAll(async () => {
  [dynamo, ses] = await Promise.all([sharedDynalite(), sharedSes()]);
});
afterAll(async () => {
  await Promise.all([dynamo?.close(), ses?.close()]);
});
/** A runtime of `unit` on fresh tables at 1 Dec 2026, its SES inbox cleared. */
async function freshRuntime(unit: ReturnType<typeof testUnit>): Promise<Runtime> {
  const rt = await testRuntime({
    dynamoEndpoint: dynamo.endpoint,
    sesEndpoint: ses.endpoint,
    unit,
    now: () => new Date('2026-12-01T09:00:00Z'),
  });
  await ses.clear();
  return rt;
}

describe('one seat per person', () => {
  // Clara's first deputy is Farid, himself a member; her second is Hannah, who is not.
  const base = testUnit();
  const unit = testUnit({
    // Oona's only deputy is Hannah too: Hannah may act for one of the two, never for both.
    topManagement: base.topManagement.map((m) =>
      m.email === CLARA.email ? { ...m, deputies: [FARID, HANNAH] } : m.email === OONA.email ? { ...m, deputies: [HANNAH] } : m,
    ),
  });

  it('bars a member as deputy of another member, and picks the next deputy who is not one', () => {
    const bar = memberSeatBar(unit, unit.topManagement);
    expect(bar('farid.haddad@example.com')).toMatch(/seat of their own/);
    expect(bar('hannah.vogel@example.com')).toBeUndefined();
    expect(pickDeputy(unit, CLARA.email, bar).to).toEqual(HANNAH);
    expect(
      pickDeputy(
        unit,
        CLARA.email,
        anyBar(() => undefined, bar),
        FARID,
      ).to,
    ).toEqual(HANNAH);
  });

  describe('in a review', () => {
    let rt: Runtime;
    beforeEach(async () => {
      rt = await freshRuntime(unit);
    });
    /** Opens the unit's 2026-Q4 review and sends its invitations, as the workflow's first steps do. */
    const openAndInvite = async () => {
      const id = `${unit.id}#2026-Q4`;
      await openReview(rt)({ input: { bu: unit.id, period: '2026-Q4', trigger: 'cli' }, executionId: 'e' });
      await compilePack(rt)({ reviewId: id });
      await issueLinks(rt)({ reviewId: id });
      return id;
    };

    it('an absence naming a member as deputy (even confirmed) leaves the seat with the next deputy, never with that member', async () => {
      await setAbsence(rt, { person: CLARA, from: '2026-11-30', to: '2026-12-10', deputy: FARID, confirmed: true, setBy: 'local:test' });
      const id = await openAndInvite();
      const clara = (await getReview(rt, id))!.members.find((m) => m.email === CLARA.email)!;
      const seat = (await getLink(rt, clara.decisionId!))!;
      const holder = (await getLink(rt, seat.handedTo!))!;
      expect(holder.recipient.email).toBe(HANNAH.email);
      expect(holder.actingFor?.email).toBe(CLARA.email);
      // Farid was invited to his own seat only.
      const toFarid = (await ses.emails()).filter((e) => e.destination.to.includes(FARID.email));
      expect(toFarid.map((e) => e.subject)).toEqual([expect.stringMatching(/^Decision needed: /)]);
    });

    it('a deputy absent members share acts for one of them only; the other keeps their seat', async () => {
      for (const person of [CLARA, OONA]) {
        await setAbsence(rt, { person, from: '2026-11-30', to: '2026-12-10', deputy: HANNAH, confirmed: false, setBy: 'local:test' });
      }
      const id = await openAndInvite();
      // A retried step changes nothing: Hannah still holds one seat.
      await issueLinks(rt)({ reviewId: id });
      const members = (await getReview(rt, id))!.members;
      const holders = await Promise.all(
        members.map(async (m) => {
          const seat = (await getLink(rt, m.decisionId!))!;
          return seat.handedTo ? (await getLink(rt, seat.handedTo))! : seat;
        }),
      );
      expect(holders.filter((h) => h.recipient.email === HANNAH.email).map((h) => h.actingFor?.email)).toEqual([CLARA.email]);
      expect(holders.find((h) => h.actingFor === undefined && h.recipient.email === OONA.email)).toBeDefined();
      const toHannah = (await ses.emails()).filter((e) => e.destination.to.includes(HANNAH.email));
      expect(toHannah.map((e) => e.subject)).toEqual([expect.stringMatching(/^\[acting for Clara Weber\] /)]);
    });

    it("a member may not hand their seat to a deputy who acts for another member's seat already", async () => {
      await setAbsence(rt, { person: CLARA, from: '2026-11-30', to: '2026-12-10', deputy: HANNAH, confirmed: false, setBy: 'local:test' });
      const id = await openAndInvite();
      const review = (await getReview(rt, id))!;
      const oona = (await getLink(rt, review.members.find((m) => m.email === OONA.email)!.decisionId!))!;
      const page = await handOver(rt, oona, review as unknown as Record<string, unknown>, HANNAH.email, 'http://localhost');
      expect(page.statusCode).toBe(403);
      expect(page.body).toContain('acts for Clara Weber here already (one person, one seat)');
      // Nothing changed: Oona keeps her link.
      const after = (await getLink(rt, oona.decisionId))!;
      expect(after.handedTo).toBeUndefined();
      expect(after.supersededAt).toBeUndefined();
    });

    it('two hand-overs at one moment that give a deputy two seats still let her decide one: the second POST is refused, nothing recorded', async () => {
      // Clara is away and Hannah acts for her. Oona passes her seat to Hannah at the same moment, before Hannah's first seat
      // was written, so that hand-over passed actingElsewhereBar: passSeat is what it then does, without the bar.
      await setAbsence(rt, { person: CLARA, from: '2026-11-30', to: '2026-12-10', deputy: HANNAH, confirmed: false, setBy: 'local:test' });
      const id = await openAndInvite();
      const review = (await getReview(rt, id))!;
      const seatOf = (email: string) => review.members.find((m) => m.email === email)!.decisionId!;
      const forClara = (await ses.emails()).find((e) => e.destination.to.includes(HANNAH.email))!;
      const claraUrl = new URL(/https?:\/\/\S+\/decisions\/\S+/.exec(forClara.body.text!)![0]);
      const oona = (await getLink(rt, seatOf(OONA.email)))!;
      const raced = await passSeat(
        rt,
        oona,
        HANNAH,
        { kind: 'handover', reason: 'Oona Byrne passed it on from the decision page', by: OONA.email },
        { kind: 'first' },
        undefined,
        'http://localhost',
      );
      const oonaUrl = new URL(raced!.url);
      const post = (url: URL) =>
        decisionEndpoint(rt)(
          httpEvent({
            method: 'POST',
            path: url.pathname,
            body: formBody({ ...REVIEW_FORM, k: url.searchParams.get('k')! }),
            domainName: '127.0.0.1:3000',
          }),
        );

      expect((await post(claraUrl)).statusCode).toBe(303);
      const second = await post(oonaUrl);
      expect(second.statusCode).toBe(409);
      expect(second.body).toContain('You decide for Clara Weber in this already; one person counts once, so nothing was recorded');
      expect(await getDecision(rt, review.pk, seatOf(OONA.email))).toBeUndefined();
      expect((await getDecision(rt, review.pk, seatOf(CLARA.email)))?.recipient.email).toBe(HANNAH.email);
      // The claim is evidence of who decided for whom; posting the first seat again changes nothing.
      expect(await getItem(rt, keys.decider(review.pk, HANNAH.email))).toMatchObject({
        decider: HANNAH.email,
        for: CLARA.email,
        seat: seatOf(CLARA.email),
      });
      expect((await post(claraUrl)).body).toContain('Already decided');
      expect((await post(oonaUrl)).body).toContain('You decide for Clara Weber');
      expect(await getDecision(rt, review.pk, seatOf(OONA.email))).toBeUndefined();
    });
  });
});

describe('one level per person in a resource request', () => {
  // Oona (level 1) and Farid (level 2) are both away, and each has Dora as deputy: she may act for one of them only.
  const base = testUnit();
  const unit = testUnit({
    resourceApproval: {
      ...base.resourceApproval,
      levels: base.resourceApproval.levels.map((l) => ({ ...l, approver: { ...l.approver, deputies: [DORA] } })),
    },
  });
  let rt: Runtime;
  let n = 0;
  beforeEach(async () => {
    rt = await freshRuntime(unit);
    for (const person of [OONA, FARID])
      await setAbsence(rt, { person, from: '2026-11-30', to: '2026-12-10', confirmed: false, setBy: 'local:test' });
  });

  /** A two-level request (EUR 15 000) by Irene, its level 1 issued: with Oona away, to Dora. */
  const twoLevels = async () => {
    const requestId = `req-sod-${++n}`;
    const request = {
      requestId,
      bu: unit.id,
      category: 'equipment',
      title: 'Two HSMs',
      justification: 'Key custody',
      amount: 15000,
      currency: 'EUR',
      requester: 'irene.schulz@example.com',
      submittedAt: '2026-11-27T10:00:00.000Z',
    };
    await recordRequest(rt)({ request, executionName: requestId });
    await issueLink(rt)({ requestId, level: 0 });
    return requestId;
  };
  /** A further link to the seat's holder (the deputy it was handed to, else the approver), as a reminder sends. */
  const holderUrl = async (requestId: string, level: number) => {
    const seat = (await getLink(rt, (await getRequest(rt, requestId)).levels[level].decisionId!))!;
    const holder = seat.handedTo ? (await getLink(rt, seat.handedTo))! : seat;
    return { holder, url: new URL((await reissueLink(rt, holder.decisionId, { kind: 'first' })).url) };
  };
  const approve = (url: URL) =>
    decisionEndpoint(rt)(
      httpEvent({ method: 'POST', path: url.pathname, body: formBody({ k: url.searchParams.get('k')!, choice: 'approve', comment: '' }) }),
    );

  it('the deputy of both absent approvers decides level 1 only: level 2 stays with Farid, who has no other deputy', async () => {
    const requestId = await twoLevels();
    const first = await holderUrl(requestId, 0);
    expect(first.holder.recipient.email).toBe(DORA.email);
    expect((await approve(first.url)).statusCode).toBe(303);
    // The workflow moves up: the level-2 link is issued after Dora's approval was recorded.
    await issueLink(rt)({ requestId, level: 1 });
    const second = await holderUrl(requestId, 1);
    expect(second.holder.recipient.email).toBe(FARID.email);
    expect((await ses.emails()).filter((e) => e.destination.to.includes(DORA.email) && /level 2|Level 2/.test(e.body.text ?? ''))).toEqual(
      [],
    );
  });

  it('a level-2 link that reaches the level-1 approver anyway (a stale hand-over) is refused at the POST: 409, nothing recorded', async () => {
    const requestId = await twoLevels();
    expect((await approve((await holderUrl(requestId, 0)).url)).statusCode).toBe(303);
    await issueLink(rt)({ requestId, level: 1 });
    const seat = (await getLink(rt, (await getRequest(rt, requestId)).levels[1].decisionId!))!;
    // What a hand-over that read the request before Dora's approval would do: pass Farid's level to her.
    const passed = await passSeat(
      rt,
      seat,
      DORA,
      { kind: 'handover', reason: 'Farid Haddad passed it on from the decision page', by: FARID.email },
      { kind: 'first' },
      undefined,
      'http://localhost',
    );
    const res = await approve(new URL(passed!.url));
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('decided level 1 &quot;');
    expect(res.body).toContain('one person, one level');
    const { levels } = await getRequest(rt, requestId);
    for (const id of [seat.decisionId, new URL(passed!.url).pathname.split('/').pop()!])
      expect(await getDecision(rt, keys.request(requestId).pk, id)).toBeUndefined();
    expect(levels[1].decisionId).toBe(seat.decisionId);
  });

  it('a link passed to the requester is refused at the POST: nobody approves their own request', async () => {
    const requestId = await twoLevels();
    const seat = (await getLink(rt, (await getRequest(rt, requestId)).levels[0].decisionId!))!;
    const holder = (await getLink(rt, seat.handedTo!))!;
    const passed = await passSeat(
      rt,
      holder,
      { name: 'Irene Schulz', email: 'irene.schulz@example.com' },
      { kind: 'handover', reason: 'Dora Deputy passed it on from the decision page', by: DORA.email },
      { kind: 'first' },
      undefined,
      'http://localhost',
    );
    const res = await approve(new URL(passed!.url));
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('is the requester');
    expect(await getDecision(rt, keys.request(requestId).pk, new URL(passed!.url).pathname.split('/').pop()!)).toBeUndefined();
  });

  it('an escalation that stops the level while its approver passes it on leaves the deputy no link that decides: the page answers 410, no email, nothing recorded', async () => {
    // Oona is back: she holds level 1 and passes it to Dora from the page; the escalation runs between the stop of her
    // link and the mint of Dora's, finding no deputy's link to stop.
    for (const a of await listAbsences(rt)) await endAbsence(rt, a.absenceId, 'local:test');
    const requestId = await twoLevels();
    const { holder, url } = await holderUrl(requestId, 0);
    expect(holder.recipient.email).toBe(OONA.email);
    let release!: () => void;
    let reached!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const atGate = new Promise<void>((r) => (reached = r));
    const ddb = Object.create(rt.ddb) as Runtime['ddb'];
    ddb.send = (async (command: any, ...rest: any[]) => {
      if (command instanceof PutCommand && command.input.Item?.kind === 'link' && command.input.Item?.actingFor) {
        reached();
        await gate;
      }
      return (rt.ddb.send as any)(command, ...rest);
    }) as Runtime['ddb']['send'];
    const handing = decisionEndpoint({ ...rt, ddb })(
      httpEvent({
        method: 'POST',
        path: url.pathname,
        body: formBody({ k: url.searchParams.get('k')!, action: 'pass', deputy: DORA.email }),
      }),
    );
    await atGate;
    await escalateRequest(rt)({ requestId, level: 0 });
    release();
    const page = await handing;
    expect(page.statusCode).toBe(410);
    const dora = (await getLink(rt, (await getLink(rt, holder.decisionId))!.handedTo!))!;
    expect(dora.recipient.email).toBe(DORA.email);
    expect(dora.supersededAt).toBeDefined();
    // Stopped before anyone had its secret: no email went to Dora, and no link to her decides (a reissue is refused too).
    await expect(reissueLink(rt, dora.decisionId, { kind: 'first' })).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect(await getDecision(rt, keys.request(requestId).pk, holder.decisionId)).toBeUndefined();
    expect((await ses.emails()).filter((e) => e.destination.to.includes(DORA.email))).toEqual([]);
  });
});
