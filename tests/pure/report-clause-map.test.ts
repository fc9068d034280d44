// The clause map: one row per requirement, in order, each saying what the evidence holds or plainly that it is not covered.
import { describe, expect, it } from 'vitest';
import { CLAUSE_ROWS, clauseMap, NOT_COVERED } from '../../core/clause-map';
import { buildUnitReport, type UnitReport } from '../../core/report-model';
import { fixed, source } from '../support/report-fixtures';

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

  it('policy, objectives and integration into processes: plainly not covered, with what to ask for, and no link', () => {
    for (const clause of ['5.1 a)', '5.1 b)', '5.2', '6.2']) {
      expect(rows[clause].coverage).toBe('not covered');
      expect(rows[clause].evidence.startsWith(`${NOT_COVERED}; ask for`)).toBe(true);
      expect(rows[clause].links).toEqual([]);
    }
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
