// The resource-approval emails (approval request, reminder, escalation, outcome), rendered as HTML and plain text with no AWS import.
import { CATEGORY_LABELS, unitIdentities, type BusinessUnitConfig } from './config';
import { html, type SafeHtml } from './html';
import { decisionButton, type Email } from './email';
import type { RequestItem, RequestLevel } from './subjects';
import { formatAmount, type Outcome } from './request';

export type ApprovalEmailKind = 'first' | 'reminder' | 'escalation' | 'overdue';

function page(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head>
<body style="font-family: -apple-system, Segoe UI, Roboto, Arial, sans-serif; line-height: 1.5; color: #1a1a1a; max-width: 640px; margin: 0 auto; padding: 16px">
${body}
</body></html>`.value;
}

function summaryRows(request: RequestItem): Array<[string, string]> {
  const rows: Array<[string, string]> = [
    ['Request', request.requestId],
    ['Category', CATEGORY_LABELS[request.category] ?? request.category],
    ['Amount', formatAmount(request.amount, request.currency)],
    ['Requested by', request.requester],
    ['Submitted', request.submittedAt],
  ];
  if (request.reviewPeriod) rows.push(['Answers an action of the review', request.reviewPeriod]);
  return rows;
}

function summaryHtml(request: RequestItem): SafeHtml {
  return html`<table style="border-collapse: collapse; margin: 12px 0">${summaryRows(request).map(
    ([k, v]) => html`<tr><th style="text-align: left; padding: 2px 12px 2px 0; vertical-align: top">${k}</th><td>${v}</td></tr>`,
  )}</table>
<h3 style="margin-bottom: 4px">${request.title}</h3>
<p style="white-space: pre-wrap; margin-top: 0">${request.justification}</p>`;
}

const summaryText = (request: RequestItem) =>
  [...summaryRows(request).map(([k, v]) => `${k}: ${v}`), '', `Title: ${request.title}`, '', 'Justification:', request.justification].join(
    '\n',
  );

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
    first: 'Approval needed',
    reminder: `Reminder ${opts.reminder ?? ''}: approval needed`.replace('  ', ' '),
    escalation: 'Escalated: approval needed',
    overdue: 'Overdue: approval needed',
  }[kind];
  const subject = `[${unit.name}] ${prefix}: ${request.title} (${formatAmount(request.amount, request.currency)})`;
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
    ? `The link is personal, works once and expires at ${opts.expiresAt}.`
    : 'The link is personal and works once.';
  const route = routeLines(request);

  const body = html`<p>Dear ${level.approver.name},</p>
<p>${levelLine}</p>
${why.map((w) => html`<p>${w}</p>`)}
${summaryHtml(request)}
${decisionButton(url)}
<p style="font-size: 0.9em; color: #555">The link opens a page where you approve or reject, with a comment; opening it decides nothing. ${expires} Do not forward this email.</p>
<h4 style="margin-bottom: 4px">Approval route</h4>
<ol style="margin-top: 0">${route.map((r) => (r.current ? html`<li><strong>${r.text.replace(/^\d+\. /, '')}</strong></li>` : html`<li>${r.text.replace(/^\d+\. /, '')}</li>`))}</ol>
<p style="font-size: 0.9em; color: #555">${unit.name}, information security management system. Questions: ${unit.ismsManager.name} (${unit.ismsManager.email}).</p>`;

  const text = [
    `Dear ${level.approver.name},`,
    '',
    levelLine,
    ...why.flatMap((w) => ['', w]),
    '',
    summaryText(request),
    '',
    'Review and decide (approve or reject, with a comment):',
    url,
    '',
    `Opening the link decides nothing. ${expires} Do not forward this email.`,
    '',
    'Approval route:',
    ...route.map((r) => `${r.current ? '> ' : '  '}${r.text}`),
    '',
    `${unit.name}, information security management system. Questions: ${unit.ismsManager.name} <${unit.ismsManager.email}>.`,
  ].join('\n');

  return { to: [level.approver.email], subject, html: page(subject, body), text };
}

const OUTCOME_WORDS: Record<Outcome, string> = { approved: 'approved', rejected: 'rejected', expired: 'expired without a decision' };

/** The outcome, to the requester with the ISMS manager in copy. */
export function outcomeEmail(opts: {
  unit: BusinessUnitConfig;
  request: RequestItem;
  outcome: Outcome;
  reason?: string;
  decision?: { decidedBy: string; decidedAt: string; comment?: string; level: number };
}): Email {
  const { unit, request, outcome, decision } = opts;
  const subject = `[${unit.name}] Resource request ${OUTCOME_WORDS[outcome]}: ${request.title}`;
  const lines: string[] = [];
  if (outcome === 'approved') lines.push(`Your resource request was approved at every level it needed (${request.levels.length}).`);
  if (outcome === 'rejected' && decision) {
    const level = request.levels[decision.level];
    lines.push(
      `Your resource request was rejected at level ${decision.level + 1} (${level?.name ?? 'unknown'}) by ${decision.decidedBy} at ${decision.decidedAt}.`,
    );
  } else if (outcome === 'rejected') {
    lines.push('Your resource request was rejected.');
  }
  if (outcome === 'expired')
    lines.push(
      'Nobody decided on your resource request before the decision links expired, after reminders and escalation. You may submit it again.',
    );
  if (opts.reason) lines.push(`Reason: ${opts.reason}`);
  const comment = decision?.comment?.trim();
  const levelsText = request.levels.map(
    (l) =>
      `${l.index + 1}. ${l.name}: ${l.approver.name} <${l.approver.email}>: ${l.outcome ?? (outcome === 'approved' ? 'approved' : 'not decided')}`,
  );

  const body = html`<p>${lines.map((l) => html`${l}<br>`)}</p>
${comment ? html`<p>Comment:</p><blockquote style="white-space: pre-wrap; border-left: 3px solid #ccc; margin: 0; padding-left: 12px">${comment}</blockquote>` : ''}
${summaryHtml(request)}
<h4 style="margin-bottom: 4px">Approval route</h4>
<ol style="margin-top: 0">${levelsText.map((t) => html`<li>${t.replace(/^\d+\. /, '')}</li>`)}</ol>
<p style="font-size: 0.9em; color: #555">This outcome is recorded as evidence and appears in the next management review pack of ${unit.name}.</p>`;

  const text = [
    ...lines,
    ...(comment ? ['', 'Comment:', comment] : []),
    '',
    summaryText(request),
    '',
    'Approval route:',
    ...levelsText,
    '',
    `This outcome is recorded as evidence and appears in the next management review pack of ${unit.name}.`,
  ].join('\n');

  const managerIsRequester = unitIdentities(unit).same(request.requester, unit.ismsManager.email);
  return {
    to: [request.requester],
    cc: managerIsRequester ? undefined : [unit.ismsManager.email],
    subject,
    html: page(subject, body),
    text,
  };
}
