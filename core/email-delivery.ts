// What became of an email after SES took it: the tags each copy carries, the SES events (as EventBridge delivers them) and what each one means for the ISMS.
import * as z from './zod';
import { html } from './html';
import type { BusinessUnitConfig } from './config';
import type { Email } from './email';

/** The unit's SES configuration set: every email of the unit is sent with it, so its events reach the unit's handler. */
export const configurationSetName = (unitId: string) => `isms-${unitId}`;

/**
 * What an email was for. A decision email carries a decision link (an invitation, a reminder, an escalation, an overdue
 * notice): if it cannot be delivered, someone cannot decide, so its bounce is a signal and not just a log line.
 */
export const EMAIL_ROLES = ['member', 'level', 'escalation', 'overdue', 'minutes', 'outcome', 'notice', 'confirmation', 'other'] as const;
export type EmailRole = (typeof EMAIL_ROLES)[number];
const DECISION_ROLES: ReadonlySet<EmailRole> = new Set(['member', 'level', 'escalation', 'overdue']);

export interface EmailAbout {
  role: EmailRole;
  /** The decision the email's link belongs to (decision emails only). */
  decisionId?: string;
  /** The request level the decision is for. */
  level?: number;
}

export const isDecisionEmail = (about: EmailAbout | undefined) => Boolean(about?.decisionId && DECISION_ROLES.has(about.role));

/** Tag names: SES sends them back in every event of the copy (`mail.tags`). */
export const TAG = {
  unit: 'isms-unit',
  subject: 'isms-subject',
  message: 'isms-message',
  recipient: 'isms-recipient',
  role: 'isms-role',
  decision: 'isms-decision',
  level: 'isms-level',
  decisionEmail: 'isms-decision-email',
} as const;

/**
 * SES allows only ASCII letters, digits, "_" and "-" in tag values (256 at most): values that may hold anything else
 * (a subject's key has "#", an address "@" and ".") travel as base64url, which uses exactly those characters.
 */
const encode = (value: string) => Buffer.from(value, 'utf8').toString('base64url');
const decode = (value: string | undefined) => (value ? Buffer.from(value, 'base64url').toString('utf8') : undefined);

export interface TaggedCopy {
  unitId: string;
  subjectPk: string;
  message: string;
  recipient: string;
  about?: EmailAbout;
}

/** The tags of one recipient's copy. */
export function emailTags(copy: TaggedCopy): Array<{ Name: string; Value: string }> {
  const tags: Array<{ Name: string; Value: string }> = [
    { Name: TAG.unit, Value: copy.unitId },
    { Name: TAG.subject, Value: encode(copy.subjectPk) },
    { Name: TAG.message, Value: encode(copy.message) },
    { Name: TAG.recipient, Value: encode(copy.recipient.toLowerCase()) },
    { Name: TAG.role, Value: copy.about?.role ?? 'other' },
    { Name: TAG.decisionEmail, Value: isDecisionEmail(copy.about) ? 'true' : 'false' },
  ];
  if (copy.about?.decisionId) tags.push({ Name: TAG.decision, Value: encode(copy.about.decisionId) });
  if (copy.about?.level !== undefined) tags.push({ Name: TAG.level, Value: String(copy.about.level) });
  // Longer values would make SES refuse the whole send: better untagged (matched by message id) than unsent.
  return tags.filter((t) => t.Value.length <= 256);
}

/** The copy a set of tags names, or undefined when they are not ours (or not all there). */
export function readEmailTags(tags: Record<string, string[] | undefined> | undefined): TaggedCopy | undefined {
  const one = (name: string) => tags?.[name]?.[0];
  const unitId = one(TAG.unit);
  const subjectPk = decode(one(TAG.subject));
  const message = decode(one(TAG.message));
  const recipient = decode(one(TAG.recipient));
  if (!unitId || !subjectPk || !message || !recipient) return undefined;
  const role = (EMAIL_ROLES as readonly string[]).includes(one(TAG.role) ?? '') ? (one(TAG.role) as EmailRole) : 'other';
  const level = one(TAG.level);
  const about: EmailAbout = { role, decisionId: decode(one(TAG.decision)) };
  if (level !== undefined && /^\d+$/.test(level)) about.level = Number(level);
  return { unitId, subjectPk, message, recipient, about };
}

// ------------------------------------------------------------------------------------------------ SES events

/** EventBridge detail types of the SES events the configuration set publishes (EventBridge reference, "Amazon SES events"). */
export const SES_DETAIL_TYPES = {
  Bounce: 'Email Bounced',
  Complaint: 'Email Complaint Received',
  Reject: 'Email Rejected',
  Delivery: 'Email Delivered',
  DeliveryDelay: 'Email Delivery Delayed',
} as const;
export type SesEventType = keyof typeof SES_DETAIL_TYPES;

const recipientList = (key: string) => z.optional(z.array(z.looseObject({ [key]: z.string() })));

/** The parts of an SES event record we read; SES adds fields over time, so the rest passes through. */
export const sesEventSchema = z.looseObject({
  id: z.string().check(z.minLength(1)),
  source: z.literal('aws.ses'),
  'detail-type': z.string(),
  detail: z.looseObject({
    eventType: z.enum(Object.keys(SES_DETAIL_TYPES) as [SesEventType, ...SesEventType[]]),
    mail: z.looseObject({
      timestamp: z.string(),
      messageId: z.string().check(z.minLength(1)),
      destination: z.array(z.string()),
      tags: z.optional(z.record(z.string(), z.array(z.string()))),
    }),
    bounce: z.optional(
      z.looseObject({
        bounceType: z.string(),
        bounceSubType: z.optional(z.string()),
        bouncedRecipients: z.array(
          z.looseObject({ emailAddress: z.string(), status: z.optional(z.string()), diagnosticCode: z.optional(z.string()) }),
        ),
        timestamp: z.string(),
      }),
    ),
    complaint: z.optional(
      z.looseObject({
        complainedRecipients: z.array(z.looseObject({ emailAddress: z.string() })),
        timestamp: z.string(),
        complaintFeedbackType: z.optional(z.string()),
      }),
    ),
    reject: z.optional(z.looseObject({ reason: z.optional(z.string()) })),
    delivery: z.optional(z.looseObject({ timestamp: z.string(), recipients: z.array(z.string()) })),
    deliveryDelay: z.optional(
      z.looseObject({ timestamp: z.string(), delayType: z.optional(z.string()), delayedRecipients: recipientList('emailAddress') }),
    ),
  }),
});
export type SesEvent = z.output<typeof sesEventSchema>;

export type DeliveryOutcome = 'delivered' | 'bounced' | 'soft-bounced' | 'complained' | 'rejected' | 'delayed';

export interface DeliveryFinding {
  outcome: DeliveryOutcome;
  /** The audit event it is recorded as. */
  eventType: `email.${DeliveryOutcome}`;
  /** A hard bounce, a complaint or a reject: the address does not reach (or must not be sent to) the person. */
  failed: boolean;
  recipient: string;
  at: string;
  detail: Record<string, string | undefined>;
}

/**
 * One finding per recipient the event is about. A Transient or Undetermined bounce is soft: SES gave up on this copy,
 * but the address may work tomorrow (a full mailbox); only Permanent bounces fail the address.
 */
export function deliveryFindings(event: SesEvent): DeliveryFinding[] {
  const d = event.detail;
  const finding = (outcome: DeliveryOutcome, recipient: string, at: string, detail: DeliveryFinding['detail'] = {}): DeliveryFinding => ({
    outcome,
    eventType: `email.${outcome}`,
    failed: outcome === 'bounced' || outcome === 'complained' || outcome === 'rejected',
    recipient,
    at,
    detail,
  });
  switch (d.eventType) {
    case 'Bounce': {
      const b = d.bounce;
      if (!b) return [];
      const outcome = b.bounceType === 'Permanent' ? 'bounced' : 'soft-bounced';
      return b.bouncedRecipients.map((r) =>
        finding(outcome, r.emailAddress, b.timestamp, {
          bounceType: b.bounceType,
          bounceSubType: b.bounceSubType,
          status: r.status,
          diagnosticCode: r.diagnosticCode,
        }),
      );
    }
    case 'Complaint': {
      const c = d.complaint;
      if (!c) return [];
      return c.complainedRecipients.map((r) =>
        finding('complained', r.emailAddress, c.timestamp, { feedbackType: c.complaintFeedbackType }),
      );
    }
    case 'Reject':
      // SES rejects the whole message (a virus): every destination, at the time it was sent.
      return d.mail.destination.map((to) => finding('rejected', to, d.mail.timestamp, { reason: d.reject?.reason }));
    case 'Delivery':
      return (d.delivery?.recipients ?? []).map((to) => finding('delivered', to, d.delivery!.timestamp));
    case 'DeliveryDelay':
      return (d.deliveryDelay?.delayedRecipients ?? []).map((r) =>
        finding('delayed', r.emailAddress, d.deliveryDelay!.timestamp, { delayType: d.deliveryDelay?.delayType }),
      );
  }
}

/** How status output names an outcome. */
export const OUTCOME_LABEL: Record<DeliveryOutcome, string> = {
  delivered: 'delivered',
  bounced: 'BOUNCED',
  'soft-bounced': 'soft bounce (SES gave up on one copy)',
  complained: 'COMPLAINT (marked as spam)',
  rejected: 'REJECTED by SES',
  delayed: 'delayed',
};

// ------------------------------------------------------------------------------------------------ the ISMS manager's notice

export interface UndeliverableNotice {
  unit: BusinessUnitConfig;
  /** "the management review 2026-Q4", "resource request R-…" */
  subjectLabel: string;
  person: { name?: string; email: string; role?: string };
  outcome: DeliveryOutcome;
  reason: string;
  /** What happens now without anyone acting, e.g. "Level 1 was escalated to …". */
  consequence: string;
  /** The commands that fix it, one a line. */
  fix: string[];
}

/** The email that tells the ISMS manager, at once, that a decision email did not reach its person, and what to do. */
export function undeliverableEmail(n: UndeliverableNotice): Email {
  const who = n.person.name ? `${n.person.name} <${n.person.email}>` : n.person.email;
  const what = { bounced: 'bounced', complained: 'was marked as spam by', rejected: 'was rejected by SES for' }[
    n.outcome as 'bounced' | 'complained' | 'rejected'
  ];
  const subject = `Decision email ${n.outcome === 'bounced' ? 'bounced' : `not delivered (${n.outcome})`}: ${who}, ${n.subjectLabel} (${n.unit.name})`;
  const lead = `The decision email of ${n.subjectLabel} to ${who}${n.person.role ? ` (${n.person.role})` : ''} ${what ?? 'did not reach'} the address${what === 'bounced' ? '' : ` ${n.person.email}`}.`;
  const page = (body: ReturnType<typeof html>) =>
    html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${subject}</title></head><body>${body}</body></html>`.value;
  return {
    to: [n.unit.ismsManager.email],
    subject,
    html: page(
      html`<p>${lead}</p><p>Reason: ${n.reason}</p><p>${n.consequence}</p><p>What to do: correct the address in the unit's configuration, then:</p><pre>${n.fix.join('\n')}</pre>`,
    ),
    text: [
      lead,
      '',
      `Reason: ${n.reason}`,
      '',
      n.consequence,
      '',
      "What to do: correct the address in the unit's configuration, then:",
      ...n.fix.map((f) => `  ${f}`),
      '',
    ].join('\n'),
  };
}

// ------------------------------------------------------------------------------------------------ the mailbox simulator

/** SES's mailbox simulator (SES developer guide, "Using the mailbox simulator"): the local runtime answers these as SES does. */
export const SIMULATOR_DOMAIN = 'simulator.amazonses.com';
export type SimulatedOutcome = 'success' | 'bounce' | 'complaint' | 'suppressionlist' | 'ooto';

/** The simulator scenario of an address (labels such as `bounce+member1@` count), or undefined for any other address. */
export function simulatorScenario(address: string): SimulatedOutcome | undefined {
  const [local, domain] = address.toLowerCase().split('@');
  if (domain !== SIMULATOR_DOMAIN) return undefined;
  const base = local.split('+')[0];
  return (['success', 'bounce', 'complaint', 'suppressionlist', 'ooto'] as const).find((s) => s === base);
}

// ------------------------------------------------------------------------------------------------ status

export interface RecordedDelivery {
  type: string;
  at: string;
  detail: { recipient?: string; bounceSubType?: string; diagnosticCode?: string };
}

/**
 * One line per address for status output: a failure outweighs any delivery (one bounced reminder means the address is
 * wrong, whatever arrived before); otherwise the latest event. Undefined when SES has said nothing of that address yet.
 */
export function deliveryStatus(events: readonly RecordedDelivery[], address: string): string | undefined {
  const mine = events
    .filter((e) => e.detail.recipient?.toLowerCase() === address.toLowerCase() && e.type.startsWith('email.'))
    .sort((a, b) => a.at.localeCompare(b.at));
  if (!mine.length) return undefined;
  const failed = mine.filter((e) => ['email.bounced', 'email.complained', 'email.rejected'].includes(e.type)).at(-1);
  const shown = failed ?? mine.at(-1)!;
  const outcome = shown.type.slice('email.'.length) as DeliveryOutcome;
  const why = shown.detail.diagnosticCode ? ` (${shown.detail.diagnosticCode})` : '';
  return `email ${OUTCOME_LABEL[outcome] ?? outcome} at ${shown.at}${failed ? why : ''}`;
}
