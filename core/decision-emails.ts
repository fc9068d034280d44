// The email confirming a recorded decision to the link's recipient: a forwarded link used by someone else is noticed at once.
import { CATEGORY_LABELS, type BusinessUnitConfig, type ResourceCategory } from './unit';
import { terminalSafe } from './text';
import type { Email } from './email';
import { emailSubject, layoutEmail } from './email-layout';
import { html } from './html';
import { DECIDED, type DecisionRecord, type LinkItem } from './decisions';
import { formatMoney, formatTime } from './format';
import { documentTitle } from './policy-render';

/** What was decided on, in words: "the management review 2026-Q4" or "level 1 (ISMS sponsor) of the resource request …". */
function decidedOn(link: LinkItem, subject: Record<string, unknown>): { short: string; long: string } {
  if (link.subjectType === 'review') {
    const period = String(subject.period ?? link.subjectId);
    return { short: `management review ${period}`, long: `the management review ${period} (ISO/IEC 27001 9.3)` };
  }
  if (link.subjectType === 'policy') {
    const what = documentTitle({
      documentKind: subject.documentKind === 'objectives' ? 'objectives' : 'policy',
      version: String(subject.version ?? ''),
    });
    return { short: what, long: `${what} (SHA-256 ${String(subject.sha256 ?? '')})` };
  }
  const title = String(subject.title ?? link.subjectId);
  const amount = typeof subject.amount === 'number' ? ` (${formatMoney(subject.amount, String(subject.currency ?? ''))})` : '';
  const levels: Array<{ index?: number; name?: string }> = Array.isArray(subject.levels) ? subject.levels : [];
  const level = link.level !== undefined ? (levels.find((l) => l.index === link.level) ?? levels[link.level]) : undefined;
  const levelText = link.level !== undefined ? `level ${link.level + 1}${level?.name ? ` (${level.name})` : ''} of ` : '';
  return { short: `${title}${amount}`, long: `${levelText}the resource request "${title}"${amount}, ${link.subjectId}` };
}

export function decisionConfirmationEmail(args: {
  unit: BusinessUnitConfig;
  link: LinkItem;
  subject: Record<string, unknown>;
  record: DecisionRecord;
}): Email {
  const { unit, link, subject, record } = args;
  const on = decidedOn(link, subject);
  const decided = DECIDED[record.choice] ?? record.choice;
  const at = formatTime(record.decidedAt, unit.timeZone);
  // Both come from whoever posted the form: shown, never interpreted.
  const ip = terminalSafe(record.sourceIp || 'not known');
  const agent = terminalSafe(record.userAgent || 'none sent');
  const manager = `${unit.ismsManager.name} <${unit.ismsManager.email}>`;
  const subjectLine = emailSubject('Decision recorded', `${decided}, ${on.short}`, unit.name);
  const adequacy = Object.entries(record.resourceAdequacy ?? {}).map(
    ([c, a]) => `${CATEGORY_LABELS[c as ResourceCategory] ?? c} resources: ${a}`,
  );
  const comment = record.comment.trim();
  const warning = `If this was not you, tell ${manager}, ISMS manager, at once: someone else used your personal decision link (a forwarded email, for instance).`;

  const footer = `Your link now shows this decision and records no other. ${unit.name}, information security management system.`;
  const body = html`<p>Dear ${record.recipient.name},</p>
<p>Your decision on ${on.long} was recorded: <strong>${decided}</strong>, at ${at}.</p>
${adequacy.length ? html`<ul>${adequacy.map((a) => html`<li>${a}</li>`)}</ul>` : ''}
${comment ? html`<p>Comment:</p><blockquote style="white-space: pre-wrap; border-left: 3px solid #ccc; margin: 0; padding-left: 12px">${comment}</blockquote>` : ''}
<p>Recorded with it: source IP address ${ip}; browser (user agent) ${agent}.</p>
<p><strong>${warning}</strong></p>`;

  const text = [
    `Dear ${record.recipient.name},`,
    '',
    `Your decision on ${on.long} was recorded: ${decided}, at ${at}.`,
    ...(adequacy.length ? ['', ...adequacy.map((a) => `  - ${a}`)] : []),
    ...(comment ? ['', 'Comment:', comment] : []),
    '',
    `Recorded with it: source IP address ${ip}; browser (user agent) ${agent}.`,
    '',
    warning,
  ].join('\n');

  return {
    to: [record.recipient.email],
    subject: subjectLine,
    ...layoutEmail({ unitName: unit.name, subject: subjectLine, heading: `Your decision was recorded: ${decided}`, body, text, footer }),
  };
}
