// Deputies, seats, absences and content fingerprints (issue 15): the pure rules every workflow's decisions rely on.
import { describe, expect, it } from 'vitest';
import { deputiesOf, validateUnit } from '../../core/config';
import { absenceOn, checkAbsence, confirmRefusal, foldAbsences } from '../../core/absence';
import { canonicalJson } from '../../core/canonical-json';
import { fingerprint, requestFingerprint, shortFingerprint } from '../../core/fingerprint';
import { actingLabel, handOverRefusal, pickDeputy, seatDecision, seatHeldBy } from '../../core/seats';
import { decisionRecordOf, type DecisionRecord, type LinkItem } from '../../core/decisions';
import { tally } from '../../core/review-tally';
import { levelDecision } from '../../core/request';
import { loadBusinessUnits } from '../../lib/config-files';
import { testUnit } from '../support/units';

const emea = loadBusinessUnits().find((u) => u.id === 'example-emea')!;
const DORA = { name: 'Dora Deputy', email: 'dora.deputy@example.com' };
const MARK = { name: 'Mark Stand', email: 'mark.stand@example.com' };

/** EMEA with deputies: Dora then Mark for the chair Clara, Mark for Oona as level 1 approver. */
function withDeputies(change?: (u: any) => void) {
  const copy = structuredClone(emea) as any;
  copy.topManagement[0].deputies = [DORA, MARK];
  copy.resourceApproval.levels[0].approver.deputies = [MARK];
  change?.(copy);
  return copy;
}

describe('deputies in the config', () => {
  it('are accepted on top managers and level approvers, and found for every spelling of the person', () => {
    const { unit, problems } = validateUnit(withDeputies(), 'emea.json');
    expect(problems).toEqual([]);
    expect(deputiesOf(unit!, 'Clara.Weber+x@Example.com')).toEqual([DORA, MARK]);
    // Oona is a member without deputies and the level 1 approver with Mark: a person's deputies are those of all their roles.
    expect(deputiesOf(unit!, 'oona.byrne@example.com')).toEqual([MARK]);
    expect(deputiesOf(unit!, 'farid.haddad@example.com')).toEqual([]);
  });

  it('refuse a deputy who is the person themself, under any spelling or alias, naming the field and the rule', () => {
    const { problems } = validateUnit(
      withDeputies((u) => {
        u.topManagement[0].aliases = ['c.weber@holding.example'];
        u.topManagement[0].deputies = [{ name: 'Clara again', email: 'C.Weber+away@holding.example' }];
        u.resourceApproval.levels[0].approver.deputies = [MARK, { name: 'Mark', email: 'MARK.stand@example.com' }];
      }),
      'emea.json',
    );
    expect(problems).toEqual([
      'emea.json: topManagement[0].deputies[0].email: "C.Weber+away@holding.example" is "Clara Weber" themself; a deputy must be another person, who decides for them while they are absent',
      'emea.json: resourceApproval.levels[0].approver.deputies[1].email: "MARK.stand@example.com" is listed twice as a deputy of the same person',
    ]);
  });

  it('refuse deputies on roles that do not decide, and bad addresses', () => {
    const { problems } = validateUnit(
      withDeputies((u) => {
        u.ismsManager.deputies = [DORA];
        u.topManagement[1].deputies = [{ name: 'X', email: 'not-an-address' }];
      }),
      'emea.json',
    );
    expect(problems).toContain('emea.json: ismsManager.deputies: is not a known field');
    expect(problems).toContain('emea.json: topManagement[1].deputies[0].email: "not-an-address" is not an email address');
  });
});

const unit = () => testUnit(validateUnit(withDeputies(), 'x').unit!);

describe('pickDeputy', () => {
  it('takes the configured deputies in order, passing over one a rule bars, and says why', () => {
    const u = unit();
    expect(pickDeputy(u, 'clara.weber@example.com', () => undefined).to).toEqual(DORA);
    const barred = pickDeputy(u, 'clara.weber@example.com', (id) => (id === 'dora.deputy@example.com' ? 'is the requester' : undefined));
    expect(barred).toEqual({ to: MARK, skipped: ['deputy dora.deputy@example.com is the requester'] });
    expect(pickDeputy(u, 'clara.weber@example.com', () => 'decides level 2').to).toBeUndefined();
    expect(pickDeputy(u, 'farid.haddad@example.com', () => undefined)).toEqual({ skipped: ['farid.haddad@example.com has no deputy'] });
  });

  it('never picks the person for themself, even when named, and falls back to the configured deputies', () => {
    expect(pickDeputy(unit(), 'clara.weber@example.com', () => undefined, { name: 'C', email: 'CLARA.weber+x@example.com' })).toEqual({
      to: DORA,
      skipped: ['deputy CLARA.weber+x@example.com is the person themself'],
    });
  });
});

const link = (over: Partial<LinkItem> = {}): LinkItem => ({
  pk: 'LINK#d1',
  sk: 'LINK',
  kind: 'link',
  decisionId: 'd1',
  subjectType: 'review',
  subjectPk: 'REVIEW#r',
  subjectId: 'r',
  recipient: { name: 'Clara Weber', email: 'clara.weber@example.com', role: 'MD' },
  secretHashes: [],
  createdAt: '2026-12-01T00:00:00Z',
  expiresAt: '2026-12-02T00:00:00Z',
  secretExpiresAt: 0,
  ...over,
});
const click = (at: string, choice: DecisionRecord['choice'] = 'approve') => ({
  choice,
  comment: '',
  decidedAt: at,
  sourceIp: '',
  userAgent: '',
});
const deputyLink = link({
  pk: 'LINK#d2',
  decisionId: 'd2',
  seat: 'd1',
  recipient: { ...DORA, role: 'MD' },
  actingFor: { name: 'Clara Weber', email: 'clara.weber@example.com' },
});

describe('seats', () => {
  it('record a deputy decision under the original seat, naming both people', () => {
    const r = decisionRecordOf(deputyLink, click('2026-12-01T10:00:00Z'));
    expect(r).toMatchObject({
      sk: 'DECISION#d1',
      decisionId: 'd1',
      linkId: 'd2',
      recipient: { email: DORA.email },
      actingFor: { name: 'Clara Weber' },
    });
    expect(actingLabel(r.recipient, r.actingFor)).toBe('Dora Deputy for Clara Weber');
    expect(decisionRecordOf(link(), click('2026-12-01T10:00:00Z'))).not.toHaveProperty('linkId');
  });

  it('count each seat once in the tally: the deputy decision counts for the member, no stray one counts', () => {
    const members = [
      { name: 'Clara Weber', email: 'clara.weber@example.com', role: 'MD', decisionId: 'd1' },
      { name: 'Farid', email: 'farid.haddad@example.com', role: 'CFO', decisionId: 'd3' },
    ];
    const byDeputy = decisionRecordOf(deputyLink, click('2026-12-01T10:00:00Z'));
    const stray = decisionRecordOf(link({ decisionId: 'd9' }), click('2026-12-01T09:00:00Z'));
    const t = tally({ members, requiredApprovals: 2 }, [byDeputy, stray]);
    expect(t).toMatchObject({ approvals: 1, decided: 1 });
    expect(t.undecided.map((m) => m.decisionId)).toEqual(['d3']);
  });

  it('let the earliest decision of a seat hold it, a replaced decision included (request levels)', () => {
    const later = decisionRecordOf(link({ decisionId: 'e2' }), click('2026-12-01T11:00:00Z', 'reject'));
    const earlier = decisionRecordOf(deputyLink, click('2026-12-01T10:00:00Z'));
    expect(seatDecision(['e2', 'd1'], [later, earlier])).toBe(earlier);
    const subject = { levels: [{ index: 0, decisionId: 'e2', supersededDecisionIds: ['d1'] }] } as any;
    expect(levelDecision(subject, 0, [later, earlier])).toMatchObject({ decisionId: 'd1', choice: 'approve' });
  });

  it('tell the other side who holds the seat, and nothing to the holder itself', () => {
    const byDeputy = decisionRecordOf(deputyLink, click('2026-12-01T10:00:00Z'));
    expect(seatHeldBy(link(), byDeputy)).toBe(
      'Dora Deputy for Clara Weber decided the seat of Clara Weber first (2026-12-01T10:00:00Z); a seat counts once, so nothing was recorded through this link',
    );
    expect(seatHeldBy(deputyLink, byDeputy)).toBeUndefined();
    const byOriginal = decisionRecordOf(link(), click('2026-12-01T10:00:00Z'));
    expect(seatHeldBy(deputyLink, byOriginal)).toMatch(/^Clara Weber decided the seat of Clara Weber first/);
    expect(seatHeldBy(link(), byOriginal)).toBeUndefined();
  });

  it('allow a hand-over only from the seat holder to one of their configured deputies', () => {
    const u = unit();
    expect(handOverRefusal(u, link(), 'Dora.Deputy@example.com')).toBeUndefined();
    expect(handOverRefusal(u, link(), 'mallory@example.com')).toBe('mallory@example.com is not a configured deputy of Clara Weber');
    expect(handOverRefusal(u, deputyLink, 'clara.weber@example.com')).toMatch(/a deputy cannot pass a decision on/);
  });
});

describe('absences', () => {
  it('a deputy the config does not name is confirmed by the ISMS manager only: on AWS, the principal carries her address', () => {
    const u = testUnit();
    const sso = (name: string) => `arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_IsmsOps_0123456789abcdef/${name}`;
    expect(confirmRefusal(u, sso('irene.schulz@example.com'))).toBeUndefined();
    // Any spelling of her address, and an IAM user named by it.
    expect(confirmRefusal(u, sso('Irene.Schulz+ops@Example.com'))).toBeUndefined();
    expect(confirmRefusal(u, 'arn:aws:iam::123456789012:user/irene.schulz@example.com')).toBeUndefined();
    // The local runtime has no authenticated caller: whoever runs it is its ISMS manager.
    expect(confirmRefusal(u, 'local:irene')).toBeUndefined();
    expect(confirmRefusal(u, sso('mallory@example.com'))).toBe(
      `--confirm: only the ISMS manager (Irene Schulz <irene.schulz@example.com>) confirms a deputy the config does not name, and you are ${sso('mallory@example.com')}; nothing was stored. Name a configured deputy instead, or ask the ISMS manager`,
    );
    expect(confirmRefusal(u, 'arn:aws:iam::123456789012:user/deploy-bot')).toContain(
      ', whose name is no email address; nothing was stored',
    );
    // A name that only looks like local: is still an ARN, refused.
    expect(confirmRefusal(u, 'arn:aws:sts::123456789012:assumed-role/local:irene/x')).toBeDefined();
  });

  const events = [
    {
      type: 'absence.set',
      at: '2026-12-01T08:00:00Z',
      actor: 'local:irene',
      detail: {
        absenceId: 'a1',
        person: { name: 'Clara Weber', email: 'clara.weber@example.com' },
        from: '2026-12-01',
        to: '2026-12-10',
        confirmed: false,
      },
    },
    {
      type: 'absence.set',
      at: '2026-12-01T09:00:00Z',
      actor: 'local:irene',
      detail: {
        absenceId: 'a2',
        person: { name: 'Oona Byrne', email: 'oona.byrne@example.com' },
        from: '2026-12-01',
        to: '2026-12-03',
        deputy: MARK,
        confirmed: false,
      },
    },
    { type: 'absence.ended', at: '2026-12-02T09:00:00Z', actor: 'local:irene', detail: { absenceId: 'a2' } },
  ];

  it('fold into who is away on a day, ended absences excluded, every spelling of the person matched', () => {
    const u = unit();
    const all = foldAbsences(events);
    expect(all.map((a) => [a.absenceId, a.endedAt ?? null])).toEqual([
      ['a1', null],
      ['a2', '2026-12-02T09:00:00Z'],
    ]);
    expect(absenceOn(u, all, 'CLARA.Weber+x@example.com', '2026-12-10')?.absenceId).toBe('a1');
    expect(absenceOn(u, all, 'clara.weber@example.com', '2026-12-11')).toBeUndefined();
    expect(absenceOn(u, all, 'oona.byrne@example.com', '2026-12-02')).toBeUndefined();
  });

  it('are checked before anything is stored: person, days, a deputy who is configured or confirmed', () => {
    const u = unit();
    expect(checkAbsence(u, { person: 'clara.weber@example.com', from: '2026-12-01', to: '2026-12-05' })).toEqual({
      person: { name: 'Clara Weber', email: 'clara.weber@example.com' },
      deputy: undefined,
      unnamed: false,
      problems: [],
    });
    expect(checkAbsence(u, { person: 'nobody@example.com', from: '2026-12-05', to: '2026-12-01' }).problems).toEqual([
      '--person: "nobody@example.com" is not a top manager or approver of unit example-emea',
      '--to: 2026-12-01 is before --from 2026-12-05',
    ]);
    expect(
      checkAbsence(u, { person: 'clara.weber@example.com', from: '2026-12-01', to: '2026-12-05', deputy: 'eve@example.com' }).problems,
    ).toEqual([
      '--deputy: "eve@example.com" is not a configured deputy of Clara Weber (dora.deputy@example.com, mark.stand@example.com); add --confirm to confirm them as the ISMS manager',
    ]);
    expect(
      checkAbsence(u, {
        person: 'clara.weber@example.com',
        from: '2026-12-01',
        to: '2026-12-05',
        deputy: 'eve@example.com',
        confirm: true,
      }),
    ).toMatchObject({
      deputy: { email: 'eve@example.com' },
      unnamed: true,
      problems: [],
    });
    // A configured deputy needs no confirmation, --confirm or not: nothing is recorded as the ISMS manager's.
    expect(
      checkAbsence(u, {
        person: 'clara.weber@example.com',
        from: '2026-12-01',
        to: '2026-12-05',
        deputy: 'Mark.Stand@example.com',
        confirm: true,
      }),
    ).toMatchObject({ deputy: { email: 'mark.stand@example.com' }, unnamed: false, problems: [] });
    expect(checkAbsence(u, { person: 'farid.haddad@example.com', from: '2026-12-01', to: '2026-12-05' }).problems).toEqual([
      '--deputy: Farid Haddad has no configured deputy; name one with --deputy <email> --confirm',
    ]);
    expect(
      checkAbsence(u, {
        person: 'clara.weber@example.com',
        from: '2026-12-01',
        to: '2026-12-05',
        deputy: 'Clara.Weber@example.com',
        confirm: true,
      }).problems,
    ).toEqual(['--deputy: "Clara.Weber@example.com" is Clara Weber themself']);
  });
});

describe('fingerprints', () => {
  it('hash canonical JSON (RFC 8785): key order and undefined members change nothing', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x"\n'], c: undefined, é: 1.5e21, A: -0 })).toBe(
      '{"A":0,"a":[true,null,"x\\"\\n"],"b":1,"é":1.5e+21}',
    );
    // RFC 8785 3.2.3: sorted by UTF-16 code units (the emoji's surrogate sorts before U+FB33).
    expect(canonicalJson({ '\ufb33': 1, '😀': 2 })).toBe('{"😀":2,"דּ":1}');
    expect(fingerprint({ a: 1, b: 2 })).toBe(fingerprint({ b: 2, a: 1 }));
    expect(fingerprint({ a: 1 })).toBe('015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862');
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/NaN/);
  });

  it('of a request cover what was submitted, not its state, and show as 12 characters', () => {
    const request = { requestId: 'req-1', title: 'Laptops', amount: 25000, currency: 'EUR', requester: 'a@example.com', status: 'pending' };
    const f = requestFingerprint(request);
    expect(requestFingerprint({ ...request, status: 'approved', currentLevel: 2 })).toBe(f);
    expect(requestFingerprint({ ...request, amount: 25001 })).not.toBe(f);
    expect(shortFingerprint(f)).toBe(f.slice(0, 12));
  });
});
