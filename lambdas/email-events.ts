// SES events of the unit's emails (bounce, complaint, reject, delivery, delay), as EventBridge delivers them: evidence on the review or request, and for a decision email that did not arrive, the ISMS manager told at once and a request level escalated.
import { lambdaHandler, type Runtime } from './shared/runtime';
import { parseEvent } from './shared/event';
import { recordEvent } from './shared/audit';
import { sendOnce } from './shared/sent-store';
import { markUndeliverable, sentCopyByMessageId } from './shared/delivery-store';
import { cutWait } from './shared/cut-wait';
import { getReview } from './shared/review-store';
import { findRequest } from './shared/request-store';
import {
  deliveryFindings,
  isDecisionEmail,
  readEmailTags,
  sesEventSchema,
  undeliverableEmail,
  type DeliveryFinding,
  type DeliveryOutcome,
  type SesEvent,
  type TaggedCopy,
} from '../core/email-delivery';
import { keys } from '../core/keys';
import { escalationTarget } from '../core/request';
import { stackName } from '../core/names';
import { count } from './shared/observability';
import { METRIC, type MetricName } from '../core/metrics';

const OUTCOME_METRIC: Partial<Record<DeliveryOutcome, MetricName>> = {
  delivered: METRIC.emailsDelivered,
  bounced: METRIC.emailsBounced,
  complained: METRIC.emailsComplained,
};

export interface EmailEventsResult {
  recorded: number;
  undeliverable: number;
  /** Why nothing was recorded, when nothing was. */
  ignored?: 'other-unit' | 'unknown-message';
}

export const createHandler =
  (rt: Runtime) =>
  async (raw: unknown): Promise<EmailEventsResult> => {
    const event = parseEvent(sesEventSchema, raw, 'email-events');
    const copy = await copyOf(rt, event);
    if (!copy) {
      // Sent by something else through this configuration set, or before tags and marks existed: nothing to attach it to.
      rt.logger.warn('SES event for an email this unit did not send', {
        sesMessageId: event.detail.mail.messageId,
        type: event['detail-type'],
      });
      return { recorded: 0, undeliverable: 0, ignored: 'unknown-message' };
    }
    if (copy.unitId !== rt.config.id) return { recorded: 0, undeliverable: 0, ignored: 'other-unit' };
    const result: EmailEventsResult = { recorded: 0, undeliverable: 0 };
    for (const [i, finding] of deliveryFindings(event).entries()) {
      // The id comes from the EventBridge event: a redelivered event rewrites the same item (putOnce), never a second one.
      const written = await recordEvent(rt, {
        type: finding.eventType,
        subjectPk: copy.subjectPk,
        actor: 'ses',
        at: finding.at,
        eventId: `ses-${event.id}-${i}`,
        detail: {
          recipient: finding.recipient,
          message: copy.message,
          role: copy.about?.role,
          decisionId: copy.about?.decisionId,
          level: copy.about?.level,
          sesMessageId: event.detail.mail.messageId,
          ...finding.detail,
        },
      });
      if (written) {
        result.recorded += 1;
        const metric = OUTCOME_METRIC[finding.outcome];
        if (metric) count(rt, metric);
      }
      if (finding.failed && isDecisionEmail(copy.about)) {
        await undeliverableDecisionEmail(rt, event, copy, finding);
        if (written) count(rt, METRIC.decisionEmailsUndeliverable);
        result.undeliverable += 1;
      }
    }
    rt.logger.info('SES event recorded', { type: event['detail-type'], subjectPk: copy.subjectPk, ...result });
    return result;
  };

/** What the email was about: its tags, or (tags missing) its sent mark found by the SES message id. */
async function copyOf(rt: Runtime, event: SesEvent): Promise<TaggedCopy | undefined> {
  const tagged = readEmailTags(event.detail.mail.tags);
  if (tagged) return tagged;
  const sent = await sentCopyByMessageId(rt, event.detail.mail.messageId);
  if (!sent) return undefined;
  return { unitId: rt.config.id, subjectPk: sent.pk, message: sent.message, recipient: sent.recipient, about: sent.about };
}

/**
 * Marks the decision undeliverable (once), cuts a request level's wait short so that it escalates now, and tells the
 * ISMS manager (once per decision, however many copies bounce). Every step is idempotent: EventBridge may deliver twice.
 */
async function undeliverableDecisionEmail(rt: Runtime, event: SesEvent, copy: TaggedCopy, finding: DeliveryFinding) {
  const decisionId = copy.about!.decisionId!;
  await markUndeliverable(rt, copy.subjectPk, {
    decisionId,
    recipient: finding.recipient,
    outcome: finding.outcome,
    role: copy.about!.role,
    level: copy.about!.level,
    sesMessageId: event.detail.mail.messageId,
    at: finding.at,
  });
  const notice = await noticeFor(rt, copy, finding, decisionId);
  if (!notice) return;
  await sendOnce(
    rt,
    { subjectPk: copy.subjectPk, message: `undeliverable-${decisionId}`, about: { role: 'notice' } },
    undeliverableEmail({ unit: rt.config, outcome: finding.outcome, ...notice }),
  );
}

const reasonOf = (f: DeliveryFinding) =>
  [
    f.detail.bounceType && `${f.detail.bounceType} bounce${f.detail.bounceSubType ? ` (${f.detail.bounceSubType})` : ''}`,
    f.detail.diagnosticCode,
    f.detail.reason,
    f.detail.feedbackType && `feedback: ${f.detail.feedbackType}`,
  ]
    .filter(Boolean)
    .join('; ') || f.outcome;

async function noticeFor(rt: Runtime, copy: TaggedCopy, finding: DeliveryFinding, decisionId: string) {
  const unit = rt.config;
  const deploy = `npx cdk deploy ${stackName(unit.id)}   (after correcting the address in the unit's config file)`;
  if (copy.subjectPk.startsWith(keys.review('').pk)) {
    const review = await getReview(rt, copy.subjectPk.slice(keys.review('').pk.length));
    if (!review) return undefined;
    const member =
      review.members.find((m) => m.decisionId === decisionId) ?? review.members.find((m) => m.email.toLowerCase() === copy.recipient);
    return {
      subjectLabel: `the management review ${review.period}`,
      person: { name: member?.name, email: finding.recipient, role: member?.role },
      reason: reasonOf(finding),
      consequence:
        'The review waits for the other members; this member cannot decide through that address, and reminders to it will not arrive either. If the quorum needs this member, reach them another way before the links expire.',
      fix: [deploy, `isms review status --bu ${unit.id} --period ${review.period}   (shows delivery per member)`],
    };
  }
  if (copy.subjectPk.startsWith(keys.request('').pk)) {
    const requestId = copy.subjectPk.slice(keys.request('').pk.length);
    const request = await findRequest(rt, requestId);
    if (!request) return undefined;
    const index = copy.about?.level ?? request.levels.findIndex((l) => l.decisionId === decisionId);
    const level = request.levels[index];
    const waiting =
      request.status === 'pending' &&
      request.currentLevel === index &&
      level?.decisionId === decisionId &&
      !level.escalatedAt &&
      !level.escalationSkippedAt;
    let consequence = `Level ${index + 1} (${level?.name ?? '?'}) is not waiting on this email any more; nothing else changes.`;
    if (waiting) {
      // Cut the wait: the workflow escalates this level now instead of after the reminders.
      const cut = await cutWait(rt, copy.subjectPk, `the decision email of level ${index} could not be delivered (${finding.outcome})`);
      rt.logger.info('request wait cut short: approver unreachable', { requestId, level: index, cut });
      const target = escalationTarget(rt.config, request, index);
      consequence = target.escalate
        ? `Level ${index + 1} (${level.name}) is escalated at once to its escalation contact ${target.to.name} <${target.to.email}> instead of waiting out the reminders.`
        : `Level ${index + 1} (${level.name}) cannot be escalated (${target.reason}): the request waits until its links expire unless the approver is reached another way.`;
    }
    return {
      subjectLabel: `resource request ${requestId} ("${request.title}")`,
      person: { name: level?.approver.name, email: finding.recipient, role: level?.name },
      reason: reasonOf(finding),
      consequence,
      fix: [deploy, `isms request status --bu ${unit.id} --id ${requestId}   (shows delivery per approver)`],
    };
  }
  return undefined;
}

export const handler = lambdaHandler(createHandler);
