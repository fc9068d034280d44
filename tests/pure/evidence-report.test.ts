// The auditor's HTML page of an evidence export: who decided what and when, per review and request, every event, all escaped.
import { describe, expect, it } from 'vitest';
import type { EvidenceExport } from '../../lambdas/shared/evidence';
import { renderEvidenceHtml } from '../../cli/evidence-report';

const HOSTILE = '<script>alert(1)</script>';

const evidence: EvidenceExport = {
  format: 'isms-leadership/evidence-export@1',
  bu: 'example-emea',
  unitName: 'Example <EMEA>',
  table: 'isms-example-emea-evidence',
  exportedAt: '2026-11-27T12:00:00.000Z',
  from: '2026-10',
  to: '2026-11',
  events: [
    {
      kind: 'event',
      subject: 'REVIEW#example-emea#2026-Q4',
      type: 'review.opened',
      actor: 'system',
      at: '2026-10-01T07:00:00.000Z',
      detail: { trigger: 'schedule' },
    },
    {
      kind: 'event',
      subject: 'REVIEW#example-emea#2026-Q4',
      type: 'decision.recorded',
      actor: 'clara.weber@example.com',
      at: '2026-10-02T08:00:00.000Z',
      detail: { comment: HOSTILE },
    },
  ],
  subjects: {
    'REVIEW#example-emea#2026-Q4': [
      {
        kind: 'review',
        period: '2026-Q4',
        status: 'approved',
        outcome: 'approved',
        openedAt: '2026-10-01T07:00:00.000Z',
        closedAt: '2026-10-03T09:00:00.000Z',
        requiredApprovals: 2,
        members: [
          { name: 'Clara Weber', email: 'clara.weber@example.com', role: 'Managing Director', decisionId: 'd-clara' },
          { name: `Farid ${HOSTILE}`, email: 'farid.haddad@example.com', role: 'CFO', decisionId: 'd-farid' },
          { name: 'Oona Byrne', email: 'oona.byrne@example.com', role: 'COO', decisionId: 'd-oona' },
        ],
      },
      {
        kind: 'decision',
        decisionId: 'd-clara',
        choice: 'approve',
        comment: HOSTILE,
        decidedAt: '2026-10-02T08:00:00.000Z',
        resourceAdequacy: { human: 'inadequate', financial: 'adequate' },
      },
      {
        kind: 'decision',
        decisionId: 'd-farid',
        choice: 'request-changes',
        comment: 'Budget first.',
        decidedAt: '2026-10-02T09:00:00.000Z',
        resourceAdequacy: {},
      },
      {
        kind: 'review-minutes',
        minutes: {
          actions: [
            {
              actionId: 'example-emea#2026-Q4#A1',
              title: 'Staff the SOC night shift',
              owner: { name: 'Irene Schulz', email: 'irene.schulz@example.com' },
              dueDate: '2027-01-01',
            },
          ],
        },
      },
    ],
    'REQUEST#req-20261127-abc': [
      {
        kind: 'request',
        requestId: 'req-20261127-abc',
        category: 'equipment',
        title: HOSTILE,
        requester: 'ann@example.com',
        amount: 25000,
        currency: 'EUR',
        status: 'pending',
        currentLevel: 1,
        submittedAt: '2026-11-27T10:00:00.000Z',
        submittedBy: 'arn:aws:sts::123456789012:assumed-role/IsmsRequesters/ann',
        levels: [
          {
            index: 0,
            name: 'ISMS sponsor',
            approver: { email: 'oona.byrne@example.com' },
            outcome: 'approved',
            decidedAt: '2026-11-27T11:00:00.000Z',
            decisionId: 'd-1',
          },
          { index: 1, name: 'Chief Financial Officer', approver: { email: 'farid.haddad@example.com' }, decisionId: 'd-2' },
        ],
      },
      { kind: 'decision', decisionId: 'd-1', choice: 'approve', comment: 'Go.', decidedAt: '2026-11-27T11:00:00.000Z' },
      {
        kind: 'email-sent',
        pk: 'REQUEST#req-20261127-abc',
        sk: 'SENT#invitation-d-2#farid.haddad@example.com',
        message: 'invitation-d-2',
        recipient: 'farid.haddad@example.com',
        subject: `[Example] Approval needed: ${HOSTILE}`,
        sesMessageId: '0102018f-ses-2',
        sentAt: '2026-11-27T11:00:01.000Z',
      },
      {
        kind: 'email-sent',
        pk: 'REQUEST#req-20261127-abc',
        sk: 'SENT#invitation-d-1#oona.byrne@example.com',
        message: 'invitation-d-1',
        recipient: 'oona.byrne@example.com',
        subject: '[Example] Approval needed',
        sesMessageId: '0102018f-ses-1',
        sentAt: '2026-11-27T10:00:01.000Z',
      },
    ],
  },
};

describe('renderEvidenceHtml', () => {
  const page = renderEvidenceHtml(evidence);

  it('escapes every stored value: no markup from names, titles, comments or event details gets through', () => {
    expect(page).not.toContain('<script>');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('<title>Evidence of Example &lt;EMEA&gt; (example-emea), 2026-10 to 2026-11</title>');
  });

  it("shows each member's decision with time, comment and inadequate resources, and the actions with owner and due date", () => {
    expect(page).toContain('<h3>2026-Q4: approved</h3>');
    expect(page).toMatch(
      /<tr><td>Clara Weber &lt;clara.weber@example.com&gt;<\/td><td>Managing Director<\/td><td>approved<\/td><td>2026-10-02 08:00 UTC<\/td><td>&lt;script&gt;alert\(1\)&lt;\/script&gt;<\/td><td>human<\/td><\/tr>/,
    );
    expect(page).toContain('<td>requested changes</td>');
    expect(page).toMatch(/<td>Oona Byrne &lt;oona.byrne@example.com&gt;<\/td><td>COO<\/td><td>no decision<\/td>/);
    expect(page).toContain(
      '<td>example-emea#2026-Q4#A1: Staff the SOC night shift</td><td>Irene Schulz &lt;irene.schulz@example.com&gt;</td><td>2027-01-01</td>',
    );
  });

  it('shows each request level: decided with time and comment, or the one it waits at', () => {
    expect(page).toContain('equipment, EUR 25,000');
    // Who asked (an address anyone may type) and who submitted it (the AWS identity the CLI ran as).
    expect(page).toContain(
      '<td>ann@example.com<br><span class="muted">submitted by arn:aws:sts::123456789012:assumed-role/IsmsRequesters/ann</span></td>',
    );
    expect(page).toContain('1. ISMS sponsor: oona.byrne@example.com: approved at 2026-11-27 11:00 UTC (“Go.”)');
    expect(page).toContain('2. Chief Financial Officer: farid.haddad@example.com: waiting');
  });

  it('lists every email copy sent, in time order, with its recipient and SES message id', () => {
    const rows = [
      ...page.matchAll(
        /<tr><td>([^<]+@[^<]+)<\/td><td>([^<]+)<\/td><td>REQUEST#req-20261127-abc<\/td><td>([^<]+)<\/td><td>[\s\S]*?<\/td><td>([^<]+)<\/td><\/tr>/g,
      ),
    ].map((m) => m.slice(1));
    expect(rows).toEqual([
      ['oona.byrne@example.com', '2026-11-27 10:00 UTC', 'invitation-d-1', '0102018f-ses-1'],
      ['farid.haddad@example.com', '2026-11-27 11:00 UTC', 'invitation-d-2', '0102018f-ses-2'],
    ]);
  });

  it('lists every audit event in the order given, with its detail', () => {
    const rows = [...page.matchAll(/<tr><td>([^<]+)<\/td><td>REVIEW#example-emea#2026-Q4<\/td><td>([a-z.-]+)<\/td>/g)].map((m) => [
      m[1],
      m[2],
    ]);
    expect(rows).toEqual([
      ['2026-10-01 07:00 UTC', 'review.opened'],
      ['2026-10-02 08:00 UTC', 'decision.recorded'],
    ]);
  });
});
