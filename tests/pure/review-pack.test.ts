// Review pack compilation: every section present, "no input submitted" said plainly, actions carried forward.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RESOURCE_CATEGORIES } from '../../core/config';
import { compilePack, NO_INPUT, NOTHING_REPORTED, packSummary, type ActionSummary, type RequestSummary } from '../../core/review-pack';
import { parseReviewInputs } from '../../core/review-inputs';

const inputs = parseReviewInputs(
  JSON.parse(readFileSync(path.join(import.meta.dirname, '../../config/examples/review-inputs.json'), 'utf8')),
);
const unit = { id: 'example-emea', name: 'Example EMEA' };
const owner = { name: 'Irene Schulz', email: 'irene.schulz@example.com' };

const action: ActionSummary = {
  actionId: 'example-emea#2026-Q3#A1',
  title: 'Raise a resource request for human resources',
  detail: 'Judged inadequate',
  owner,
  dueDate: '2026-10-01',
  period: '2026-Q3',
  status: 'open',
};
const request: RequestSummary = {
  requestId: 'r1',
  title: 'Second SOC analyst',
  category: 'human',
  amount: 65000,
  currency: 'EUR',
  requester: 'irene.schulz@example.com',
  status: 'approved',
  submittedAt: '2026-08-01T10:00:00.000Z',
};

describe('compilePack', () => {
  it('without inputs, every 9.3.2 b-g section is present and says "No input submitted."', () => {
    const pack = compilePack({ unit, period: '2026-Q4', compiledAt: '2026-10-01T07:00:00.000Z', openActions: [], requests: [] });
    expect(pack.sections.map((s) => s.clause)).toEqual([
      '9.3.2 a)',
      '9.3.2 b)',
      '9.3.2 c)',
      '9.3.2 d)',
      '9.3.2 e)',
      '9.3.2 f)',
      '9.3.2 g)',
      '7.1',
      '5.1 c) / 7.1',
    ]);
    for (const s of pack.sections.slice(1, 7)) {
      expect(s.empty).toBe(true);
      expect(s.blocks).toEqual([{ lines: [NO_INPUT] }]);
    }
    expect(pack.sections[0].blocks[0].lines).toEqual(['No open actions from previous reviews.']);
    expect(pack.inputsSubmitted).toBeUndefined();
    expect(pack.reviewId).toBe('example-emea#2026-Q4');
  });

  it('with inputs, shows each part in clause order and says "Nothing reported." for an empty part', () => {
    const partial = { ...inputs, risk: { ...inputs.risk, treatmentPlanStatus: [] } };
    const pack = compilePack({
      unit,
      period: '2026-Q4',
      compiledAt: '2026-10-01T07:00:00.000Z',
      inputs: { submittedAt: '2026-09-28T12:00:00.000Z', submittedBy: owner.email, inputs: partial },
      openActions: [],
      requests: [],
    });
    const d = pack.sections.find((s) => s.clause === '9.3.2 d)')!;
    expect(d.blocks.map((b) => b.label)).toEqual([
      'Nonconformities and corrective actions',
      'Monitoring and measurement results',
      'Audit results',
      'Fulfilment of information security objectives',
    ]);
    expect(d.blocks[2].lines).toEqual(inputs.performance.auditResults);
    const f = pack.sections.find((s) => s.clause === '9.3.2 f)')!;
    expect(f.blocks[1]).toEqual({ label: 'Risk treatment plan status', lines: [NOTHING_REPORTED] });
    expect(f.empty).toBe(false);
    expect(pack.inputsSubmitted).toEqual({ submittedAt: '2026-09-28T12:00:00.000Z', submittedBy: owner.email });
    // The inputs are in the sections only once: the snapshot stays small.
    expect(JSON.stringify(pack).split(inputs.performance.auditResults[0]).length - 1).toBe(1);
  });

  it('carries open actions forward as input a) and lists requests since the last review with their outcome', () => {
    const pack = compilePack({
      unit,
      period: '2026-Q4',
      compiledAt: '2026-10-01T07:00:00.000Z',
      since: '2026-07-01T07:00:00.000Z',
      openActions: [{ ...action, requestIds: ['r1'] }],
      requests: [request],
    });
    expect(pack.sections[0].empty).toBe(false);
    expect(pack.sections[0].blocks[0].lines).toEqual([
      'Raise a resource request for human resources (from 2026-Q3; owner Irene Schulz; due 2026-10-01; requests r1)',
    ]);
    const requests = pack.sections.find((s) => s.clause === '7.1')!;
    expect(requests.heading).toContain('since the last review (2026-07-01)');
    expect(requests.blocks[0].lines).toEqual(['Second SOC analyst (human, EUR 65,000, irene.schulz@example.com): approved']);
    const adequacy = pack.sections.at(-1)!;
    expect(adequacy.blocks.map((b) => b.label)).toEqual(['Financial', 'Human', 'Equipment', 'Infrastructure technology']);
    expect(adequacy.blocks).toHaveLength(RESOURCE_CATEGORIES.length);
    expect(adequacy.blocks[1].lines).toEqual([
      'Are the human resources the ISMS needs adequate and available? (1 resource request in this category since the last review)',
    ]);
  });

  it('summarises each section in a few clipped lines for emails and the decision page', () => {
    const pack = compilePack({
      unit,
      period: '2026-Q4',
      compiledAt: '2026-10-01T07:00:00.000Z',
      inputs: {
        submittedAt: '2026-09-28T12:00:00.000Z',
        submittedBy: owner.email,
        inputs: { ...inputs, interestedPartiesNeeds: ['y'.repeat(500), 'b', 'c', 'd', 'e', 'f'] },
      },
      openActions: [],
      requests: [],
    });
    const summary = packSummary(pack);
    expect(summary).toHaveLength(pack.sections.length);
    const c = summary.find((s) => s.heading.startsWith('9.3.2 c)'))!;
    expect(c.lines).toHaveLength(5);
    expect(c.lines[0]).toHaveLength(160);
    expect(c.lines[0].endsWith('…')).toBe(true);
    expect(c.lines[4]).toBe('… and 2 more in the review pack emailed to you');
    expect(summary.find((s) => s.heading.startsWith('9.3.2 b)'))!.lines[0]).toMatch(/^External: NIS2/);
  });
});
