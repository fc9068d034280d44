// The policy and objectives as people read them: the document behind a decision link (Markdown rendered, PDF as a
// download), and the emails of the policy approval. Every value escaped; Markdown rendered with raw HTML off.
import type { BusinessUnitConfig } from './config';
import { decisionButton, type Email } from './email';
import { html, SafeHtml } from './html';
import { formatTime } from './format';
import { emailSubject, layoutHtml } from './email-layout';
import { DOCUMENT_LABELS, type Objective, type PolicyDocumentItem, type PolicyItem } from './policy';
import type { ReviewMember } from './subjects';

export const documentTitle = (p: Pick<PolicyItem, 'documentKind' | 'version'>) =>
  `${DOCUMENT_LABELS[p.documentKind].replace(/^./, (c) => c.toUpperCase())}, version ${p.version}`;

/** The objectives as a table for pages and emails. */
export function objectivesHtml(objectives: readonly Objective[]): SafeHtml {
  return html`<table>
<thead><tr><th>Id</th><th>Objective</th><th>Measure</th><th>Target</th><th>Owner</th><th>Due</th></tr></thead>
<tbody>${objectives.map(
    (o) => html`<tr><td>${o.id}</td><td>${o.text}</td><td>${o.measure}</td><td>${o.target}</td><td>${o.owner}</td><td>${o.due}</td></tr>`,
  )}</tbody>
</table>`;
}

export function objectivesText(objectives: readonly Objective[]): string {
  return objectives
    .map((o) => `${o.id}: ${o.text}\n    measure: ${o.measure}; target: ${o.target}; owner: ${o.owner}; due: ${o.due}`)
    .join('\n');
}

/** A download name that no header can be broken by: the kind and version only. */
export const downloadName = (p: Pick<PolicyItem, 'documentKind' | 'version'>, format: string) =>
  `${p.documentKind}-${p.version}.${format === 'pdf' ? 'pdf' : format === 'json' ? 'json' : 'md'}`;

// ---------------------------------------------------------------- emails

const when = (iso: string, unit: BusinessUnitConfig) => formatTime(iso, unit.timeZone);

// The one email layout of every email (core/email-layout.ts): viewport, product and unit header, readable on a phone.
const page = (unit: BusinessUnitConfig, title: string, body: SafeHtml) =>
  layoutHtml({ unitName: unit.name, subject: title, heading: title, body });

const WHAT_YOU_DECIDE =
  'Open the link to read the exact document and to record your decision: approve it or request changes, with a comment. ' +
  'Opening the link changes nothing; only the button on the page records your decision.';

function facts(p: PolicyItem, unit: BusinessUnitConfig): Array<[string, string]> {
  return [
    ['Document', documentTitle(p)],
    ['What changed', p.summary],
    ['Submitted by', `${p.submitter}, ${when(p.submittedAt, unit)}`],
    ['Fingerprint (SHA-256)', p.sha256],
    ['Approvals needed', `${p.requiredApprovals} of ${p.members.length}`],
  ];
}

export function policyInvitationEmail(args: {
  unit: BusinessUnitConfig;
  policy: PolicyItem;
  member: ReviewMember;
  url: string;
  expiresAt: string;
  reminder?: number;
}): Email {
  const { unit, policy, member, url, expiresAt, reminder } = args;
  const what = documentTitle(policy);
  const subject = emailSubject(reminder ? `Decision needed (reminder ${reminder})` : 'Decision needed', what, unit.name);
  const rows = facts(policy, unit);
  const clause = policy.documentKind === 'policy' ? 'ISO/IEC 27001 5.2' : 'ISO/IEC 27001 6.2';
  return {
    to: [member.email],
    subject,
    html: page(
      unit,
      subject,
      html`<p>Dear ${member.name},</p>
<p>The ${DOCUMENT_LABELS[policy.documentKind]} of ${unit.name} is submitted for top management's approval (${clause}).</p>
<dl>${rows.map(([k, v]) => html`<dt><strong>${k}</strong></dt><dd>${v}</dd>`)}</dl>
${decisionButton(url, 'Read and decide')}
<p>(Your personal link; it works until ${when(expiresAt, unit)}; please do not forward it.)</p>
<p>${WHAT_YOU_DECIDE}</p>
<p>Questions: ${unit.ismsManager.name} &lt;${unit.ismsManager.email}&gt;, ISMS manager.</p>`,
    ),
    text: [
      `Dear ${member.name},`,
      '',
      `The ${DOCUMENT_LABELS[policy.documentKind]} of ${unit.name} is submitted for top management's approval (${clause}).`,
      '',
      ...rows.map(([k, v]) => `${k}: ${v}`),
      '',
      `Read and decide (your personal link; it works until ${when(expiresAt, unit)}; please do not forward it):`,
      url,
      '',
      WHAT_YOU_DECIDE,
      '',
      `Questions: ${unit.ismsManager.name} <${unit.ismsManager.email}>, ISMS manager.`,
      '',
    ].join('\n'),
  };
}

export function policyEscalationEmail(args: {
  unit: BusinessUnitConfig;
  policy: PolicyItem;
  undecided: ReviewMember[];
  approvals: number;
  expiresAt: string;
}): Email {
  const { unit, policy, undecided, approvals, expiresAt } = args;
  const subject = `Overdue: ${documentTitle(policy)} (${unit.name}) awaits top management's approval`;
  const status = `${approvals} of ${policy.requiredApprovals} required approvals so far.`;
  const lines = undecided.map((m) => `${m.name}, ${m.role} <${m.email}>`);
  return {
    to: unit.escalationContacts.map((c) => c.email),
    cc: [unit.ismsManager.email],
    subject,
    html: page(
      unit,
      subject,
      html`<p>${documentTitle(policy)} of ${unit.name}, submitted ${when(policy.submittedAt, unit)}, is overdue. ${status}</p>
<p>Not yet decided:</p><ul>${lines.map((l) => html`<li>${l}</li>`)}</ul>
<p>Their links work until ${when(expiresAt, unit)}.</p>`,
    ),
    text: [
      `${documentTitle(policy)} of ${unit.name}, submitted ${when(policy.submittedAt, unit)}, is overdue. ${status}`,
      '',
      'Not yet decided:',
      ...lines.map((l) => `  - ${l}`),
      '',
      `Their links work until ${when(expiresAt, unit)}.`,
      '',
    ].join('\n'),
  };
}

/** To the ISMS manager (and the submitter): not approved, with every comment, so the next version can answer them. */
export function policyReturnedEmail(args: {
  unit: BusinessUnitConfig;
  policy: PolicyItem;
  outcome: 'changes-requested' | 'not-held-on-time';
  decisions: Array<{ name: string; email: string; choice: string; comment: string; decidedAt: string }>;
}): Email {
  const { unit, policy, outcome, decisions } = args;
  const what = documentTitle(policy);
  const subject =
    outcome === 'changes-requested' ? `Changes requested: ${what} (${unit.name})` : `Not decided in time: ${what} (${unit.name})`;
  const lead =
    outcome === 'changes-requested'
      ? `Top management requested changes to ${what}: it is not approved. Submit a new version that answers the comments below.`
      : `${what} was not approved before the decision links expired. Submit it again as a new version.`;
  const rows = decisions.map(
    (d) => `${d.name} <${d.email}>: ${d.choice}, ${when(d.decidedAt, unit)}${d.comment ? `\n    "${d.comment}"` : ''}`,
  );
  return {
    to: [unit.ismsManager.email, policy.submitter],
    subject,
    html: page(
      unit,
      subject,
      html`<p>${lead}</p>
<h2>Decisions</h2>
${decisions.length ? html`<ul>${decisions.map((d) => html`<li>${d.name} &lt;${d.email}&gt;: <strong>${d.choice}</strong>, ${when(d.decidedAt, unit)}${d.comment ? html`<blockquote style="white-space: pre-wrap">${d.comment}</blockquote>` : ''}</li>`)}</ul>` : html`<p>No decision was recorded.</p>`}
<p>Fingerprint of the version decided on (SHA-256): ${policy.sha256}</p>`,
    ),
    text: [
      lead,
      '',
      'Decisions:',
      ...(rows.length ? rows.map((r) => `  - ${r}`) : ['  none recorded']),
      '',
      `Fingerprint (SHA-256): ${policy.sha256}`,
      '',
    ].join('\n'),
  };
}

const MARKDOWN_TAGS = new Set(
  'p h1 h2 h3 h4 h5 h6 blockquote ul ol li pre code em strong s a img hr br table thead tbody tr th td'.split(' '),
);
/**
 * A URL as markdown-it writes it: percent-encoded, `&` as `&amp;` and no other reference, no space; relative, or with one
 * of these schemes, or an inline image of the four kinds markdown-it lets through (data:image/gif, png, jpeg, webp).
 */
const safeUrl = (schemes: RegExp) => (v: string) => {
  if (/\s|&(?!amp;)/.test(v) || [...v].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return false;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(v);
  return !scheme || schemes.test(scheme[1]) || /^data:image\/(?:gif|png|jpeg|webp);/i.test(v);
};
const ATTRIBUTE_VALUE: Record<string, (value: string) => boolean> = {
  href: safeUrl(/^(?:https?|mailto|tel)$/i),
  src: safeUrl(/^https?$/i),
  alt: () => true,
  title: () => true,
  start: (v) => /^\d{1,9}$/.test(v),
  style: (v) => /^text-align:(?:left|center|right)$/.test(v),
  class: (v) => /^language-[\w+#.-]{1,40}$/.test(v),
};

/**
 * Whether stored HTML is what markdown-it (html off) writes: only its tags, only its attributes with the values it
 * writes, every other `<` escaped. Checked before the stored rendering of a policy is shown or sent, so that an item
 * changed in the table behind the code (docs/architecture.md#evidence-is-append-only) cannot put a form, a script, an
 * event handler or a javascript: link in front of top management or the audience; such HTML is not used.
 */
export function isMarkdownHtml(stored: string): boolean {
  const parts = stored.split('<').slice(1);
  for (const part of parts) {
    const m = /^(\/?)([a-z][a-z0-9]*)((?:\s+[a-z]+="[^"<>]*")*)\s*\/?>/.exec(part);
    if (!m || !MARKDOWN_TAGS.has(m[2])) return false;
    if (m[1] && m[3]) return false;
    for (const a of m[3].matchAll(/([a-z]+)="([^"]*)"/g)) {
      const rule = ATTRIBUTE_VALUE[a[1]];
      if (!rule?.(a[2])) return false;
    }
  }
  return true;
}

/**
 * The document as the communication email shows it, without a Markdown parser (policy-close carries none): objectives as
 * a table; Markdown as policy-open rendered and stored it, when it was rendered from these very bytes, else (too large to
 * store rendered) the Markdown itself as preformatted text; a PDF is named, not shown.
 */
export function communicatedDocumentHtml(
  doc: Pick<PolicyDocumentItem, 'format' | 'contentBase64' | 'sha256'>,
  objectives: readonly Objective[] | undefined,
  rendered: { sha256: string; html: string } | undefined,
): SafeHtml {
  if (doc.format === 'json' && objectives) return objectivesHtml(objectives);
  if (doc.format !== 'markdown') return html`<p>The document is a PDF.</p>`;
  if (rendered?.sha256 === doc.sha256 && isMarkdownHtml(rendered.html)) return new SafeHtml(rendered.html);
  return html`<pre style="white-space: pre-wrap">${Buffer.from(doc.contentBase64, 'base64').toString('utf8')}</pre>`;
}

/**
 * Communicated (5.2 d): one copy per audience address, with the document (Markdown inline, objectives as a table; a PDF
 * is named by its fingerprint, since SES SendEmail carries no attachment), its version and who approved it when.
 */
export function policyCommunicationEmail(args: {
  unit: BusinessUnitConfig;
  policy: PolicyItem;
  doc: Pick<PolicyDocumentItem, 'format' | 'contentBase64'>;
  approvers: Array<{ name: string; email: string; decidedAt: string }>;
  approvedAt: string;
  /** The document as HTML (communicatedDocumentHtml): this module has no Markdown parser. */
  rendered: SafeHtml;
}): Email {
  const { unit, policy, doc, approvers, approvedAt } = args;
  const what = documentTitle(policy);
  const subject = `${what} of ${unit.name}, approved by top management`;
  const approved = `Approved on ${when(approvedAt, unit)} by ${approvers.map((a) => a.name).join(', ')} (${policy.requiredApprovals} of ${policy.members.length} required).`;
  const body =
    doc.format === 'markdown'
      ? Buffer.from(doc.contentBase64, 'base64').toString('utf8')
      : doc.format === 'json' && policy.objectives
        ? objectivesText(policy.objectives)
        : `The document is a PDF (fingerprint SHA-256 ${policy.sha256}); the ISMS manager, ${unit.ismsManager.name} <${unit.ismsManager.email}>, makes it available.`;
  return {
    to: [],
    subject,
    html: page(
      unit,
      subject,
      html`<p>${approved}</p>
<p>What changed: ${policy.summary}</p>
<hr>
${doc.format === 'pdf' ? html`<p>${body}</p>` : args.rendered}
<hr>
<p style="font-size: 0.9em; color: #555">Fingerprint (SHA-256) of this version: ${policy.sha256}. Questions: ${unit.ismsManager.name} &lt;${unit.ismsManager.email}&gt;, ISMS manager.</p>`,
    ),
    text: [
      approved,
      '',
      `What changed: ${policy.summary}`,
      '',
      '-----',
      body,
      '-----',
      '',
      `Fingerprint (SHA-256) of this version: ${policy.sha256}.`,
      `Questions: ${unit.ismsManager.name} <${unit.ismsManager.email}>, ISMS manager.`,
      '',
    ].join('\n'),
  };
}

/** To the ISMS manager: the current version is due (or overdue) for top management's re-confirmation. */
export function reconfirmationEmail(args: {
  unit: BusinessUnitConfig;
  policy: PolicyItem;
  state: 'due' | 'overdue';
  dueAt: string;
}): Email {
  const { unit, policy, state, dueAt } = args;
  const what = documentTitle(policy);
  const subject = `${state === 'overdue' ? 'Overdue' : 'Due'}: re-confirmation of ${what} (${unit.name})`;
  const command = `isms ${policy.documentKind === 'policy' ? 'policy' : 'objectives'} submit --bu ${unit.id} --file <file>${policy.documentKind === 'policy' ? ' --version <new version> --summary "…"' : ' --version <new version> --summary "…"'}`;
  const lead =
    state === 'overdue'
      ? `${what}, approved ${when(policy.closedAt ?? policy.submittedAt, unit)}, was due for re-confirmation by top management on ${when(dueAt, unit)} and is overdue.`
      : `${what}, approved ${when(policy.closedAt ?? policy.submittedAt, unit)}, is due for re-confirmation by top management on ${when(dueAt, unit)}.`;
  const ask = `Submit the current version unchanged (as a new version number) or a revised one for approval: ${command}`;
  return {
    to: [unit.ismsManager.email],
    subject,
    html: page(unit, subject, html`<p>${lead}</p><p>${ask}</p>`),
    text: [lead, '', ask, ''].join('\n'),
  };
}
