// Approval routing: thresholds at, below and above each level, categories, one-level policies, self-approval, the wait rule.
import { describe, expect, it } from 'vitest';
import { businessUnitSchema, type BusinessUnitConfig } from '../../core/config';
import { escalationTarget, requestWaitOutcome, routeRequest } from '../../core/request';
import { outcomeEmail } from '../../core/request-emails';
import type { DecisionRecord } from '../../core/decisions';
import type { RequestItem } from '../../core/subjects';
import { testUnit } from '../support/units';

const person = (n: string) => ({ name: n, email: `${n.toLowerCase()}@example.com` });

/** The test unit with these levels (and, if given, these unit-wide escalation contacts instead of the Board Office). */
function unitWith(levels: unknown[], escalationContacts?: unknown[]): BusinessUnitConfig {
  const base = testUnit();
  return businessUnitSchema.parse({
    ...base,
    ...(escalationContacts ? { escalationContacts } : {}),
    resourceApproval: { currency: 'EUR', levels },
  });
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
    {
      name: 'CTO',
      fromAmount: 5000,
      approver: person('Cto'),
      escalationContact: person('Ceo'),
      categories: ['equipment', 'infrastructure-technology'],
    },
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
    expect(routeRequest(unit, { amount: 20000, category: 'equipment', requester: 'a@example.com' }).levels.map((l) => l.index)).toEqual([
      0, 1, 2,
    ]);
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

  it("goes on to the unit's escalation contacts when the level's contact is the requester too", () => {
    const unit = unitWith([
      { name: 'Sponsor', fromAmount: 0, approver: person('Sponsor'), escalationContact: person('Coo') },
      { name: 'CFO', fromAmount: 1000, approver: person('Cfo'), escalationContact: person('Cfo') },
    ]);
    const route = routeRequest(unit, { amount: 1000, category: 'financial', requester: 'cfo@EXAMPLE.com' });
    expect(route.routable && route.levels[1].approver.email).toBe('board-office-emea@example.com');
    expect(route.routable && route.levels[1].reroutedReason).toMatch(
      /self-approval.*goes to the unit's escalation contact board-office-emea@example\.com.*cfo@example\.com is the requester/,
    );
  });

  it("is unroutable when the escalation contact and the unit's escalation contacts are the requester too", () => {
    const unit = unitWith(
      [
        { name: 'Sponsor', fromAmount: 0, approver: person('Sponsor'), escalationContact: person('Coo') },
        { name: 'CFO', fromAmount: 1000, approver: person('Cfo'), escalationContact: person('Cfo') },
      ],
      [person('Cfo')],
    );
    const route = routeRequest(unit, { amount: 1000, category: 'financial', requester: 'cfo@EXAMPLE.com' });
    expect(route.routable).toBe(false);
    if (route.routable) return;
    expect(route.level).toBe(1);
    expect(route.reason).toMatch(/unroutable.*"CFO".*cfo@EXAMPLE\.com/);
    // Below the CFO threshold the same requester is fine.
    expect(routeRequest(unit, { amount: 999, category: 'financial', requester: 'cfo@example.com' }).routable).toBe(true);
  });

  it("never escalates to the requester, nor to the person already deciding: the unit's escalation contacts come next", () => {
    const item = (unit: BusinessUnitConfig, requester: string) => ({
      requester,
      levels: routeRequest(unit, { amount: 20000, category: 'financial', requester }).levels,
    });
    const coo = item(threeLevels, 'COO@example.com');
    expect(escalationTarget(threeLevels, coo, 0)).toEqual({
      escalate: true,
      to: { name: 'Board Office EMEA', email: 'board-office-emea@example.com' },
    });
    expect(escalationTarget(threeLevels, coo, 1)).toEqual({ escalate: true, to: person('Ceo') });
    const rerouted = item(threeLevels, 'cfo@example.com');
    expect(rerouted.levels[1].approver).toEqual(person('Ceo'));
    expect(escalationTarget(threeLevels, rerouted, 1)).toEqual({
      escalate: true,
      to: { name: 'Board Office EMEA', email: 'board-office-emea@example.com' },
    });
    // With nobody else among the unit's contacts, the escalation is skipped and says why.
    const cfoOnly = unitWith(threeLevels.resourceApproval.levels, [person('Cfo')]);
    expect(escalationTarget(cfoOnly, item(cfoOnly, 'coo@example.com'), 0)).toEqual({
      escalate: false,
      reason: expect.stringMatching(/coo@example\.com is the requester.*cfo@example\.com holds level 2 "CFO"/),
    });
    const sponsorOnly = unitWith(threeLevels.resourceApproval.levels, [person('Sponsor')]);
    expect(escalationTarget(sponsorOnly, item(sponsorOnly, 'cfo@example.com'), 1)).toEqual({
      escalate: false,
      reason: expect.stringMatching(/ceo@example\.com already holds this decision.*sponsor@example\.com holds level 1/),
    });
  });
});

describe('requestWaitOutcome', () => {
  const route = routeRequest(threeLevels, { amount: 20000, category: 'financial', requester: 'x@example.com' });
  const item = (currentLevel: number, extra: Partial<RequestItem> = {}): RequestItem =>
    ({
      pk: 'REQUEST#r1',
      sk: 'REQUEST',
      kind: 'request',
      gsi1pk: 'REQUESTS',
      gsi1sk: 's',
      requestId: 'r1',
      bu: 'b',
      category: 'financial',
      title: 't',
      justification: 'j',
      amount: 20000,
      currency: 'EUR',
      requester: 'x@example.com',
      submittedAt: 's',
      status: 'pending',
      levels: route.levels.map((l, i) => ({ ...l, decisionId: `d${i}` })),
      currentLevel,
      ...extra,
    }) as RequestItem;
  const decision = (decisionId: string, choice: DecisionRecord['choice'], decidedAt = '2026-01-01T00:00:00Z'): DecisionRecord => ({
    pk: 'REQUEST#r1',
    sk: `DECISION#${decisionId}`,
    kind: 'decision',
    decisionId,
    subjectType: 'request',
    subjectId: 'r1',
    recipient: { name: 'A', email: 'a@example.com' },
    choice,
    comment: 'fine',
    decidedAt,
    sourceIp: '',
    userAgent: '',
  });

  it('waits until the current level is decided; a decision of another level does not count', () => {
    expect(requestWaitOutcome(item(1), []).complete).toBe(false);
    expect(requestWaitOutcome(item(1), [decision('d0', 'approve')]).complete).toBe(false);
  });

  it('completes with the choice and whether the level was the last', () => {
    expect(requestWaitOutcome(item(0), [decision('d0', 'approve')])).toEqual({
      complete: true,
      output: expect.objectContaining({
        level: 0,
        choice: 'approve',
        decisionId: 'd0',
        decidedBy: 'a@example.com',
        isLast: false,
        nextLevel: 1,
        comment: 'fine',
      }),
    });
    expect(requestWaitOutcome(item(1), [decision('d0', 'approve'), decision('d1', 'reject')]).output).toMatchObject({
      level: 1,
      choice: 'reject',
      isLast: true,
    });
  });

  it('counts a decision on a link replaced by escalation, and takes the earliest', () => {
    const it0 = item(0);
    (it0.levels[0] as any).supersededDecisionIds = ['old'];
    it0.levels[0].decisionId = 'new';
    const out = requestWaitOutcome(it0, [
      decision('new', 'approve', '2026-01-02T00:00:00Z'),
      decision('old', 'reject', '2026-01-01T00:00:00Z'),
    ]);
    expect(out.output).toMatchObject({ choice: 'reject', decisionId: 'old' });
  });

  it('never completes a closed request', () => {
    expect(requestWaitOutcome(item(0, { status: 'approved' }), [decision('d0', 'approve')]).complete).toBe(false);
  });
});

// Issue 9, finding 2: `--requester oona.byrne+x@example.com` routed level 1 to Oona, who approved her own request.
describe('people are identities, not strings (docs/architecture.md#people-are-identities)', () => {
  const emea = testUnit();
  const OONA = 'oona.byrne@example.com';
  const CLARA = 'clara.weber@example.com';
  const withAlias = businessUnitSchema.parse({
    ...emea,
    topManagement: emea.topManagement.map((m) => (m.email === OONA ? { ...m, aliases: ['o.byrne@example-holding.com'] } : m)),
  });

  it.each([
    ['a plus-tag', emea, 'oona.byrne+x@example.com'],
    ['capitals and a plus-tag', emea, ' OONA.BYRNE+Budget@EXAMPLE.COM '],
    ['a configured alias (listed on her member entry, applying to her approver role)', withAlias, 'O.Byrne@example-holding.com'],
  ])('a requester writing their address with %s does not approve their own request', (_how, unit, requester) => {
    const route = routeRequest(unit, { amount: 500, category: 'equipment', requester });
    expect(route.routable).toBe(true);
    expect(route.levels[0].approver.email).toBe(CLARA);
    expect(route.levels[0].reroutedReason).toMatch(
      /^self-approval: oona\.byrne@example\.com is the requester .*\(oona\.byrne@example\.com\)/,
    );
  });

  it("escalation never reaches the requester under an alias: the unit's contact takes it", () => {
    const requester = 'clara.weber+me@example.com';
    const route = routeRequest(emea, { amount: 500, category: 'equipment', requester });
    expect(route.levels[0].approver.email).toBe(OONA);
    expect(escalationTarget(emea, { requester, levels: route.levels }, 0)).toEqual({
      escalate: true,
      to: { name: 'Board Office EMEA', email: 'board-office-emea@example.com' },
    });
  });

  it('whoever submitted it, when their AWS session names them (IAM Identity Center), does not approve it either', () => {
    const submittedBy = 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Requesters_0123456789abcdef/Oona.Byrne@example.com';
    const route = routeRequest(emea, { amount: 500, category: 'equipment', requester: 'ann@example.com', submittedBy });
    expect(route.levels[0].approver.email).toBe(CLARA);
    expect(route.levels[0].reroutedReason).toContain(`self-approval: ${OONA} submitted the request (as ${submittedBy})`);
    const clara = routeRequest(emea, {
      amount: 500,
      category: 'equipment',
      requester: 'ann@example.com',
      submittedBy: submittedBy.replace('Oona.Byrne', 'clara.weber'),
    });
    expect(
      escalationTarget(
        emea,
        { requester: 'ann@example.com', submittedBy: submittedBy.replace('Oona.Byrne', 'clara.weber'), levels: clara.levels },
        0,
      ),
    ).toEqual({
      escalate: true,
      to: { name: 'Board Office EMEA', email: 'board-office-emea@example.com' },
    });
    // A role session or local user that names no address changes nothing.
    expect(
      routeRequest(emea, { amount: 500, category: 'equipment', requester: 'ann@example.com', submittedBy: 'local:oona' }).levels[0].approver
        .email,
    ).toBe(OONA);
  });

  it('the ISMS manager asking is not copied on the outcome a second time under another spelling', () => {
    const item = {
      requester: 'Irene.Schulz+req@example.com',
      title: 't',
      justification: 'j',
      category: 'equipment',
      amount: 5,
      currency: 'EUR',
      levels: [],
    } as unknown as RequestItem;
    expect(outcomeEmail({ unit: emea, request: item, outcome: 'expired' })).toMatchObject({
      to: ['Irene.Schulz+req@example.com'],
      cc: undefined,
    });
  });
});

// Issue 9, finding 3: Clara is escalation contact of levels 1 and 2 and approver of level 3 of example-emea, so escalation
// let her approve a 150 000 EUR request alone.
describe('one person decides at most one level of a request', () => {
  const emea = testUnit();
  const [OONA, FARID, CLARA, BOARD] = [
    'oona.byrne@example.com',
    'farid.haddad@example.com',
    'clara.weber@example.com',
    'board-office-emea@example.com',
  ];
  const board = { name: 'Board Office EMEA', email: BOARD };

  it('escalation passes over whoever holds another level, then over whoever decided one', () => {
    const route = routeRequest(emea, { amount: 150000, category: 'financial', requester: 'irene.schulz@example.com' });
    expect(route.levels.map((l) => l.approver.email)).toEqual([OONA, FARID, CLARA]);
    const request = { requester: 'irene.schulz@example.com', levels: route.levels.map((l) => ({ ...l })) };
    // Level 1 is overdue: Clara, its escalation contact, holds level 3, so the Board Office takes it.
    expect(escalationTarget(emea, request, 0)).toEqual({ escalate: true, to: board });
    Object.assign(request.levels[0], { approver: board, outcome: 'approved', decidedBy: BOARD });
    // Level 2 is overdue: Clara holds level 3, the Board Office decided level 1: nobody else may take it.
    const second = escalationTarget(emea, request, 1);
    expect(second).toEqual({ escalate: false, reason: expect.stringContaining(`${CLARA} holds level 3 "Managing Director"`) });
    expect(second).toEqual({ escalate: false, reason: expect.stringContaining(`${BOARD} decided level 1 "ISMS sponsor"`) });
  });

  it("a decision recorded by someone else than the level's approver (a click before escalation) still counts as theirs", () => {
    const route = routeRequest(emea, { amount: 15000, category: 'financial', requester: 'irene.schulz@example.com' });
    const request = { requester: 'irene.schulz@example.com', levels: route.levels.map((l) => ({ ...l })) };
    Object.assign(request.levels[0], {
      approver: { name: 'Clara Weber', email: CLARA },
      outcome: 'approved',
      decidedBy: 'Clara.Weber@example.com',
    });
    expect(escalationTarget(emea, request, 1)).toEqual({ escalate: true, to: board });
  });

  it('routing keeps each configured approver where it can and moves the other level to the next distinct contact', () => {
    // Oona asks for 150 000: her level goes past Clara (who approves level 3) to the Board Office.
    const route = routeRequest(emea, { amount: 150000, category: 'financial', requester: OONA });
    expect(route.routable && route.levels.map((l) => l.approver.email)).toEqual([BOARD, FARID, CLARA]);
    expect(route.routable && route.reroutes[0].reason).toMatch(
      /goes to the unit's escalation contact board-office-emea@example\.com \(clara\.weber@example\.com decides level 3 "Managing Director"\)/,
    );
  });

  it('one approver of two levels decides the lower; the higher goes to its escalation contact', () => {
    const unit = unitWith([
      { name: 'Sponsor', fromAmount: 0, approver: person('Ceo'), escalationContact: person('Coo') },
      { name: 'CEO', fromAmount: 1000, approver: { name: 'CEO', email: 'CEO+approvals@example.com' }, escalationContact: person('Board') },
    ]);
    const route = routeRequest(unit, { amount: 5000, category: 'financial', requester: 'x@example.com' });
    expect(route.routable && route.levels.map((l) => l.approver.email)).toEqual(['ceo@example.com', 'board@example.com']);
    expect(route.routable && route.levels[1].reroutedReason).toMatch(
      /^one person, one level: CEO\+approvals@example\.com approves level 1 "Sponsor"/,
    );
  });

  it('is unroutable when every candidate for a level holds another one or asked', () => {
    const unit = unitWith(
      [
        { name: 'Sponsor', fromAmount: 0, approver: person('Ceo'), escalationContact: person('Coo') },
        { name: 'CEO', fromAmount: 1000, approver: person('Ceo'), escalationContact: person('Coo') },
      ],
      [person('Ceo')],
    );
    const route = routeRequest(unit, { amount: 5000, category: 'financial', requester: 'coo@example.com' });
    expect(route.routable).toBe(false);
    expect(!route.routable && route.reason).toMatch(
      /^unroutable: level "CEO" has nobody .*one person, one level.*coo@example\.com is the requester/,
    );
  });
});
