// The minutes as an HTML document and as plain text (stored and emailed); every value in the HTML is escaped. No AWS here.
import { html, type SafeHtml } from './html';
import { DECIDED } from './decisions';
import { OUTCOME_TEXT, type Minutes, type MinutesAction, type MinutesMember } from './review-minutes';
import type { PackSection } from './review-pack';
import { CATEGORY_LABELS } from './unit';
import { layoutHtml, layoutText } from './email-layout';
import { formatTime } from './format';
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

/** The minutes as an HTML document (stored and emailed) in the one email layout; every value is escaped. */
export function renderMinutesHtml(m: Minutes, timeZone = 'UTC'): string {
  const when = (iso: string) => formatTime(iso, timeZone);
  // Lists, not wide tables: the minutes are read on phones, where a five-column table would scroll sideways.
  const memberItem = (x: MinutesMember) =>
    html`<li><strong>${memberName(x)}</strong>${x.chair ? ' (chair)' : ''}, ${x.role}: ${
      x.decision ? html`${DECIDED[x.decision.choice]} at ${when(x.decision.decidedAt)}` : 'no decision'
    }${x.decision?.comment ? html`<br>Comment: <span style="white-space: pre-wrap">${x.decision.comment}</span>` : ''}</li>`;
  const adequacyItem = (a: Minutes['adequacy'][number]) =>
    html`<li><strong>${CATEGORY_LABELS[a.category]}</strong>: adequate: ${a.adequate.join(', ') || '-'}; inadequate: ${
      a.inadequate.join(', ') || '-'
    }; not assessed: ${a.notAssessed.join(', ') || '-'}</li>`;
  const actionItem = (a: MinutesAction) =>
    html`<li><strong>${a.title}</strong> (${a.actionId})<br>${a.detail}<br>Owner: ${a.owner.name} &lt;${a.owner.email}&gt;; due ${a.dueDate}</li>`;
  const title = minutesTitle(m);
  return layoutHtml({
    unitName: m.unitName,
    subject: title,
    heading: title,
    footer: 'These minutes are kept as evidence of the management review (ISO/IEC 27001 9.3.3).',
    body: html`<p><strong>Outcome:</strong> ${OUTCOME_TEXT[m.outcome]}</p>
<ul>
<li>Business unit: ${m.unitName} (${m.bu})</li>
<li>Period: ${m.period}</li>
<li>Opened: ${when(m.openedAt)}</li>
<li>Pack compiled: ${when(m.packCompiledAt)}</li>
<li>Closed: ${when(m.closedAt)}</li>
${m.packFingerprint ? html`<li>Pack fingerprint: <code data-fingerprint="${m.packFingerprint}">${shortFingerprint(m.packFingerprint)}</code> (SHA-256)</li>` : ''}
</ul>
<h2 style="font-size: 18px">Decisions of top management</h2>
<ul>${m.members.map(memberItem)}</ul>
<h2 style="font-size: 18px">Decisions</h2>
<ul>${m.decisions.map((d) => html`<li>${d}</li>`)}</ul>
<h2 style="font-size: 18px">Resource adequacy (5.1 c, 7.1)</h2>
<ul>${m.adequacy.map(adequacyItem)}</ul>
<h2 style="font-size: 18px">Actions</h2>
${m.actions.length ? html`<ul>${m.actions.map(actionItem)}</ul>` : html`<p>No new actions.</p>`}
<h2 style="font-size: 18px">Inputs presented (9.3.2)</h2>
${m.inputsPresented.map(sectionHtml)}`,
  });
}

export function renderMinutesText(m: Minutes, timeZone = 'UTC'): string {
  const when = (iso: string) => formatTime(iso, timeZone);
  const lines: string[] = [];
  lines.push(
    `Business unit: ${m.unitName} (${m.bu})`,
    `Period: ${m.period}`,
    `Opened: ${when(m.openedAt)}`,
    `Pack compiled: ${when(m.packCompiledAt)}`,
    `Closed: ${when(m.closedAt)}`,
    ...(m.packFingerprint ? [`Pack fingerprint: ${shortFingerprint(m.packFingerprint)} (SHA-256)`] : []),
  );
  lines.push(`Outcome: ${OUTCOME_TEXT[m.outcome]}`, '', 'DECISIONS OF TOP MANAGEMENT');
  for (const x of m.members) {
    const d = x.decision;
    lines.push(
      `- ${memberName(x)}${x.chair ? ' (chair)' : ''}, ${x.role}: ${d ? `${DECIDED[d.choice]} at ${when(d.decidedAt)}` : 'no decision'}`,
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
  return layoutText({
    unitName: m.unitName,
    heading: minutesTitle(m),
    body: lines.join('\n'),
    footer: 'These minutes are kept as evidence of the management review (ISO/IEC 27001 9.3.3).',
  });
}
