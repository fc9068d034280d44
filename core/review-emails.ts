// Emails of the management review (invitation, reminder, escalation, minutes): HTML and plain text, every value escaped.
import type { BusinessUnitConfig } from './config';
import { decisionButton, type Email } from './email';
import { emailSubject, layoutEmail } from './email-layout';
import { formatTime } from './format';
import { html, type SafeHtml } from './html';
import type { PackSection, ReviewPack } from './review-pack';
import type { Minutes } from './review-minutes';
import { renderMinutesHtml, renderMinutesText } from './review-render';
import type { ReviewItem, ReviewMember } from './subjects';

function packHtml(sections: PackSection[]): SafeHtml {
  return html`${sections.map(
    (s) =>
      html`<h3>${s.clause} ${s.heading}</h3>${s.blocks.map((b) => html`${b.label ? html`<h4>${b.label}</h4>` : ''}<ul>${b.lines.map((l) => html`<li>${l}</li>`)}</ul>`)}`,
  )}`;
}

function packText(sections: PackSection[]): string {
  return sections
    .map((s) =>
      [
        `${s.clause} ${s.heading}`,
        ...s.blocks.flatMap((b) => [...(b.label ? [`  ${b.label}:`] : []), ...b.lines.map((l) => `  - ${l}`)]),
      ].join('\n'),
    )
    .join('\n\n');
}

const questions = (unit: BusinessUnitConfig) => `Questions: ${unit.ismsManager.name} <${unit.ismsManager.email}>, ISMS manager.`;

const WHAT_YOU_DECIDE =
  'Open the link to see the review and to record your decision: approve the review or request changes, ' +
  'say for each resource category (financial, human, equipment, infrastructure technology) whether it is adequate, and add a comment. ' +
  'Opening the link changes nothing; only the button on the page records your decision.';

export function invitationEmail(args: {
  unit: BusinessUnitConfig;
  review: Pick<ReviewItem, 'period' | 'requiredApprovals' | 'members'>;
  member: ReviewMember;
  /** The whole pack goes to each member: the decision page shows only its summary. */
  pack: Pick<ReviewPack, 'sections' | 'inputsSubmitted'>;
  url: string;
  expiresAt: string;
}): Email {
  const { unit, review, member, pack, url } = args;
  const when = (iso: string) => formatTime(iso, unit.timeZone);
  const expiresAt = when(args.expiresAt);
  const inputsLine = pack.inputsSubmitted
    ? `Inputs submitted by ${pack.inputsSubmitted.submittedBy} at ${when(pack.inputsSubmitted.submittedAt)}.`
    : 'The ISMS manager submitted no inputs for this period.';
  const subject = emailSubject('Decision needed', `management review ${review.period}`, unit.name);
  const quorum = `${review.requiredApprovals} of ${review.members.length} members must approve.`;
  return {
    to: [member.email],
    subject,
    ...layoutEmail({
      unitName: unit.name,
      subject,
      heading: `Your decision is needed: management review ${review.period}`,
      footer: questions(unit),
      body: html`<p>Dear ${member.name},</p>
<p>The management review of the ISMS of ${unit.name} for ${review.period} is ready for your decision (ISO/IEC 27001 9.3). ${quorum}</p>
${decisionButton(url)}
<p>(Your personal link; it works until ${expiresAt}; please do not forward it.)</p>
<p>${WHAT_YOU_DECIDE}</p>
<h2>Review pack</h2>
<p>${inputsLine}</p>
${packHtml(pack.sections)}`,
      text: [
        `Dear ${member.name},`,
        '',
        `The management review of the ISMS of ${unit.name} for ${review.period} is ready for your decision (ISO/IEC 27001 9.3). ${quorum}`,
        '',
        `Review and decide (your personal link; it works until ${expiresAt}; please do not forward it):`,
        url,
        '',
        WHAT_YOU_DECIDE,
        '',
        'REVIEW PACK',
        '',
        inputsLine,
        '',
        packText(pack.sections),
      ].join('\n'),
    }),
  };
}

export function reminderEmail(args: {
  unit: BusinessUnitConfig;
  review: Pick<ReviewItem, 'period'>;
  member: ReviewMember;
  reminder: number;
  url: string;
  expiresAt: string;
}): Email {
  const { unit, review, member, reminder, url } = args;
  const expiresAt = formatTime(args.expiresAt, unit.timeZone);
  const subject = emailSubject(`Decision needed (reminder ${reminder})`, `management review ${review.period}`, unit.name);
  return {
    to: [member.email],
    subject,
    ...layoutEmail({
      unitName: unit.name,
      subject,
      heading: `Your decision is still needed: management review ${review.period}`,
      footer: questions(unit),
      body: html`<p>Dear ${member.name},</p>
<p>The management review of ${unit.name} for ${review.period} still awaits your decision.</p>
${decisionButton(url)}
<p>(Your personal link; it works until ${expiresAt}; the link in the first email works too.)</p>
<p>${WHAT_YOU_DECIDE}</p>`,
      text: [
        `Dear ${member.name},`,
        '',
        `The management review of ${unit.name} for ${review.period} still awaits your decision.`,
        '',
        `Review and decide (your personal link; it works until ${expiresAt}; the link in the first email works too):`,
        url,
        '',
        WHAT_YOU_DECIDE,
      ].join('\n'),
    }),
  };
}

export function escalationEmail(args: {
  unit: BusinessUnitConfig;
  review: Pick<ReviewItem, 'period' | 'openedAt' | 'requiredApprovals' | 'members'>;
  undecided: ReviewMember[];
  approvals: number;
  remindersSent: number;
  expiresAt: string;
}): Email {
  const { unit, review, undecided, approvals, remindersSent } = args;
  const when = (iso: string) => formatTime(iso, unit.timeZone);
  const expiresAt = args.expiresAt;
  const subject = emailSubject('Follow up (overdue, no quorum yet)', `management review ${review.period}`, unit.name);
  const status = `${approvals} of ${review.requiredApprovals} required approvals so far; ${remindersSent} reminder${remindersSent === 1 ? '' : 's'} sent.`;
  return {
    to: unit.escalationContacts.map((c) => c.email),
    cc: [unit.ismsManager.email],
    subject,
    ...layoutEmail({
      unitName: unit.name,
      subject,
      heading: `Overdue: management review ${review.period} has no quorum yet`,
      footer: questions(unit),
      body: html`<p>The management review of the ISMS of ${unit.name} for ${review.period}, opened ${when(review.openedAt)}, is overdue. ${status}</p>
<p>Not yet decided:</p>
<ul>${undecided.map((m) => html`<li>${m.name}, ${m.role} &lt;${m.email}&gt;</li>`)}</ul>
<p>Their decision links work until ${when(expiresAt)}. If the quorum is not reached by then, the review is recorded as not held on time (ISO/IEC 27001 9.3: reviews at planned intervals).</p>`,
      text: [
        `The management review of the ISMS of ${unit.name} for ${review.period}, opened ${when(review.openedAt)}, is overdue. ${status}`,
        '',
        'Not yet decided:',
        ...undecided.map((m) => `  - ${m.name}, ${m.role} <${m.email}>`),
        '',
        `Their decision links work until ${when(expiresAt)}. If the quorum is not reached by then, the review is recorded as not held on time (ISO/IEC 27001 9.3: reviews at planned intervals).`,
      ].join('\n'),
    }),
  };
}

/**
 * One copy per recipient: nobody's reply goes to the whole board, a bounce affects one copy only, and the local
 * SES emulator (aws-ses-v2-local 2.10) keeps only the first address of a destination list.
 */
export function minutesEmail(unit: BusinessUnitConfig, minutes: Minutes, rendered?: { html: string; text: string }): Email {
  return {
    // sendEmail sends each address one copy, once, whatever the case of its letters. An action owner outside top
    // management (the unit's actionOwner) learns of their actions from these minutes.
    to: [...unit.topManagement.map((m) => m.email), unit.ismsManager.email, ...minutes.actions.map((a) => a.owner.email)],
    subject: emailSubject('Minutes', `management review ${minutes.period}`, unit.name),
    html: rendered?.html ?? renderMinutesHtml(minutes, unit.timeZone),
    text: rendered?.text ?? renderMinutesText(minutes, unit.timeZone),
  };
}
