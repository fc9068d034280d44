// The policy and objectives domain: document checks, fingerprint, approvers, audience, re-confirmation, objectives, rendering.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DOCUMENT_MAX_BYTES,
  checkPolicyDocument,
  documentMatches,
  fingerprint,
  isSubmitter,
  parseObjectives,
  policyApprovers,
  policyAudience,
  policyDeputyBar,
  policyWaitOutcome,
  reconfirmationDue,
  reconfirmationState,
} from '../../core/policy';
import { renderMarkdown } from '../../core/policy-markdown';
import { communicatedDocumentHtml, isMarkdownHtml } from '../../core/policy-render';
import { documentPage } from '../../core/decision-pages';
import { validateUnit } from '../../core/config';
import type { DecisionRecord } from '../../core/decisions';
import { testUnit } from '../support/units';
import { pickDeputy } from '../../core/seats';
import { identifySubject, workflowFailedEmail, workflowOf } from '../../core/workflow-failure';

const bytes = (s: string) => Buffer.from(s, 'utf8');

describe('policy documents', () => {
  it('accepts Markdown by name and PDF by its magic bytes, with the SHA-256 of the exact bytes', () => {
    const md = checkPolicyDocument('policy.md', bytes('# Policy\r\n\tText\n'));
    expect(md).toEqual({ ok: true, format: 'markdown', sha256: createHash('sha256').update('# Policy\r\n\tText\n').digest('hex') });
    const pdf = checkPolicyDocument('policy.bin', Buffer.concat([bytes('%PDF-1.7\n'), Buffer.from([0, 255, 1])]));
    expect(pdf).toMatchObject({ ok: true, format: 'pdf' });
  });

  it('refuses a file over the limit naming the limit and its size, and other formats, empty or non-UTF-8 files, control characters', () => {
    const big = checkPolicyDocument('big.md', Buffer.alloc(DOCUMENT_MAX_BYTES + 1, 'a'));
    expect(big).toEqual({
      ok: false,
      problems: [
        expect.stringMatching(
          /^--file: big\.md is 262145 bytes \(256\.0 KiB\); the limit is 262144 bytes \(256 KiB\), because the document is kept in the evidence table/,
        ),
      ],
    });
    expect(checkPolicyDocument('ok.md', Buffer.alloc(DOCUMENT_MAX_BYTES, 'a')).ok).toBe(true);
    expect(checkPolicyDocument('policy.docx', bytes('PK..'))).toEqual({
      ok: false,
      problems: ['--file: policy.docx is neither Markdown (a .md or .markdown file) nor PDF (a file starting with %PDF-)'],
    });
    expect(checkPolicyDocument('e.md', Buffer.alloc(0))).toMatchObject({ ok: false, problems: ['--file: e.md is empty'] });
    expect(checkPolicyDocument('x.md', Buffer.from([0xc3, 0x28]))).toMatchObject({
      ok: false,
      problems: ['--file: x.md is not valid UTF-8 text'],
    });
    const esc = checkPolicyDocument('x.md', bytes('ok\n\u001b[31mred'));
    expect(esc).toMatchObject({ ok: false, problems: [expect.stringContaining('U+001B')] });
    expect(checkPolicyDocument('x.md', bytes('a\u202Eb'))).toMatchObject({ ok: false, problems: [expect.stringContaining('U+202E')] });
  });

  it('a stored document matches its fingerprint only while its bytes are unchanged', () => {
    const content = bytes('# v1\n');
    const sha = fingerprint(content);
    expect(documentMatches(content.toString('base64'), sha)).toBe(true);
    expect(documentMatches(bytes('# v1 \n').toString('base64'), sha)).toBe(false);
  });

  it('renders Markdown inert: raw HTML escaped, javascript: and data: links not links, no autolinks', () => {
    const out = renderMarkdown(
      '<script>alert(1)</script>\n\n[x](javascript:alert(1)) [y](JAVASCRIPT:alert(1)) [z](data:text/html,<b>) [ok](https://example.com)\n\nhttps://auto.example.com <img src=x onerror=alert(2)>',
    ).value;
    expect(out).not.toMatch(/<script|<img|href="javascript|href="data:|href="JAVASCRIPT/i);
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out).toContain('<a href="https://example.com">ok</a>');
    expect(out).not.toContain('href="https://auto.example.com"');
  });

  it('a PDF is offered as an attachment, never rendered in the page', () => {
    const view = {
      decisionId: 'd'.repeat(22),
      subjectType: 'policy' as const,
      unitName: 'U',
      timeZone: 'UTC',
      recipient: { name: 'A', email: 'a@example.com' },
      expiresAt: '2026-12-31T00:00:00Z',
      policy: { documentKind: 'policy' as const, version: '2.1', summary: 's', sha256: 'x', submitter: 'i@example.com', format: 'pdf' },
    };
    const res = documentPage(view, { format: 'pdf', contentBase64: bytes('%PDF-1.7').toString('base64'), sha256: 'x' });
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toBe('attachment; filename="policy-2.1.pdf"');
    expect(res.isBase64Encoded).toBe(true);
  });

  it('knows what markdown-it writes, and refuses stored HTML that markdown-it could not have written', () => {
    const doc = [
      '# Policy',
      '',
      '## 1. Scope & aims',
      '',
      'Text with *emphasis*, **strong**, ~~gone~~, `code` and a  ',
      'hard break.',
      '',
      '3. third',
      '4. fourth',
      '',
      '- a',
      '- b',
      '',
      '> quoted',
      '',
      '---',
      '',
      '| left | centre | right |',
      '| :--- | :---: | ---: |',
      '| 1 | 2 | 3 |',
      '',
      '```ts',
      'const a = 1 < 2 && "x";',
      '```',
      '',
      '[site](https://example.com/a?x=1&y="2") [mail](mailto:isms@example.com) [rel](../annex.md#a) [top](#policy)',
      '![logo](https://example.com/logo.png "Logo") ![dot](data:image/png;base64,iVBORw0KGgo=) [call](tel:+4930123)',
      '',
      '<script>alert(1)</script> [bad](javascript:alert(1)) [data](data:text/html,x) jav&#x61;script: &eacute;',
    ].join('\n');
    const rendered = renderMarkdown(doc).value;
    expect(rendered).toContain('<ol start="3">');
    expect(rendered).toContain('style="text-align:center"');
    expect(rendered).toContain('class="language-ts"');
    expect(rendered).toContain('src="data:image/png;base64,');
    expect(rendered).toContain('href="tel:+4930123"');
    expect(isMarkdownHtml(rendered)).toBe(true);
    for (const forged of [
      '<p>x</p><script>alert(1)</script>',
      '<form action="https://evil.example.com"><input name="k"></form>',
      '<img src="x" onerror="alert(1)">',
      '<a href="javascript:alert(1)">x</a>',
      '<a href="JaVaScRiPt:alert(1)">x</a>',
      '<a href="jav&#x61;script:alert(1)">x</a>',
      '<a href="java\tscript:alert(1)">x</a>',
      '<img src="data:image/svg+xml,x">',
      '<p style="background:url(https://evil.example.com/t)">x</p>',
      '<iframe src="https://evil.example.com"></iframe>',
      '<!-- x --><p>x</p>',
      '<p>a < b</p>',
    ]) {
      expect(isMarkdownHtml(forged), forged).toBe(false);
    }
  });

  it('communicates the Markdown as policy-open rendered it from these bytes, else as escaped text, with no parser', () => {
    const source = bytes('# T\n\n<b>x</b>');
    const doc = { format: 'markdown' as const, contentBase64: source.toString('base64'), sha256: fingerprint(source) };
    const stored = { sha256: doc.sha256, html: renderMarkdown('# T\n\n<b>x</b>').value };
    expect(communicatedDocumentHtml(doc, undefined, stored).value).toBe(stored.html);
    expect(stored.html).toContain('<h1>T</h1>');
    // Rendered from other bytes (or never stored: too large): the source itself, escaped, never that HTML.
    // Rendered from other bytes, never stored (too large), or changed in the table into what markdown-it never writes.
    const forged = { sha256: doc.sha256, html: '<h1>T</h1><a href="javascript:alert(1)">x</a>' };
    for (const other of [{ sha256: 'f'.repeat(64), html: '<h1>Other</h1>' }, undefined, forged]) {
      const out = communicatedDocumentHtml(doc, undefined, other).value;
      expect(out).toBe('<pre style="white-space: pre-wrap"># T\n\n&lt;b&gt;x&lt;/b&gt;</pre>');
    }
    expect(communicatedDocumentHtml({ ...doc, format: 'pdf' }, undefined, stored).value).toBe('<p>The document is a PDF.</p>');
  });
});

describe('who approves and who hears of it', () => {
  const unit = testUnit({ policyQuorum: 'all' });

  it('leaves the submitter out by any spelling of their address or their AWS principal, and caps the quorum at those left', () => {
    const a = policyApprovers(unit, { submitter: 'OONA.Byrne+x@example.com' });
    expect(a.members.map((m) => m.email)).toEqual(['clara.weber@example.com', 'farid.haddad@example.com']);
    expect(a.requiredApprovals).toBe(2);
    expect(a.excluded).toEqual([{ email: 'oona.byrne@example.com', reason: expect.stringContaining('may not approve') }]);
    const b = policyApprovers(testUnit(), {
      submitter: 'irene.schulz@example.com',
      submittedBy: 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_1/clara.weber@example.com',
    });
    expect(b.members.map((m) => m.email)).toEqual(['farid.haddad@example.com', 'oona.byrne@example.com']);
    expect(b.requiredApprovals).toBe(2);
    expect(isSubmitter(unit, { submitter: 'irene.schulz@example.com' }, 'Irene.Schulz+a@EXAMPLE.com')).toBe(true);
    expect(isSubmitter(unit, { submitter: 'irene.schulz@example.com' }, 'clara.weber@example.com')).toBe(false);
  });

  it("passes over a deputy who submitted it (by address or AWS principal) to the member's next deputy, else leaves the seat with the member", () => {
    const IRENE = { name: 'Irene Schulz', email: 'irene.schulz@example.com' };
    const DORA = { name: 'Dora Deputy', email: 'dora.deputy@example.com' };
    const deputies = (list: Array<{ name: string; email: string }>) =>
      testUnit({ topManagement: testUnit().topManagement.map((m, i) => (i === 0 ? { ...m, deputies: list } : m)) });
    const clara = 'clara.weber@example.com';
    const u = deputies([IRENE, DORA]);
    const bySubmitter = pickDeputy(u, clara, policyDeputyBar(u, { submitter: 'Irene.Schulz+policy@example.com' }));
    expect(bySubmitter.to).toEqual(DORA);
    expect(bySubmitter.skipped).toEqual([
      `deputy ${IRENE.email} submitted it and may not approve it (segregation of duties, ISO/IEC 27001 A.5.3)`,
    ]);
    // Named for the absence, she is still the submitter: the configured deputies follow.
    expect(pickDeputy(u, clara, policyDeputyBar(u, { submitter: IRENE.email }), IRENE).to).toEqual(DORA);
    // The address in the AWS principal that ran the CLI is the submitter's too.
    const principal = 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_1/dora.deputy@example.com';
    expect(pickDeputy(u, clara, policyDeputyBar(u, { submitter: 'oona.byrne@example.com', submittedBy: principal })).to).toEqual(IRENE);
    // Nobody left who may act: nobody gets the link, the member keeps it.
    const only = deputies([IRENE]);
    expect(pickDeputy(only, clara, policyDeputyBar(only, { submitter: IRENE.email }))).toEqual({
      skipped: [`deputy ${IRENE.email} submitted it and may not approve it (segregation of duties, ISO/IEC 27001 A.5.3)`],
    });
    // Anyone else may act, as in the review.
    expect(pickDeputy(u, clara, policyDeputyBar(u, { submitter: 'oona.byrne@example.com' })).to).toEqual(IRENE);
  });

  it('policyQuorum, else the review quorum', () => {
    expect(policyApprovers(testUnit({ policyQuorum: 1 }), { submitter: 'irene.schulz@example.com' }).requiredApprovals).toBe(1);
    expect(policyApprovers(testUnit(), { submitter: 'irene.schulz@example.com' }).requiredApprovals).toBe(2);
  });

  it('expands the audience to one address each (case and plus-tags are the same mailbox), else top management and the ISMS manager', () => {
    expect(
      policyAudience(testUnit({ policyAudience: ['All@example.com', 'all@EXAMPLE.com', 'all+x@example.com', 'b@example.com'] })),
    ).toEqual(['All@example.com', 'b@example.com']);
    expect(policyAudience(testUnit())).toEqual([
      'clara.weber@example.com',
      'farid.haddad@example.com',
      'oona.byrne@example.com',
      'irene.schulz@example.com',
    ]);
  });

  it('goes back to the ISMS manager as soon as the quorum cannot be reached', () => {
    const subject = {
      status: 'awaiting-decisions',
      requiredApprovals: 2,
      members: ['a', 'b', 'c'].map((x) => ({ name: x, email: `${x}@example.com`, role: 'r', decisionId: x })),
    };
    const d = (id: string, choice: 'approve' | 'request-changes') => ({ decisionId: id, subjectType: 'policy', choice }) as DecisionRecord;
    expect(policyWaitOutcome(subject, [d('a', 'request-changes')])).toMatchObject({ complete: false });
    expect(policyWaitOutcome(subject, [d('a', 'request-changes'), d('b', 'request-changes')])).toMatchObject({
      complete: true,
      output: { outcome: 'changes-requested' },
    });
    expect(policyWaitOutcome(subject, [d('a', 'approve'), d('c', 'approve')])).toMatchObject({ output: { outcome: 'approved' } });
    // A review's decisions in the same partition count for nothing.
    expect(policyWaitOutcome(subject, [{ ...d('a', 'approve'), subjectType: 'review' }, d('c', 'approve')])).toMatchObject({
      complete: false,
    });
  });

  it('config: policyQuorum larger than top management, a bad audience address or interval are named', () => {
    const raw = { ...testUnit(), policyQuorum: 4, policyAudience: ['not-an-address'], policyReviewInterval: '12 months' };
    expect(validateUnit(raw, 'u.json').problems).toEqual(
      expect.arrayContaining([
        'u.json: policyQuorum: 4 is larger than the 3 members of topManagement',
        'u.json: policyAudience[0]: "not-an-address" is not an email address',
        'u.json: policyReviewInterval: "12 months" is not an interval like "12mo" (months), "90d" or "30s"',
      ]),
    );
  });
});

describe('re-confirmation', () => {
  it('is due a calendar interval after approval (12 months by default; 31 Jan + 1 month is the end of February)', () => {
    expect(reconfirmationDue(testUnit(), '2026-03-15T10:00:00.000Z')).toBe('2027-03-15T10:00:00.000Z');
    expect(reconfirmationDue(testUnit({ policyReviewInterval: '1mo' }), '2027-01-31T10:00:00.000Z')).toBe('2027-02-28T10:00:00.000Z');
    expect(reconfirmationDue(testUnit({ policyReviewInterval: '30s' }), '2026-03-15T10:00:00.000Z')).toBe('2026-03-15T10:00:30.000Z');
  });

  it('is "due" from a month before, "overdue" from the due date', () => {
    const approved = '2026-01-01T00:00:00.000Z';
    const due = '2027-01-01T00:00:00.000Z';
    expect(reconfirmationState(approved, due, new Date('2026-11-30T00:00:00Z'))).toBe('current');
    expect(reconfirmationState(approved, due, new Date('2026-12-05T00:00:00Z'))).toBe('due');
    expect(reconfirmationState(approved, due, new Date('2027-01-01T00:00:00Z'))).toBe('overdue');
  });
});

describe('objectives', () => {
  const good = { id: 'O-1', text: 'Patch fast', measure: 'days to patch', target: '<= 7', owner: 'a@example.com', due: '2027-06-30' };

  it('accepts a valid list', () => {
    expect(parseObjectives({ objectives: [good] })).toEqual({ objectives: [good], problems: [] });
  });

  it('names every problem with its path', () => {
    const r = parseObjectives({
      objectives: [good, { ...good, owner: 'x', due: '2027-13-01', colour: 'red' }, { id: 'O-1', text: '' }],
      extra: true,
    });
    expect(r.objectives).toBeUndefined();
    expect(r.problems).toEqual(
      expect.arrayContaining([
        'extra: is not a known field (id, text, measure, target, owner, due)',
        'objectives[1].owner: "x" is not an email address',
        'objectives[1].due: "2027-13-01" is not a date like 2027-06-30',
        'objectives[1].colour: is not a known field (id, text, measure, target, owner, due)',
        'objectives[2].text: must not be empty',
        'objectives[2].measure: is required (string)',
        'objectives[2].id: "O-1" is used by objectives[0] already',
      ]),
    );
    expect(parseObjectives({ objectives: [] }).problems).toEqual(['objectives: must list at least one objective']);
  });
});

describe('a failed policy approval', () => {
  it('names its submission from the execution input, and the email says to submit a new version', () => {
    const unit = testUnit();
    const input = JSON.stringify({ bu: unit.id, documentKind: 'policy', version: '2.1' });
    const { subject } = identifySubject(unit, 'policy-approval', { input, name: 'x' });
    expect(subject).toEqual({ kind: 'policy', submissionId: `${unit.id}#policy#2.1`, documentKind: 'policy', version: '2.1' });
    expect(
      identifySubject(unit, 'policy-approval', { input: JSON.stringify({ bu: 'other', documentKind: 'policy', version: '1' }), name: 'x' })
        .problem,
    ).toMatch(/names no submission of this unit/);
    expect(workflowOf(unit.id, `arn:aws:states:eu-west-1:1:stateMachine:isms-${unit.id}-policy-approval`)).toBe('policy-approval');
    const email = workflowFailedEmail({
      unit,
      workflow: 'policy-approval',
      detail: { executionArn: 'arn', name: 'x', status: 'FAILED', error: 'E', cause: 'C' },
      at: '2026-12-01T00:00:00Z',
      subject,
      current: { status: 'awaiting-decisions' },
    });
    expect(email.subject).toBe(`ISMS ${unit.id}: the approval workflow of policy version 2.1 failed`);
    expect(email.text).toContain('submit the document again as a new version (isms policy submit)');
  });
});
