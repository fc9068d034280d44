// The minutes as an HTML document and as plain text (stored and emailed); every value in the HTML is escaped. No AWS here.
import { html, type SafeHtml } from './html';
import { DECIDED } from './decisions';
import { OUTCOME_TEXT, type Minutes, type MinutesAction, type MinutesMember } from './review-minutes';
import type { PackSection } from './review-pack';
import { CATEGORY_LABELS } from './config';
import { shortFingerprint } from './fingerprint';

/** The member as the minutes name them: "Dora Deputy for Clara Weber" when a deputy decided for them (issue 15). */
const memberName = (x: MinutesMember) => (x.decision?.decidedBy ? `${x.decision.decidedBy} for ${x.name}` : x.name);

export function minutesTitle(m: Pick<Minutes, 'unitName' | 'period'>): string {
  return `Minutes of the management review ${m.period}: ${m.unitName}`;
}

function sectionHtml(s: PackSection): SafeHtml {
  return html`<section><h3>${s.clause} ${s.heading}</h3>${s.blocks.map(
    (b) => html`${b.label ? html`<h4>${b.label}</h4>` : ''}<ul>${b.lines.map((l) => html`<li>${l}</li>`)}</ul>`,
  )}</section>`;
}

/** The minutes as an HTML document (stored and emailed); every value is escaped. */
export function renderMinutesHtml(m: Minutes): string {
  const memberRow = (x: MinutesMember) =>
    html`<tr><td>${memberName(x)}${x.chair ? ' (chair)' : ''}</td><td>${x.role}</td><td>${
      x.decision ? DECIDED[x.decision.choice] : 'no decision'
    }</td><td>${x.decision?.decidedAt ?? ''}</td><td>${x.decision?.comment ?? ''}</td></tr>`;
  const adequacyRow = (a: Minutes['adequacy'][number]) =>
    html`<tr><td>${CATEGORY_LABELS[a.category]}</td><td>${a.adequate.join(', ') || '-'}</td><td>${a.inadequate.join(', ') || '-'}</td><td>${
      a.notAssessed.join(', ') || '-'
    }</td></tr>`;
  const actionRow = (a: MinutesAction) =>
    html`<tr><td>${a.actionId}</td><td>${a.title}<br>${a.detail}</td><td>${a.owner.name} &lt;${a.owner.email}&gt;</td><td>${a.dueDate}</td></tr>`;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${minutesTitle(m)}</title></head>
<body><main>
<h1>${minutesTitle(m)}</h1>
<dl>
<dt>Business unit</dt><dd>${m.unitName} (${m.bu})</dd>
<dt>Period</dt><dd>${m.period}</dd>
<dt>Opened</dt><dd>${m.openedAt}</dd>
<dt>Pack compiled</dt><dd>${m.packCompiledAt}</dd>
<dt>Closed</dt><dd>${m.closedAt}</dd>
<dt>Outcome</dt><dd>${OUTCOME_TEXT[m.outcome]}</dd>
${m.packFingerprint ? html`<dt>Pack fingerprint</dt><dd><code data-fingerprint="${m.packFingerprint}">${shortFingerprint(m.packFingerprint)}</code> (SHA-256)</dd>` : ''}
</dl>
<h2>Decisions of top management</h2>
<table><thead><tr><th>Member</th><th>Role</th><th>Decision</th><th>Time</th><th>Comment</th></tr></thead><tbody>${m.members.map(memberRow)}</tbody></table>
<h2>Decisions</h2>
<ul>${m.decisions.map((d) => html`<li>${d}</li>`)}</ul>
<h2>Resource adequacy (5.1 c, 7.1)</h2>
<table><thead><tr><th>Category</th><th>Adequate</th><th>Inadequate</th><th>Not assessed</th></tr></thead><tbody>${m.adequacy.map(adequacyRow)}</tbody></table>
<h2>Actions</h2>
${m.actions.length ? html`<table><thead><tr><th>Id</th><th>Action</th><th>Owner</th><th>Due</th></tr></thead><tbody>${m.actions.map(actionRow)}</tbody></table>` : html`<p>No new actions.</p>`}
<h2>Inputs presented (9.3.2)</h2>
${m.inputsPresented.map(sectionHtml)}
</main></body></html>
`.value;
}

export function renderMinutesText(m: Minutes): string {
  const lines: string[] = [minutesTitle(m), ''];
  lines.push(
    `Business unit: ${m.unitName} (${m.bu})`,
    `Period: ${m.period}`,
    `Opened: ${m.openedAt}`,
    `Pack compiled: ${m.packCompiledAt}`,
    `Closed: ${m.closedAt}`,
    ...(m.packFingerprint ? [`Pack fingerprint: ${shortFingerprint(m.packFingerprint)} (SHA-256)`] : []),
  );
  lines.push(`Outcome: ${OUTCOME_TEXT[m.outcome]}`, '', 'DECISIONS OF TOP MANAGEMENT');
  for (const x of m.members) {
    const d = x.decision;
    lines.push(
      `- ${memberName(x)}${x.chair ? ' (chair)' : ''}, ${x.role}: ${d ? `${DECIDED[d.choice]} at ${d.decidedAt}` : 'no decision'}`,
    );
    if (d?.comment) lines.push(`  Comment: ${d.comment}`);
  }
  lines.push('', 'DECISIONS', ...m.decisions.map((d) => `- ${d}`), '', 'RESOURCE ADEQUACY');
  for (const a of m.adequacy) {
    lines.push(
      `- ${CATEGORY_LABELS[a.category]}: adequate: ${a.adequate.join(', ') || '-'}; inadequate: ${a.inadequate.join(', ') || '-'}; not assessed: ${a.notAssessed.join(', ') || '-'}`,
    );
  }
  lines.push('', 'ACTIONS');
  if (!m.actions.length) lines.push('No new actions.');
  for (const a of m.actions)
    lines.push(`- ${a.actionId}: ${a.title}. ${a.detail} Owner: ${a.owner.name} <${a.owner.email}>. Due: ${a.dueDate}.`);
  lines.push('', 'INPUTS PRESENTED (9.3.2)');
  for (const s of m.inputsPresented) {
    lines.push(`${s.clause} ${s.heading}`);
    for (const b of s.blocks) {
      if (b.label) lines.push(`  ${b.label}:`);
      for (const l of b.lines) lines.push(`  - ${l}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
