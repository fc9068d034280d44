// The resource-approval emails (approval request, reminder, escalation, outcome), rendered as HTML and plain text with no AWS import.
import { CATEGORY_LABELS, unitIdentities, type BusinessUnitConfig } from './unit';
import { html, type SafeHtml } from './html';
import { decisionButton, type Email } from './email';
import { emailSubject, layoutEmail } from './email-layout';
import { formatMoney, formatTime } from './format';
import type { DecisionRecord } from './decisions';
import type { RequestItem, RequestLevel } from './subjects';
import { levelDecision, type Outcome } from './request';
import { actingLabel } from './seats';
import { shortFingerprint } from './fingerprint';

export type ApprovalEmailKind = 'first' | 'reminder' | 'escalation' | 'overdue';

function summaryRows(request: RequestItem, timeZone: string): Array<[string, string]> {
  const rows: Array<[string, string]> = [
    ['Request', request.requestId],
    ['Category', CATEGORY_LABELS[request.category] ?? request.category],
    ['Amount', formatMoney(request.amount, request.currency)],
    ['Requested by', request.requester],
    ['Submitted', formatTime(request.submittedAt, timeZone)],
  ];
  if (request.reviewPeriod) rows.push(['Answers an action of the review', request.reviewPeriod]);
  return rows;
}

function summaryHtml(request: RequestItem, timeZone: string): SafeHtml {
  return html`<table style="border-collapse: collapse; margin: 12px 0">${summaryRows(request, timeZone).map(
    ([k, v]) => html`<tr><th style="text-align: left; padding: 2px 12px 2px 0; vertical-align: top">${k}</th><td>${v}</td></tr>`,
  )}</table>
<h3 style="margin-bottom: 4px">${request.title}</h3>
<p style="white-space: pre-wrap; margin-top: 0">${request.justification}</p>`;
}

const summaryText = (request: RequestItem, timeZone: string) =>
  [
    ...summaryRows(request, timeZone).map(([k, v]) => `${k}: ${v}`),
    '',
    `Title: ${request.title}`,
    '',
    'Justification:',
    request.justification,
  ].join('\n');

function routeLines(request: RequestItem): Array<{ text: string; current: boolean }> {
  return request.levels.map((l) => ({
    text: `${l.index + 1}. ${l.name}: ${l.approver.name} <${l.approver.email}>${l.outcome ? ` (${l.outcome})` : ''}`,
    current: l.index === request.currentLevel,
  }));
}

/** The email asking a level's approver (or escalation contact) to decide, with their personal link. */
export function approvalEmail(opts: {
  unit: BusinessUnitConfig;
  request: RequestItem;
  level: RequestLevel;
  url: string;
  kind: ApprovalEmailKind;
  /** Reminder number (1-based) for kind 'reminder'. */
  reminder?: number;
  /** Escalation: whose decision this was, and why it moved. */
  escalatedFrom?: { name: string; email: string };
  reason?: string;
  expiresAt?: string;
}): Email {
  const { unit, request, level, url, kind } = opts;
  const prefix = {
    first: 'Approve or reject',
    reminder: `Approve or reject (reminder${opts.reminder ? ` ${opts.reminder}` : ''})`,
    escalation: 'Approve or reject (escalated to you)',
    overdue: 'Approve or reject (overdue)',
  }[kind];
  const subject = emailSubject(prefix, `${request.title}, ${formatMoney(request.amount, request.currency)}`, unit.name);
  const levelLine = `You decide level ${level.index + 1} of ${request.levels.length} (${level.name}) of this resource request.`;
  const why: string[] = [];
  if (kind === 'reminder')
    why.push(
      'We have not yet received your decision. This is a new link to the same decision; earlier links still work until one of them is used.',
    );
  if (kind === 'escalation' && opts.escalatedFrom) {
    why.push(
      `${opts.escalatedFrom.name} (${opts.escalatedFrom.email}) did not decide in time, so the decision now rests with you as the escalation contact. Their link no longer works.`,
    );
  }
  if (kind === 'overdue') why.push('This decision is overdue. If it is not taken before the link expires, the request ends as expired.');
  if (level.reroutedReason && kind === 'first')
    why.push(`This level came to you instead of ${level.configuredApprover.name}: ${level.reroutedReason}.`);
  if (opts.reason && kind !== 'first') why.push(opts.reason);
  const expires = opts.expiresAt
    ? `The link is personal, works once and expires at ${formatTime(opts.expiresAt, unit.timeZone)}.`
    : 'The link is personal and works once.';
  const route = routeLines(request);

  const body = html`<p>Dear ${level.approver.name},</p>
<p>${levelLine}</p>
${why.map((w) => html`<p>${w}</p>`)}
${summaryHtml(request, unit.timeZone)}
${decisionButton(url)}
<p style="font-size: 0.9em; color: #555">The link opens a page where you approve or reject, with a comment; opening it decides nothing. ${expires} Do not forward this email.</p>
<h4 style="margin-bottom: 4px">Approval route</h4>
<ol style="margin-top: 0">${route.map((r) => (r.current ? html`<li><strong>${r.text.replace(/^\d+\. /, '')}</strong></li>` : html`<li>${r.text.replace(/^\d+\. /, '')}</li>`))}</ol>`;

  const text = [
    `Dear ${level.approver.name},`,
    '',
    levelLine,
    ...why.flatMap((w) => ['', w]),
    '',
    summaryText(request, unit.timeZone),
    '',
    'Review and decide (approve or reject, with a comment):',
    url,
    '',
    `Opening the link decides nothing. ${expires} Do not forward this email.`,
    '',
    'Approval route:',
    ...route.map((r) => `${r.current ? '> ' : '  '}${r.text}`),
  ].join('\n');

  return {
    to: [level.approver.email],
    subject,
    ...layoutEmail({
      unitName: unit.name,
      subject,
      heading: `Approve or reject: ${request.title}`,
      body,
      text,
      footer: `${unit.name}, information security management system. Questions: ${unit.ismsManager.name} <${unit.ismsManager.email}>.`,
    }),
  };
}

const OUTCOME_WORDS: Record<Outcome, string> = { approved: 'approved', rejected: 'rejected', expired: 'expired without a decision' };

/** "2 days 3 hours", "45 minutes": how long a request took from submission to outcome, in the largest two units. */
export function formatLeadTime(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  const units: Array<[string, number]> = [
    ['day', Math.floor(minutes / 1440)],
    ['hour', Math.floor((minutes % 1440) / 60)],
    ['minute', minutes % 60],
  ];
  const first = units.findIndex(([, n]) => n > 0);
  if (first < 0) return 'less than a minute';
  return units
    .slice(first, first + 2)
    .filter(([, n]) => n > 0)
    .map(([u, n]) => `${n} ${u}${n === 1 ? '' : 's'}`)
    .join(' ');
}

/** One line per level: who decided, when, with which comment; or why nobody did. From the recorded decisions only. */
function levelLines(
  unit: BusinessUnitConfig,
  request: RequestItem,
  decisions: DecisionRecord[],
  /** The decision that ended the request, for its level when no record of it was passed. */
  last?: { decidedBy: string; decidedAt: string; comment?: string; level: number; choice?: string },
): Array<{ head: string; comment?: string }> {
  const ids = unitIdentities(unit);
  return request.levels.map((l) => {
    const d =
      levelDecision(request, l.index, decisions) ??
      (last?.level === l.index
        ? { ...last, decisionId: '', comment: last.comment ?? '', choice: last.choice === 'approve' ? 'approve' : 'reject' }
        : undefined);
    const head = `Level ${l.index + 1} (${l.name})`;
    if (!d) return { head: `${head}: not decided (${l.approver.name} <${l.approver.email}>)` };
    const record = decisions.find((x) => x.decisionId === d.decisionId);
    const name = record?.recipient.name ?? ids.nameOf(ids.of(d.decidedBy)) ?? d.decidedBy;
    // A deputy's decision names both people, and what was decided on (issue 15).
    const who = record?.actingFor ? actingLabel({ name }, record.actingFor) : name;
    const on = record?.fingerprint ? `, on the request with fingerprint ${shortFingerprint(record.fingerprint)}` : '';
    const choice = d.choice === 'approve' ? 'approved' : 'rejected';
    return {
      head: `${head}: ${choice} by ${who} <${d.decidedBy}> at ${formatTime(d.decidedAt, unit.timeZone)}${on}`,
      comment: d.comment.trim() || undefined,
    };
  });
}

/** The outcome, to the requester with the ISMS manager in copy: every level's decision, who, when and why, and the lead time. */
export function outcomeEmail(opts: {
  unit: BusinessUnitConfig;
  request: RequestItem;
  outcome: Outcome;
  reason?: string;
  decision?: { decidedBy: string; decidedAt: string; comment?: string; level: number; choice?: 'approve' | 'reject' };
  /** Every decision recorded for the request: each level's is listed (without them, only `decision`'s level is). */
  decisions?: DecisionRecord[];
}): Email {
  const { unit, request, outcome, decision } = opts;
  const ids = unitIdentities(unit);
  const subject = emailSubject(`Request ${OUTCOME_WORDS[outcome]}`, request.title, unit.name);
  const requesterName = ids.nameOf(ids.of(request.requester));
  const greeting = requesterName ? `Dear ${requesterName},` : 'Hello,';
  const lines: string[] = [];
  if (outcome === 'approved') lines.push(`Your resource request was approved at every level it needed (${request.levels.length}).`);
  if (outcome === 'rejected' && decision) {
    const level = request.levels[decision.level];
    lines.push(
      `Your resource request was rejected at level ${decision.level + 1} (${level?.name ?? 'unknown'}) by ${decision.decidedBy} at ${formatTime(decision.decidedAt, unit.timeZone)}.`,
    );
  } else if (outcome === 'rejected') {
    lines.push('Your resource request was rejected.');
  }
  if (outcome === 'expired')
    lines.push(
      'Nobody decided on your resource request before the decision links expired, after reminders and escalation. You may submit it again.',
    );
  if (opts.reason) lines.push(`Reason: ${opts.reason}`);
  const levels = levelLines(unit, request, opts.decisions ?? [], decision);
  const leadMs = request.closedAt ? Date.parse(request.closedAt) - Date.parse(request.submittedAt) : Number.NaN;
  const lead = Number.isFinite(leadMs)
    ? `Lead time: ${formatLeadTime(leadMs)}, from submission (${formatTime(request.submittedAt, unit.timeZone)}) to outcome (${formatTime(request.closedAt!, unit.timeZone)}).`
    : undefined;
  const footer = `This outcome is recorded as evidence and appears in the next management review pack of ${unit.name}.`;

  const body = html`<p>${greeting}</p>
<p>${lines.map((l, i) => html`${i ? html`<br>` : ''}${l}`)}</p>
${lead ? html`<p>${lead}</p>` : ''}
<h2 style="font-size: 18px; margin-bottom: 4px">Decisions</h2>
<ol style="margin-top: 0; padding-left: 20px">${levels.map(
    (l) =>
      html`<li>${l.head}${l.comment ? html`<blockquote style="white-space: pre-wrap; border-left: 3px solid #ccc; margin: 4px 0; padding-left: 12px">${l.comment}</blockquote>` : ''}</li>`,
  )}</ol>
${summaryHtml(request, unit.timeZone)}`;

  const text = [
    greeting,
    '',
    ...lines,
    ...(lead ? ['', lead] : []),
    '',
    'Decisions:',
    ...levels.flatMap((l) => [`  - ${l.head}`, ...(l.comment ? l.comment.split('\n').map((c) => `    "${c}"`) : [])]),
    '',
    summaryText(request, unit.timeZone),
  ].join('\n');

  const managerIsRequester = ids.same(request.requester, unit.ismsManager.email);
  return {
    to: [request.requester],
    cc: managerIsRequester ? undefined : [unit.ismsManager.email],
    subject,
    ...layoutEmail({
      unitName: unit.name,
      subject,
      heading: `Your resource request was ${OUTCOME_WORDS[outcome]}: ${request.title}`,
      body,
      text,
      footer,
    }),
  };
}
