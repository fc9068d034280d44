// Approval routing: thresholds at, below and above each level, categories, one-level policies, self-approval, the wait rule.
import { describe, expect, it } from 'vitest';
import { businessUnitSchema, type BusinessUnitConfig } from '../../lib/config';
import { escalationTarget, requestWaitOutcome, routeRequest } from '../../lambdas/shared/request';
import type { DecisionRecord } from '../../lambdas/shared/links';
import type { RequestItem } from '../../lambdas/shared/subjects';
import { testUnit } from '../support/local-aws';

const person = (n: string) => ({ name: n, email: `${n.toLowerCase()}@example.com` });

function unitWith(levels: unknown[]): BusinessUnitConfig {
  const base = testUnit();
  return businessUnitSchema.parse({ ...base, resourceApproval: { currency: 'EUR', levels } });
}

const threeLevels = unitWith([
  { name: 'ISMS sponsor', fromAmount: 0, approver: person('Sponsor'), escalationContact: person('Coo') },
  { name: 'CFO', fromAmount: 10000, approver: person('Cfo'), escalationContact: person('Ceo') },
  { name: 'CEO', fromAmount: 100000, approver: person('Ceo'), escalationContact: person('Board') },
]);

const names = (unit: BusinessUnitConfig, amount: number, category: any = 'financial', requester = 'someone@example.com') =>
  routeRequest(unit, { amount, category, requester }).levels.map((l) => l.name);

describe('routeRequest thresholds', () => {
  it.each([
    [0, ['ISMS sponsor']],
    [0.01, ['ISMS sponsor']],
    [9999.99, ['ISMS sponsor']],
    [10000, ['ISMS sponsor', 'CFO']],
    [10000.01, ['ISMS sponsor', 'CFO']],
    [99999.99, ['ISMS sponsor', 'CFO']],
    [100000, ['ISMS sponsor', 'CFO', 'CEO']],
    [100000.01, ['ISMS sponsor', 'CFO', 'CEO']],
    [5_000_000, ['ISMS sponsor', 'CFO', 'CEO']],
  ])('amount %s needs %j, lowest first', (amount, expected) => {
    expect(names(threeLevels, amount)).toEqual(expected);
  });

  it('numbers the route from 0 and keeps each level approver and contact', () => {
    const route = routeRequest(threeLevels, { amount: 100000, category: 'human', requester: 'x@example.com' });
    expect(route.routable).toBe(true);
    expect(route.levels.map((l) => [l.index, l.approver.email, l.escalationContact.email])).toEqual([
      [0, 'sponsor@example.com', 'coo@example.com'],
      [1, 'cfo@example.com', 'ceo@example.com'],
      [2, 'ceo@example.com', 'board@example.com'],
    ]);
    expect(route.levels.every((l) => l.reroutedReason === undefined && l.approver.email === l.configuredApprover.email)).toBe(true);
  });

  it('a policy with one level routes every amount to it', () => {
    const one = unitWith([{ name: 'Director', fromAmount: 0, approver: person('Director'), escalationContact: person('Board') }]);
    expect(names(one, 0)).toEqual(['Director']);
    expect(names(one, 1e9)).toEqual(['Director']);
  });
});

describe('routeRequest categories', () => {
  const unit = unitWith([
    { name: 'Sponsor', fromAmount: 0, approver: person('Sponsor'), escalationContact: person('Coo') },
    { name: 'HR director', fromAmount: 0.01, approver: person('Hr'), escalationContact: person('Coo'), categories: ['human'] },
    { name: 'CTO', fromAmount: 5000, approver: person('Cto'), escalationContact: person('Ceo'), categories: ['equipment', 'infrastructure-technology'] },
    { name: 'CFO', fromAmount: 20000, approver: person('Cfo'), escalationContact: person('Ceo') },
  ]);

  it('applies a level with categories only to those categories', () => {
    expect(names(unit, 6000, 'human')).toEqual(['Sponsor', 'HR director']);
    expect(names(unit, 6000, 'equipment')).toEqual(['Sponsor', 'CTO']);
    expect(names(unit, 6000, 'infrastructure-technology')).toEqual(['Sponsor', 'CTO']);
    expect(names(unit, 6000, 'financial')).toEqual(['Sponsor']);
  });

  it('still needs the amount: a category level below its threshold does not apply', () => {
    expect(names(unit, 4999.99, 'equipment')).toEqual(['Sponsor']);
    expect(names(unit, 5000, 'equipment')).toEqual(['Sponsor', 'CTO']);
    expect(names(unit, 0, 'human')).toEqual(['Sponsor']);
  });

  it('a level without categories applies to every category at its amount', () => {
    expect(names(unit, 20000, 'financial')).toEqual(['Sponsor', 'CFO']);
    expect(names(unit, 20000, 'equipment')).toEqual(['Sponsor', 'CTO', 'CFO']);
    expect(routeRequest(unit, { amount: 20000, category: 'equipment', requester: 'a@example.com' }).levels.map((l) => l.index)).toEqual([0, 1, 2]);
  });
});

describe('self-approval (segregation of duties)', () => {
  it('reroutes a level whose approver is the requester to its escalation contact, case-insensitively, saying why', () => {
    const route = routeRequest(threeLevels, { amount: 20000, category: 'financial', requester: 'CFO@Example.com' });
    expect(route.routable).toBe(true);
    if (!route.routable) return;
    expect(route.levels[0].approver.email).toBe('sponsor@example.com');
    expect(route.levels[1].approver.email).toBe('ceo@example.com');
    expect(route.levels[1].configuredApprover.email).toBe('cfo@example.com');
    expect(route.levels[1].reroutedReason).toMatch(/self-approval.*cfo@example\.com.*A\.5\.3.*ceo@example\.com/);
    expect(route.reroutes).toEqual([expect.objectContaining({ level: 1, from: person('Cfo'), to: person('Ceo') })]);
  });

  it('does not reroute when the requester is only the escalation contact', () => {
    const route = routeRequest(threeLevels, { amount: 50, category: 'financial', requester: 'coo@example.com' });
    expect(route.routable && route.reroutes).toEqual([]);
  });

  it('is unroutable when the escalation contact is the requester too', () => {
    const unit = unitWith([
      { name: 'Sponsor', fromAmount: 0, approver: person('Sponsor'), escalationContact: person('Coo') },
      { name: 'CFO', fromAmount: 1000, approver: person('Cfo'), escalationContact: person('Cfo') },
    ]);
    const route = routeRequest(unit, { amount: 1000, category: 'financial', requester: 'cfo@EXAMPLE.com' });
    expect(route.routable).toBe(false);
    if (route.routable) return;
    expect(route.level).toBe(1);
    expect(route.reason).toMatch(/unroutable.*"CFO".*cfo@EXAMPLE\.com/);
    // Below the CFO threshold the same requester is fine.
    expect(routeRequest(unit, { amount: 999, category: 'financial', requester: 'cfo@example.com' }).routable).toBe(true);
  });

  it('never escalates to the requester, nor to the person already deciding', () => {
    const levels = routeRequest(threeLevels, { amount: 20000, category: 'financial', requester: 'coo@example.com' }).levels;
    expect(escalationTarget({ requester: 'COO@example.com' }, levels[0])).toEqual({ escalate: false, reason: expect.stringMatching(/is the requester/) });
    expect(escalationTarget({ requester: 'coo@example.com' }, levels[1])).toEqual({ escalate: true, to: person('Ceo') });
    const rerouted = routeRequest(threeLevels, { amount: 20000, category: 'financial', requester: 'cfo@example.com' }).levels[1];
    expect(escalationTarget({ requester: 'cfo@example.com' }, rerouted)).toEqual({ escalate: false, reason: expect.stringMatching(/already holds/) });
  });
});

describe('requestWaitOutcome', () => {
  const route = routeRequest(threeLevels, { amount: 20000, category: 'financial', requester: 'x@example.com' });
  const item = (currentLevel: number, extra: Partial<RequestItem> = {}): RequestItem =>
    ({
      pk: 'REQUEST#r1', sk: 'REQUEST', kind: 'request', gsi1pk: 'REQUESTS', gsi1sk: 's', requestId: 'r1', bu: 'b', category: 'financial',
      title: 't', justification: 'j', amount: 20000, currency: 'EUR', requester: 'x@example.com', submittedAt: 's', status: 'pending',
      levels: route.levels.map((l, i) => ({ ...l, decisionId: `d${i}` })), currentLevel, ...extra,
    }) as RequestItem;
  const decision = (decisionId: string, choice: DecisionRecord['choice'], decidedAt = '2026-01-01T00:00:00Z'): DecisionRecord => ({
    pk: 'REQUEST#r1', sk: `DECISION#${decisionId}`, kind: 'decision', decisionId, subjectType: 'request', subjectId: 'r1',
    recipient: { name: 'A', email: 'a@example.com' }, choice, comment: 'fine', decidedAt, sourceIp: '', userAgent: '',
  });

  it('waits until the current level is decided; a decision of another level does not count', () => {
    expect(requestWaitOutcome(item(1), []).complete).toBe(false);
    expect(requestWaitOutcome(item(1), [decision('d0', 'approve')]).complete).toBe(false);
  });

  it('completes with the choice and whether the level was the last', () => {
    expect(requestWaitOutcome(item(0), [decision('d0', 'approve')])).toEqual({
      complete: true,
      output: expect.objectContaining({ level: 0, choice: 'approve', decisionId: 'd0', decidedBy: 'a@example.com', isLast: false, nextLevel: 1, comment: 'fine' }),
    });
    expect(requestWaitOutcome(item(1), [decision('d0', 'approve'), decision('d1', 'reject')]).output).toMatchObject({ level: 1, choice: 'reject', isLast: true });
  });

  it('counts a decision on a link replaced by escalation, and takes the earliest', () => {
    const it0 = item(0);
    (it0.levels[0] as any).supersededDecisionIds = ['old'];
    it0.levels[0].decisionId = 'new';
    const out = requestWaitOutcome(it0, [decision('new', 'approve', '2026-01-02T00:00:00Z'), decision('old', 'reject', '2026-01-01T00:00:00Z')]);
    expect(out.output).toMatchObject({ choice: 'reject', decisionId: 'old' });
  });

  it('never completes a closed request', () => {
    expect(requestWaitOutcome(item(0, { status: 'approved' }), [decision('d0', 'approve')]).complete).toBe(false);
  });
});
