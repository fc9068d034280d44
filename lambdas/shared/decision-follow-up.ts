// What follows a recorded decision: its audit event, resuming the workflow, the confirmation to the recipient. None of it
// may turn the recorded click into an error page (docs/architecture.md#record-first-then-resume): each step logs its failure and returns.
import type { DecisionRecord, LinkItem } from '../../core/decisions';
import { decisionConfirmationEmail } from '../../core/decision-emails';
import { withLeadLines } from '../../core/delegation-emails';
import { actingLabel } from '../../core/seats';
import { shortFingerprint } from '../../core/fingerprint';
import { recordEvent } from './audit';
import { SUBJECT_SK } from './decision-store';
import { resumeIfComplete } from './resume';
import type { Runtime } from './runtime';
import { sendPersonalOnce } from './sent-store';

/** Resumes the workflow if the recorded decisions complete its wait; a failure is logged, never shown to the person. */
export async function resumeAfterDecision(rt: Runtime, link: LinkItem, record: DecisionRecord): Promise<void> {
  try {
    const resumed = await resumeIfComplete(rt, link.subjectType, link.subjectPk, SUBJECT_SK[link.subjectType]);
    rt.logger.info('decision recorded', {
      decisionId: record.decisionId,
      subjectPk: link.subjectPk,
      choice: record.choice,
      resume: resumed,
    });
  } catch (err) {
    rt.logger.error('decision recorded; resuming the workflow failed, it reads the tally when it next checks', {
      decisionId: record.decisionId,
      subjectPk: link.subjectPk,
      error: errorSummary(err),
    });
  }
}

/**
 * The event id is derived from the decision, so the loser of a race (or a later POST) re-writing it is a no-op;
 * it also fills the gap if the winner's event write failed after its record was stored.
 */
export async function auditDecision(rt: Runtime, link: LinkItem, record: DecisionRecord): Promise<void> {
  try {
    await recordEvent(rt, {
      type: 'decision.recorded',
      subjectPk: link.subjectPk,
      actor: record.recipient.email,
      eventId: `decision-${record.decisionId}`,
      at: record.decidedAt,
      detail: {
        decisionId: record.decisionId,
        subjectType: record.subjectType,
        subjectId: record.subjectId,
        level: record.level,
        choice: record.choice,
        comment: record.comment,
        resourceAdequacy: record.resourceAdequacy,
        // Issue 15: both identities of an acting decision, and the fingerprint of what was decided on.
        ...(record.actingFor ? { actingFor: record.actingFor.email, actingForName: record.actingFor.name, linkId: record.linkId } : {}),
        ...(record.fingerprint ? { fingerprint: record.fingerprint } : {}),
      },
    });
  } catch (err) {
    rt.logger.error('decision recorded; its audit event was not written (the decision item itself is the evidence)', {
      decisionId: record.decisionId,
      error: errorSummary(err),
    });
  }
}

/**
 * A decision link is a bearer credential: whoever holds it decides once. The recipient is told at once what was
 * recorded in their name and from where, so a forwarded link used by someone else does not go unnoticed. A failure
 * is logged (it alarms) and never turns the recorded click into an error page.
 */
/** The confirmation email's message key: one per decision, so a copy marked sent is never sent again. */
const confirmationMessage = (decisionId: string) => `confirmation-${decisionId}`;

/**
 * A POST that recorded the decision runs for at most the function's timeout (30 s). Once that has passed, a decision
 * without a sent confirmation means that POST died before sending it (or SES refused it), and posting again sends it.
 * Sooner, the first POST may still be sending: a double submit must not confirm twice.
 */
const CONFIRMATION_TAKEOVER_MS = 31_000;

export async function confirmMissedDecision(
  rt: Runtime,
  link: LinkItem,
  subject: Record<string, unknown>,
  record: DecisionRecord,
): Promise<void> {
  if (rt.now().getTime() - Date.parse(record.decidedAt) < CONFIRMATION_TAKEOVER_MS) return;
  // Sends only if no copy is marked sent, and writes the event of a copy that is (a POST that died in between).
  await confirmDecision(rt, link, subject, record);
}

/**
 * Tells the link's recipient that a decision was recorded through their link: a forwarded link used by someone else
 * is noticed at once. Marked sent (SENT#confirmation-<decisionId>), so it goes once per decision.
 */
export async function confirmDecision(
  rt: Runtime,
  link: LinkItem,
  subject: Record<string, unknown>,
  record: DecisionRecord,
): Promise<void> {
  try {
    const sent = await sendPersonalOnce(
      rt,
      {
        subjectPk: link.subjectPk,
        message: confirmationMessage(record.decisionId),
        recipient: record.recipient.email,
        about: { role: 'confirmation' },
      },
      () =>
        withLeadLines(decisionConfirmationEmail({ unit: rt.config, link, subject, record }), [
          ...(record.actingFor ? [`Recorded as ${actingLabel(record.recipient, record.actingFor)}.`] : []),
          ...(record.fingerprint ? [`Fingerprint of what you decided on: ${shortFingerprint(record.fingerprint)}.`] : []),
        ]),
    );
    await recordEvent(rt, {
      type: 'decision.confirmation-sent',
      subjectPk: link.subjectPk,
      actor: 'system',
      eventId: `confirmation-${record.decisionId}`,
      at: sent.sentAt,
      detail: { decisionId: record.decisionId, to: record.recipient.email, messageId: sent.sesMessageId },
    });
  } catch (err) {
    rt.logger.error('decision recorded; its confirmation email to the recipient was not sent or not recorded', {
      decisionId: record.decisionId,
      subjectPk: link.subjectPk,
      error: errorSummary(err),
    });
  }
}

/** Name and message only: never a request, an item or a token. */
export function errorSummary(err: unknown): { name: string; message: string } {
  const e = err as Error;
  return { name: e?.name ?? 'Error', message: String(e?.message ?? err).slice(0, 300) };
}
