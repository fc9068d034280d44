// The clause map: one row per requirement, in order, each saying what the evidence holds or plainly that it is not covered.
import { describe, expect, it } from 'vitest';
import { CLAUSE_ROWS, clauseMap, NOT_COVERED } from '../../core/clause-map';
import { buildUnitReport, type UnitReport } from '../../core/report-model';
import { fixed, source, withPolicyEvidence } from '../support/report-fixtures';

const anchor = (r: UnitReport, s: string) => `${r.unit.id}-${s}`;
const rowsOf = (reports: UnitReport[]) => Object.fromEntries(clauseMap({ reports, anchor }).map((r) => [r.clause, r]));

describe('clause map', () => {
  const rows = rowsOf([buildUnitReport(fixed())]);

  it('has every requirement of 5.1 a-h, 5.2, 6.2, 7.1, 9.3.1, 9.3.2 a-g and 9.3.3, in clause order', () => {
    expect(CLAUSE_ROWS.map((r) => r.clause)).toEqual([
      '5.1 a)',
      '5.1 b)',
      '5.1 c)',
      '5.1 d)',
      '5.1 e)',
      '5.1 f)',
      '5.1 g)',
      '5.1 h)',
      '5.2',
      '6.2',
      '7.1',
      '9.3.1',
      '9.3.2 a)',
      '9.3.2 b)',
      '9.3.2 c)',
      '9.3.2 d)',
      '9.3.2 e)',
      '9.3.2 f)',
      '9.3.2 g)',
      '9.3.3',
    ]);
  });

  it('integration into processes: plainly not covered, with what to ask for, and no link', () => {
    expect(rows['5.1 b)'].coverage).toBe('not covered');
    expect(rows['5.1 b)'].evidence.startsWith(`${NOT_COVERED}; ask for`)).toBe(true);
    expect(rows['5.1 b)'].links).toEqual([]);
  });

  it('policy and objectives with nothing submitted in the range: not covered in this range, with what to ask for, and no link', () => {
    for (const clause of ['5.1 a)', '5.2', '6.2']) {
      expect(rows[clause].coverage).toBe('not covered');
      expect(rows[clause].evidence).toMatch(
        new RegExp(`^${NOT_COVERED} in this range \\(no policy or objectives submitted .*\\); ask for`),
      );
      expect(rows[clause].links).toEqual([]);
    }
    expect(rows['9.3.2 d)'].evidence).not.toMatch(/objectives/);
  });

  it('policy and objectives approved in the range: who, when, quorum, communication, re-confirmation, measurements, with a link', () => {
    const p = rowsOf([buildUnitReport(withPolicyEvidence(fixed()))]);
    expect(p['5.1 a)']).toMatchObject({
      coverage: 'evidence',
      evidence:
        'information security policy version 1.0 approved 2026-03-02 10:00 UTC by 2 of 2 required (quorum reached); information security objectives version 1 approved 2026-03-06 09:00 UTC by 2 of 2 required (quorum reached)',
      links: [{ anchor: 'emea-policy', text: 'policy and objectives' }],
    });
    expect(p['5.2']).toMatchObject({
      coverage: 'evidence',
      evidence: `information security policy version 1.0 approved 2026-03-02 10:00 UTC by 2 of 2 required (quorum reached), SHA-256 ${'a1'.repeat(32)}; communicated 2026-03-02 10:01 UTC to 2 addresses; re-confirmation due 2027-03-02 10:00 UTC`,
    });
    // OBJ-2 was never measured: partly.
    expect(p['6.2']).toMatchObject({
      coverage: 'partly',
      evidence: expect.stringMatching(
        /objectives version 1 approved .*: 2 objectives, each with measure, target, owner and due date; 1 with a recorded measurement, 2 measurements in the range$/,
      ),
    });
    expect(p['9.3.2 d)'].evidence).toMatch(/; approved objectives with their latest status reported in the pack of 1 of 3 reviews$/);
    expect(p['9.3.2 d)'].links.map((l) => l.anchor)).toEqual(['emea-reviews', 'emea-policy']);
  });

  it('a policy approved before the range and in force in it counts, says so, and its recorded overdue re-confirmation shows', () => {
    const src = withPolicyEvidence(fixed());
    const pk = 'POLICY#emea#policy#1.0';
    // As the report command reads it: the whole partition, events included, beside an export that has nothing of it.
    const events = src.evidence.events.filter((e) => e.subject === pk);
    src.inForce = {
      [pk]: [
        ...src.evidence.subjects[pk],
        ...events,
        {
          kind: 'event',
          subject: pk,
          type: 'policy.reconfirmation-overdue',
          at: '2026-11-01T06:00:00.000Z',
          detail: { dueAt: '2026-10-31T00:00:00.000Z' },
        },
      ],
    };
    delete src.evidence.subjects[pk];
    src.evidence.events = src.evidence.events.filter((e) => e.subject !== pk);
    const report = buildUnitReport(src);
    const p = rowsOf([report]);
    expect(p['5.2'].coverage).toBe('evidence');
    expect(p['5.2'].evidence).toMatch(
      /^information security policy version 1\.0 approved 2026-03-02 10:00 UTC \(before this range, in force in it\) by 2 of 2 required .*; communicated 2026-03-02 10:01 UTC to 2 addresses; re-confirmation due 2026-10-31 00:00 UTC \(OVERDUE\)$/,
    );
    expect(report.policy.submissions[0].members.map((m) => m.delivery.length)).toEqual([1, 0, 1]);
    // A partition the export read already is not counted twice.
    const twice = withPolicyEvidence(fixed());
    twice.inForce = { [pk]: twice.evidence.subjects[pk] };
    expect(buildUnitReport(twice).policy.submissions.map((s) => [s.version, s.beforeRange])).toEqual([
      ['1.0', undefined],
      ['1', undefined],
    ]);
  });

  it('a recorded re-confirmation overdue shows; a policy returned with changes requested is "partly", naming what is missing', () => {
    const src = withPolicyEvidence(fixed());
    src.evidence.events.push({
      kind: 'event',
      subject: 'POLICY#emea#policy#1.0',
      type: 'policy.reconfirmation-overdue',
      at: '2026-11-01T06:00:00.000Z',
      actor: 'system',
      detail: { dueAt: '2026-10-31T00:00:00.000Z' },
    });
    expect(rowsOf([buildUnitReport(src)])['5.2'].evidence).toMatch(/re-confirmation due 2026-10-31 00:00 UTC \(OVERDUE\)$/);
    const returned = withPolicyEvidence(fixed());
    const items = returned.evidence.subjects['POLICY#emea#policy#1.0'];
    items[0] = { ...items[0], status: 'changes-requested', outcome: 'changes-requested' };
    const r = rowsOf([buildUnitReport(returned)]);
    expect(r['5.2']).toMatchObject({
      coverage: 'partly',
      evidence: 'information security policy version 1.0 changes-requested 2026-03-02 10:00 UTC (2 of 2 approvals)',
    });
    expect(r['5.1 a)'].coverage).toBe('partly');
    expect(r['5.1 a)'].evidence).toMatch(/no approved policy in the range: ask for it$/);
  });

  it('9.3.1 counts reviews due, held, on time and not held, and links the summary and the reviews', () => {
    expect(rows['9.3.1']).toMatchObject({
      coverage: 'partly',
      evidence: "4 reviews due by the schedule, 2 held (1 on time), 2 not held; every member's decision with its time",
      links: [
        { anchor: 'emea-summary', text: 'summary' },
        { anchor: 'emea-reviews', text: 'reviews' },
      ],
    });
  });

  it('9.3.2 inputs: how many reviews presented that input (only Q1 had inputs submitted)', () => {
    expect(rows['9.3.2 b)']).toMatchObject({
      coverage: 'partly',
      evidence: expect.stringMatching(/^changes in issues presented in the pack of 1 of 3 reviews/),
    });
    expect(rows['9.3.2 g)'].evidence).toMatch(/of 1 of 3 reviews/);
  });

  it('5.1 c), 7.1, 9.3.3, 5.1 f), 5.1 h): requests, adequacy judgements, minutes, actions, approvals counted', () => {
    expect(rows['5.1 c)']).toMatchObject({
      coverage: 'evidence',
      evidence: '5 resource requests decided level by level; resource adequacy judged per category by members in 5 review decisions',
    });
    expect(rows['7.1'].evidence).toMatch(/^5 resource requests in the range, 3 approved/);
    expect(rows['9.3.3']).toMatchObject({
      coverage: 'evidence',
      evidence: expect.stringMatching(/^3 sets of minutes .*; 3 actions with owner and due date/),
    });
    expect(rows['5.1 f)'].evidence).toMatch(/^3 actions from reviews, each with an owner/);
    expect(rows['5.1 h)'].evidence).toMatch(/^5 approvals given by managers/);
  });

  it('a range with no evidence says "none in this range", not "evidence held"', () => {
    const empty = rowsOf([buildUnitReport(source({ from: '2026-01', to: '2026-01', generatedAt: '2025-12-01T00:00:00Z' }))]);
    for (const clause of ['5.1 c)', '7.1', '9.3.1', '9.3.2 b)', '9.3.3']) expect(empty[clause].coverage).toBe('none');
    expect(empty['9.3.2 b)'].evidence).toBe('no management review in this range, so no changes in issues presented');
  });

  it('over several units, counts add up and each unit gets its own link', () => {
    const one = buildUnitReport(fixed());
    const two = buildUnitReport(fixed({ unit: { ...one.unit, id: 'apac', name: 'APAC' } }));
    const group = rowsOf([one, two]);
    expect(group['9.3.1'].evidence).toMatch(/^8 reviews due by the schedule, 4 held \(2 on time\), 4 not held/);
    expect(group['9.3.1'].links.map((l) => l.anchor)).toEqual(['emea-summary', 'apac-summary', 'emea-reviews', 'apac-reviews']);
  });
});
