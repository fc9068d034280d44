// Reminds the members who have not decided, each with a further link to their same decision.
import * as z from '../core/zod';
import { recordEvent } from './shared/audit';
import { keys } from '../core/keys';
import { getLink, reissueLink } from './shared/links';
import { loadSubject } from './shared/resume';
import { reviewWaitOutcome, tally } from '../core/review-tally';
import { reminderEmail } from '../core/review-emails';
import { sendPersonalOnce } from './shared/sent-store';
import { markRemindersSent, type StoredReview } from './shared/review-store';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';
import { parseEvent } from './shared/event';
import { absentToday, passSeat, seatHolder } from './shared/delegation';
import { pickDeputy } from '../core/seats';
import { actingLine, fingerprintLine, informationCopyEmail, withLeadLines } from '../core/delegation-emails';

const eventSchema = z.object({ reviewId: z.string().check(z.minLength(1)), remindersSent: z.int().check(z.minimum(0)) });

export const createHandler = (rt: Runtime) => async (event: unknown) => {
  const input = parseEvent(eventSchema, event, 'review-remind');
  const { reviewId } = input;
  const reminder = input.remindersSent + 1;
  const key = keys.review(reviewId);
  const { subject, decisions } = await loadSubject(rt, key.pk, key.sk);
  if (!subject) throw new WorkflowError('ReviewNotFound', `No review ${reviewId}`);
  const review = subject as StoredReview;
  // A retry after this reminder went out sends nothing again.
  if ((review.remindersSent ?? 0) >= reminder) return { remindersSent: review.remindersSent!, reminded: 0 };
  // The tally completed while no wait was open: the next wait resumes at once, so nobody needs reminding.
  if (reviewWaitOutcome(review, decisions).complete) return { remindersSent: input.remindersSent, reminded: 0 };

  const undecided = tally(review, decisions).undecided.filter((m) => m.decisionId);
  // Absences are read when the reminder runs: one that started while the review waits passes the seat now (issue 15).
  const absent = await absentToday(rt);
  for (const member of undecided) {
    const decisionId = member.decisionId!;
    const link = await getLink(rt, decisionId);
    // The seat's current link: the member's, or their deputy's after an absence or a hand-over.
    let holder = link?.handedTo ? await seatHolder(rt, decisionId) : link;
    if (!holder || holder.supersededAt) continue;
    const away = holder.decisionId === decisionId ? absent(member.email) : undefined;
    const deputy = away ? pickDeputy(rt.config, member.email, () => undefined, away.deputy).to : undefined;
    const why = away ? `${member.name} is absent ${away.from} to ${away.to}` : '';
    // A retry of this step (SES throttled at a later member) skips the members its first attempt reminded.
    const to = deputy ?? holder.recipient;
    const sent = await sendPersonalOnce(
      rt,
      { subjectPk: key.pk, message: `reminder-${reminder}`, recipient: to.email, about: { role: 'member', decisionId } },
      async () => {
        if (away && deputy) {
          const passed = await passSeat(
            rt,
            holder!,
            { ...deputy, role: member.role },
            { kind: 'absence', reason: why, by: away.setBy },
            {
              kind: 'reminder',
              reminder,
            },
          );
          if (!passed)
            throw new WorkflowError('LinkStopped', `The link of ${member.email} was stopped before it could pass to ${deputy.email}`);
          holder = { ...holder!, decisionId: passed.decisionId, ...passed.link };
          return withLeadLines(
            reminderEmail({
              unit: rt.config,
              review,
              member: { ...member, ...deputy },
              reminder,
              url: passed.url,
              expiresAt: passed.expiresAt,
            }),
            [actingLine(member, why), ...fingerprintLine('pack', holder!.fingerprint)],
            `[acting for ${member.name}] `,
          );
        }
        const { url, expiresAt } = await reissueLink(rt, holder!.decisionId, { kind: 'reminder', reminder });
        const acting = holder!.actingFor;
        return withLeadLines(
          reminderEmail({ unit: rt.config, review, member: { ...member, ...holder!.recipient }, reminder, url, expiresAt }),
          [...(acting ? [actingLine(acting, 'as before')] : []), ...fingerprintLine('pack', holder!.fingerprint)],
          acting ? `[acting for ${acting.name}] ` : '',
        );
      },
    );
    if (away && deputy) {
      await sendPersonalOnce(rt, { subjectPk: key.pk, message: `absence-copy-${decisionId}`, recipient: member.email }, () =>
        informationCopyEmail({ unit: rt.config, original: member, deputy, what: `the management review ${review.period}`, why }),
      );
    }
    // One event per member and reminder number, keyed by the send: a retry rewrites the same event.
    await recordEvent(rt, {
      type: 'reminder.sent',
      subjectPk: key.pk,
      actor: 'system',
      at: sent.sentAt,
      eventId: `reminder-${reminder}-${decisionId}`,
      detail: {
        reminder,
        recipient: to.email,
        decisionId,
        sesMessageId: sent.sesMessageId,
        ...(to !== holder.recipient || holder.actingFor ? { actingFor: member.email } : {}),
      },
    });
  }
  await markRemindersSent(rt, reviewId, reminder);
  return { remindersSent: reminder, reminded: undecided.length };
};

export const handler = lambdaHandler(createHandler);
