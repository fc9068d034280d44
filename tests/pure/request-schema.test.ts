// The request schema shared by the CLI and request-record: each bad field gets a message that names it.
import { describe, expect, it } from 'vitest';
import { parseRequest, routeRequest } from '../../core/request';
import { approvalEmail, outcomeEmail } from '../../core/request-emails';
import type { RequestItem } from '../../core/subjects';
import { testUnit } from '../support/units';

const unit = testUnit();
const good = {
  bu: unit.id,
  category: 'equipment',
  title: 'Laptops for the SOC team',
  justification: 'Four analysts share two laptops.',
  amount: 12500,
  currency: 'EUR',
  requester: 'requester@example.com',
};

describe('parseRequest', () => {
  it('accepts a good request, and a decimal string amount from the CLI', () => {
    expect(parseRequest(good, unit)).toEqual({ request: good, problems: [] });
    expect(parseRequest({ ...good, amount: '12500.50', reviewPeriod: '2026-Q4' }, unit).request).toMatchObject({
      amount: 12500.5,
      reviewPeriod: '2026-Q4',
    });
  });

  it.each([
    [{ category: 'travel' }, /^category: "travel" is not one of financial, human, equipment, infrastructure-technology$/],
    [{ amount: -1 }, /^amount: -1 must not be negative$/],
    [{ amount: '-5' }, /^amount: -5 must not be negative$/],
    [{ amount: 'ten' }, /^amount: "ten" is not a number$/],
    [{ amount: '1e3' }, /^amount: "1e3" is not a number$/],
    [{ amount: 10.005 }, /^amount: must have at most 2 decimal places$/],
    [{ currency: 'USD' }, /^currency: "USD" is not the currency of unit example-emea; its approval policy is in EUR$/],
    [{ currency: 'euro' }, /^currency: "euro" is not an ISO 4217 currency code/],
    [{ title: '   ' }, /^title: must not be empty$/],
    [{ title: 'x'.repeat(201) }, /^title: must be at most 200 characters \(it has 201\)$/],
    [{ justification: '' }, /^justification: must not be empty$/],
    [{ justification: 'x'.repeat(4001) }, /^justification: must be at most 4000 characters/],
    [{ requester: 'not-an-email' }, /^requester: "not-an-email" is not an email address$/],
    [{ reviewPeriod: '2026-Q5' }, /^reviewPeriod: "2026-Q5" is not a review period like "2026-Q4"$/],
    [{ bu: 'other' }, /^bu: "other" is not this unit \(example-emea\)$/],
    [{ extra: 1 }, /^extra: is not a known field$/],
    [{ submittedBy: 'irene' }, /^submittedBy: "irene" is not a submitter: an AWS principal ARN/],
    [{ submittedBy: 'arn:aws:sts::123456789012:assumed-role/x\n' }, /^submittedBy: .* is not a submitter/],
  ])('refuses %j with a message naming the field', (change, message) => {
    const result = parseRequest({ ...good, ...change }, unit);
    expect(result.request).toBeUndefined();
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatch(message);
  });

  it('accepts who submitted it: an AWS principal ARN, or local:<user>', () => {
    for (const submittedBy of [
      'arn:aws:sts::123456789012:assumed-role/IsmsRequesters/irene@example.com',
      'arn:aws:iam::123456789012:user/ci',
      'local:irene',
    ]) {
      expect(parseRequest({ ...good, submittedBy }, unit)).toEqual({ request: { ...good, submittedBy }, problems: [] });
    }
  });

  it('accepts the limits exactly', () => {
    expect(parseRequest({ ...good, title: 'x'.repeat(200), justification: 'y'.repeat(4000), amount: 0 }, unit).problems).toEqual([]);
  });

  it('reports every problem at once, as flags for the CLI', () => {
    const { problems } = parseRequest(
      { bu: unit.id, category: 'x', title: '', justification: 'j', amount: 'abc', currency: 'USD', requester: 'a', reviewPeriod: 'Q1' },
      unit,
      'cli',
    );
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      '--amount',
      '--category',
      '--currency',
      '--requester',
      '--review',
      '--title',
    ]);
  });

  it('names missing fields', () => {
    const { problems } = parseRequest({ bu: unit.id }, unit);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^category: is required/),
        expect.stringMatching(/^title: is required/),
        expect.stringMatching(/^amount: is required/),
        expect.stringMatching(/^requester: is required/),
      ]),
    );
  });
});

describe('request emails', () => {
  const levels = routeRequest(unit, { amount: 12500, category: 'equipment', requester: 'farid.haddad@example.com' }).levels;
  const request: RequestItem = {
    pk: 'REQUEST#r',
    sk: 'REQUEST',
    kind: 'request',
    gsi1pk: 'REQUESTS',
    gsi1sk: 'x',
    requestId: 'req-1',
    bu: unit.id,
    category: 'equipment',
    title: '<script>alert(1)</script> laptops',
    justification: 'Tom & Jerry "need" them',
    amount: 12500,
    currency: 'EUR',
    requester: 'farid.haddad@example.com',
    submittedAt: '2026-11-27T10:00:00.000Z',
    status: 'pending',
    levels,
    currentLevel: 1,
  };

  it('escapes user text in HTML, keeps it plain in text, and links the approver', () => {
    const email = approvalEmail({ unit, request, level: levels[1], url: 'https://d.example/decisions/abc?k=s3cret&x=1', kind: 'first' });
    expect(email.to).toEqual([levels[1].approver.email]);
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; laptops');
    expect(email.html).toContain('Tom &amp; Jerry &quot;need&quot; them');
    expect(email.html).toContain('href="https://d.example/decisions/abc?k=s3cret&amp;x=1" target="_blank" rel="noopener noreferrer"');
    expect(email.text).toContain('<script>alert(1)</script> laptops');
    expect(email.text).toContain('https://d.example/decisions/abc?k=s3cret&x=1');
    expect(email.text).toContain('level 2 of 2');
    // The CFO is the requester: the level went to the escalation contact, and the email says why.
    expect(email.text).toMatch(/instead of Farid Haddad: self-approval/);
    expect(email.subject).toMatch(/^Approve or reject: .*, EUR 12,500 \(/);
  });

  it('sends the outcome to the requester with the ISMS manager in copy', () => {
    const email = outcomeEmail({
      unit,
      request,
      outcome: 'rejected',
      decision: { level: 0, decidedBy: 'oona.byrne@example.com', decidedAt: '2026-11-27T11:00:00Z', comment: '<b>no</b> budget' },
    });
    expect(email.to).toEqual(['farid.haddad@example.com']);
    expect(email.cc).toEqual([unit.ismsManager.email]);
    expect(email.subject).toMatch(/rejected/);
    expect(email.html).toContain('&lt;b&gt;no&lt;/b&gt; budget');
    expect(email.text).toMatch(/rejected at level 1 \(ISMS sponsor\) by oona\.byrne@example\.com/);
  });
});
