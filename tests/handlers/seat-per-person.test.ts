// One person, one seat (issue 15): a deputy who is also a member of the review holds their own seat and may not take an
// absent member's too, or they would count twice towards the quorum. The absent member keeps their seat instead.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Runtime } from '../../lambdas/shared/runtime';
import { getLink } from '../../lambdas/shared/links';
import { setAbsence } from '../../lambdas/shared/delegation';
import { getReview } from '../../lambdas/shared/review-store';
import { createHandler as openReview } from '../../lambdas/review-open';
import { createHandler as compilePack } from '../../lambdas/review-compile-pack';
import { createHandler as issueLinks } from '../../lambdas/review-issue-links';
import { anyBar, memberSeatBar, pickDeputy } from '../../core/seats';
import { testRuntime, testUnit } from '../support/local-aws';
import { sharedDynalite, sharedSes } from '../support/shared-emulators';

const CLARA = { name: 'Clara Weber', email: 'clara.weber@example.com' };
const FARID = { name: 'Farid Haddad', email: 'farid.haddad@example.com' };
const HANNAH = { name: 'Hannah Vogel', email: 'hannah.vogel@example.com' };

describe('one seat per person', () => {
  // Clara's first deputy is Farid, himself a member; her second is Hannah, who is not.
  const base = testUnit();
  const unit = testUnit({
    topManagement: base.topManagement.map((m) => (m.email === CLARA.email ? { ...m, deputies: [FARID, HANNAH] } : m)),
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
    let dynamo: Awaited<ReturnType<typeof sharedDynalite>>;
    let ses: Awaited<ReturnType<typeof sharedSes>>;
    let rt: Runtime;
    beforeAll(async () => {
      [dynamo, ses] = await Promise.all([sharedDynalite(), sharedSes()]);
    });
    afterAll(async () => {
      await Promise.all([dynamo?.close(), ses?.close()]);
    });
    beforeEach(async () => {
      rt = await testRuntime({
        dynamoEndpoint: dynamo.endpoint,
        sesEndpoint: ses.endpoint,
        unit,
        now: () => new Date('2026-12-01T09:00:00Z'),
      });
      await ses.clear();
    });

    it('an absence naming a member as deputy (even confirmed) leaves the seat with the next deputy, never with that member', async () => {
      await setAbsence(rt, { person: CLARA, from: '2026-11-30', to: '2026-12-10', deputy: FARID, confirmed: true, setBy: 'local:test' });
      const id = `${unit.id}#2026-Q4`;
      await openReview(rt)({ input: { bu: unit.id, period: '2026-Q4', trigger: 'cli' }, executionId: 'e' });
      await compilePack(rt)({ reviewId: id });
      await issueLinks(rt)({ reviewId: id });
      const clara = (await getReview(rt, id))!.members.find((m) => m.email === CLARA.email)!;
      const seat = (await getLink(rt, clara.decisionId!))!;
      const holder = (await getLink(rt, seat.handedTo!))!;
      expect(holder.recipient.email).toBe(HANNAH.email);
      expect(holder.actingFor?.email).toBe(CLARA.email);
      // Farid was invited to his own seat only.
      const toFarid = (await ses.emails()).filter((e) => e.destination.to.includes(FARID.email));
      expect(toFarid.map((e) => e.subject)).toEqual([expect.stringMatching(/^Decision needed: /)]);
    });
  });
});
