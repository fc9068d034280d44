// What SES said of each email to a person (email.delivered, .bounced, .complained, .rejected events), for the report's
// review, request and policy sections: the auditor sees that each executive was reached, or why not. Pure.
import { OUTCOME_LABEL, type DeliveryOutcome } from './email-delivery';

/** The delivery events the report shows; "delayed" and soft bounces are transient and say nothing final of the address. */
export const SHOWN_DELIVERY = ['email.delivered', 'email.bounced', 'email.complained', 'email.rejected'] as const;
const FAILED = new Set(['email.bounced', 'email.complained', 'email.rejected']);

export interface DeliveryLine {
  outcome: DeliveryOutcome;
  /** "delivered", "BOUNCED" ...: core/email-delivery.ts's wording. */
  label: string;
  failed: boolean;
  at: string;
  /** Which email of the subject it was (invitation, reminder-1 ...), as the sender named it. */
  message: string;
  /** The receiving server's reason, for a failure. */
  reason?: string;
}

const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

/** The delivery events of subject `pk` for `address` (any case), in time order. */
export function deliveryOf(events: readonly Record<string, unknown>[], pk: string, address: string): DeliveryLine[] {
  const to = address.trim().toLowerCase();
  if (!to) return [];
  return events
    .filter((e) => e.subject === pk && (SHOWN_DELIVERY as readonly string[]).includes(str(e.type)))
    .filter((e) => str((e.detail as Record<string, unknown> | undefined)?.recipient).toLowerCase() === to)
    .map((e) => {
      const d = (e.detail ?? {}) as Record<string, unknown>;
      const outcome = str(e.type).slice('email.'.length) as DeliveryOutcome;
      const reason = str(d.diagnosticCode || d.reason || d.feedbackType || d.bounceSubType);
      return {
        outcome,
        label: OUTCOME_LABEL[outcome] ?? outcome,
        failed: FAILED.has(str(e.type)),
        at: str(e.at),
        message: str(d.message),
        ...(FAILED.has(str(e.type)) && reason ? { reason } : {}),
      };
    })
    .sort((a, b) => a.at.localeCompare(b.at));
}
